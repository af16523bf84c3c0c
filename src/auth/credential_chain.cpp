#include "auth/credential_chain.hpp"

#include "auth/assume_role_provider.hpp"
#include "auth/container_provider.hpp"
#include "auth/instance_metadata_provider.hpp"
#include "auth/process_provider.hpp"
#include "auth/web_identity_provider.hpp"

namespace secexport::auth {

namespace {

io::endpoint endpoint_setting(const std::string& url, const std::string& what) {
  auto ep = io::parse_endpoint(url);
  if (!ep) throw failure(errc::bad_config, what + " '" + io::printable_url(url) + "' is not usable: " + ep.error().message);
  return *ep;
}

} // namespace

std::shared_ptr<credentials_provider> make_credentials_provider(aws_context& context, const aws_settings& settings,
                                                                refresh_options options) {
  std::shared_ptr<credentials_provider> provider;
  const auto& plan = settings.credentials;
  if (plan.web_identity) {
    auto sts = endpoint_setting(settings.sts_endpoint, "the STS endpoint");
    provider = web_identity_credentials(context, sts, settings.region, *plan.web_identity, options);
  } else if (plan.container) {
    provider = container_credentials(context, *plan.container, options);
  } else if (plan.process) {
    provider = process_credentials(context, *plan.process, options);
  } else if (!plan.instance_metadata.empty()) {
    auto imds = endpoint_setting(plan.instance_metadata,
                                 "the instance metadata endpoint (AWS_EC2_METADATA_SERVICE_ENDPOINT)");
    provider = instance_metadata_credentials(context, imds, options);
  } else {
    provider = static_credentials(plan.base);
  }
  if (settings.credentials.roles.empty()) return provider;
  auto sts = endpoint_setting(settings.sts_endpoint, "the STS endpoint");
  for (const auto& role : settings.credentials.roles)
    provider = assume_role_credentials(context, sts, settings.region, provider, role, options);
  return provider;
}

} // namespace secexport::auth

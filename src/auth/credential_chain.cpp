#include "auth/credential_chain.hpp"

#include "auth/assume_role_provider.hpp"
#include "auth/instance_metadata_provider.hpp"

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
  if (!settings.credentials.instance_metadata.empty()) {
    auto imds = endpoint_setting(settings.credentials.instance_metadata,
                                 "the instance metadata endpoint (AWS_EC2_METADATA_SERVICE_ENDPOINT)");
    provider = instance_metadata_credentials(context, imds, options);
  } else {
    provider = static_credentials(settings.credentials.base);
  }
  if (settings.credentials.roles.empty()) return provider;
  auto sts = endpoint_setting(settings.sts_endpoint, "the STS endpoint");
  for (const auto& role : settings.credentials.roles)
    provider = assume_role_credentials(context, sts, settings.region, provider, role, options);
  return provider;
}

} // namespace secexport::auth

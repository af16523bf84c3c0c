#include "s3/session.hpp"

#include "auth/credential_chain.hpp"
#include "base/log.hpp"

namespace secexport::s3 {

bool session::s3_over_tls() const { return !s3 || !s3->settings().endpoint || s3->settings().endpoint->tls; }

session open_session(boost::asio::any_io_executor executor, const connection_settings& c, const auth::environment& env) {
  session s;
  auto files = auth::shared_config::load(env);
  s.settings = auth::resolve_aws_settings(c.aws, env, files);
  if (!c.tls.verify_peer) log_warn("TLS certificate verification is off (--no-verify-ssl)");
  s.tls = io::make_tls_context(c.tls);
  s.context = std::make_unique<auth::aws_context>(executor, s.tls, c.http, c.backoff);
  s.credentials = auth::make_credentials_provider(*s.context, s.settings);
  s3_settings s3s;
  s3s.region = s.settings.region;
  if (!s.settings.s3_endpoint.empty()) {
    auto ep = io::parse_endpoint(s.settings.s3_endpoint);
    if (!ep)
      throw failure(ep.error().code, "the S3 endpoint '" + io::printable_url(s.settings.s3_endpoint) + "' is not usable: " + ep.error().message);
    s3s.endpoint = *ep;
  }
  s.s3 = std::make_unique<s3_client>(*s.context, s3s, s.credentials);
  return s;
}

} // namespace secexport::s3

// Everything needed to talk to S3 with one identity: the settings resolved the AWS CLI's way
// (flags, environment, shared files), the TLS context, the aws_context (connections, retry
// budgets, signing clock), the credential chain and an s3_client. Used by every command
// and by the daily job, one per io_context.
#pragma once

#include "auth/aws_client.hpp"
#include "auth/aws_config.hpp"
#include "auth/shared_config.hpp"
#include "io/http_client.hpp"
#include "io/retry.hpp"
#include "io/tls_context.hpp"
#include "s3/s3_client.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <optional>

namespace secexport::s3 {

/// How to reach AWS, as plain settings (the CLI fills them from flags).
struct connection_settings {
  auth::aws_options aws;
  io::tls_options tls;
  io::http_options http;
  io::backoff_policy backoff;
};

struct session {
  auth::aws_settings settings;
  std::shared_ptr<boost::asio::ssl::context> tls;
  std::unique_ptr<auth::aws_context> context;
  std::shared_ptr<auth::credentials_provider> credentials;
  std::unique_ptr<s3_client> s3;

  /// Whether S3 is reached over HTTPS (it decides the default payload protection).
  [[nodiscard]] bool s3_over_tls() const;
};

/// Throws a `failure` whose code says what is wrong (bad input for settings, files, URLs).
[[nodiscard]] session open_session(boost::asio::any_io_executor executor, const connection_settings& settings,
                                   const auth::environment& env = auth::process_environment());

} // namespace secexport::s3

// Command-line options shared by the commands that talk to AWS (upload, export, tenant, run):
// where the credentials, region and endpoints come from, TLS trust, and how uploads are
// tuned. Each group registers its flags on a CLI11 command and turns them into settings.
#pragma once

#include "auth/aws_client.hpp"
#include "auth/aws_config.hpp"
#include "io/tls_context.hpp"
#include "s3/multipart_upload.hpp"
#include "s3/part_size_policy.hpp"
#include "s3/s3_client.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace secexport::cli {

/// Exit statuses of every command.
enum exit_status : int { exit_ok = 0, exit_failure = 1, exit_usage = 2 };

/// A failure to report as "error: ..." with an exit status.
class command_error : public std::runtime_error {
public:
  command_error(std::string message, int status = exit_failure)
      : std::runtime_error(std::move(message)), status_(status) {}
  [[nodiscard]] int status() const noexcept { return status_; }

private:
  int status_;
};

struct aws_flags {
  std::string profile, region, endpoint_url, sts_endpoint_url, ca_file;
  std::string role_arn, external_id, role_session_name;
  unsigned duration_seconds = 3600;
  bool no_verify_ssl = false;
  unsigned max_attempts = 8;
  double connect_timeout = 10, read_timeout = 120;

  /// `role_options`: --role-arn, --external-id, --role-session-name, --duration-seconds (the
  /// tenant commands take the role from the tenant's settings instead).
  void add_to(CLI::App& app, bool role_options = true);
  /// Resolves flags + environment + shared files (throws command_error with exit_usage).
  [[nodiscard]] auth::aws_options options() const;
  [[nodiscard]] io::tls_options tls() const;
  [[nodiscard]] io::http_options http() const;
  [[nodiscard]] io::backoff_policy backoff() const;

private:
  void add_role_options(CLI::App& app);
  void add_connection_options(CLI::App& app);
};

struct transfer_flags {
  unsigned concurrency = 8;
  std::string part_size = "8MiB";
  std::string max_memory = "256MiB";
  bool fixed_part_size = false;
  std::string payload = "auto";  // auto | signed | unsigned
  std::string checksum = "auto"; // auto | crc32c | none

  void add_to(CLI::App& app);
  /// Throws command_error(exit_usage) for combinations that cannot work.
  [[nodiscard]] s3::part_size_policy policy(std::uint64_t reserved_memory = 0) const;
  [[nodiscard]] s3::upload_options upload(bool tls_endpoint) const;
};

/// Everything a command needs to talk to S3: resolved settings, the TLS context, the shared
/// aws_context and the credentials provider. Lives on one io_context.
struct aws_session {
  auth::aws_settings settings;
  std::shared_ptr<boost::asio::ssl::context> tls;
  std::unique_ptr<auth::aws_context> context;
  std::shared_ptr<auth::credentials_provider> credentials;
  std::unique_ptr<s3::s3_client> s3;

  [[nodiscard]] bool s3_over_tls() const;
};

[[nodiscard]] aws_session open_aws_session(boost::asio::any_io_executor executor, const aws_flags& flags,
                                           std::optional<auth::credentials> explicit_keys = std::nullopt);

/// Splits "s3://bucket/key"; throws command_error(exit_usage).
[[nodiscard]] std::pair<std::string, std::string> parse_s3_url(const std::string& url);

/// The first line of `in` without trailing CR or spaces: how secrets (tokens, keys) are read
/// from files and stdin.
[[nodiscard]] std::string read_secret_line(std::istream& in);

/// "12.3 MB/s"-style rate in decimal megabytes per second.
[[nodiscard]] std::string format_rate(std::uint64_t bytes, double seconds);

} // namespace secexport::cli

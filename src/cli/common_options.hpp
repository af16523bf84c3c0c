// Command-line options shared by the commands that talk to AWS (upload, export, tenant, run,
// daemon): where the credentials, region and endpoints come from, TLS trust, and how uploads
// are tuned. Each group registers its flags on a CLI11 command and turns them into the plain
// settings structs of the layers below; nothing here decides anything else.
#pragma once

#include "base/error.hpp"
#include "export/export_settings.hpp"
#include "s3/session.hpp"

#include <CLI/CLI.hpp>

#include <istream>
#include <string>
#include <utility>

namespace secexport::cli {

/// Exit statuses of every command (documented in `secexport --help` and the README).
enum exit_status : int {
  exit_ok = 0,
  exit_failure = 1,
  exit_usage = 2,
  exit_sigint = 130,  // 128 + SIGINT
  exit_sigterm = 143, // 128 + SIGTERM
};

/// A command line that asks for what cannot work (exit 2).
class usage_error : public failure {
public:
  explicit usage_error(const std::string& message) : failure(make_error_code(errc::bad_usage), message) {}
};

/// A command stopped by SIGINT or SIGTERM: exit 130 or 143.
class interrupted : public failure {
public:
  interrupted(int signal, const std::string& message);
  [[nodiscard]] int exit_status() const noexcept { return status_; }

private:
  int status_;
};

/// A CLI11 check for a number of seconds in [low, high]: finite, no overflow, and a message
/// that quotes the value as given (at most 24 characters).
[[nodiscard]] CLI::Validator seconds_between(double low, double high);

/// The exit status for a failure: 2 for bad input, 1 otherwise.
[[nodiscard]] int exit_status_of(const failure& f) noexcept;

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
  /// The connection settings these flags (and AWS_CA_BUNDLE) describe. Throws usage_error.
  [[nodiscard]] s3::connection_settings settings() const;
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
  /// Part sizing as the flags say (the memory budget is the whole --max-memory). Throws
  /// usage_error for a size that does not parse.
  [[nodiscard]] s3::part_size_settings parts() const;
  [[nodiscard]] s3::payload_mode payload_mode() const;
  [[nodiscard]] s3::checksum_mode checksum_mode() const;
};

/// Opens an S3 session; a failure to resolve the settings keeps its code (exit 2 for bad
/// input).
[[nodiscard]] s3::session open_session(boost::asio::any_io_executor executor, const aws_flags& flags);

/// Splits "s3://bucket/key"; throws usage_error.
[[nodiscard]] std::pair<std::string, std::string> parse_s3_url(const std::string& url);


/// base's read_private_line for `flag` (named in errors): a directory, an empty file and a
/// regular file that group or others can read are usage errors.
[[nodiscard]] std::string read_private_file(const std::string& path, std::string_view flag);

/// How a command prints its result on stdout: lines for people, or one JSON object.
enum class output_format { text, json };

/// `--output text|json` on `app`; `what` says what the JSON object holds (for --help).
void add_output_option(CLI::App& app, output_format& format, std::string_view what);

/// "12.3 MB/s"-style rate in decimal megabytes per second.
[[nodiscard]] std::string format_rate(std::uint64_t bytes, double seconds);

} // namespace secexport::cli

#include "cli/common_options.hpp"

#include "base/byte_size.hpp"
#include "base/log.hpp"
#include "s3/addressing.hpp"

#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <istream>
#include <map>

#include <sys/stat.h>

namespace secexport::cli {

namespace net = boost::asio;

CLI::Validator seconds_between(double low, double high) {
  auto text = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return std::string(buf);
  };
  const auto range = "a number of seconds from " + text(low) + " to " + text(high);
  return CLI::Validator(
      [low, high, range](std::string& value) -> std::string {
        errno = 0;
        char* end = nullptr;
        const double v = std::strtod(value.c_str(), &end);
        if (value.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v) || v < low || v > high)
          return "must be " + range + ", not '" + value.substr(0, 24) + (value.size() > 24 ? "...'" : "'");
        return {};
      },
      "SECONDS");
}

void aws_flags::add_to(CLI::App& app, bool role_options) {
  auto* g = "AWS";
  app.add_option("--profile", profile,
                 "Profile in the AWS shared files (~/.aws/credentials, ~/.aws/config, or the files named "
                 "by AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE). Credentials are looked for in the AWS CLI's "
                 "order: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN (not with --profile); the "
                 "profile's role_arn (source_profile or credential_source); web identity (AWS_WEB_IDENTITY_TOKEN_FILE "
                 "+ AWS_ROLE_ARN, or web_identity_token_file + role_arn); the profile's keys in the credentials "
                 "file; its credential_process; its keys in the config file; container credentials "
                 "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI); EC2 instance metadata. The profile is "
                 "this flag, else AWS_PROFILE, else 'default'; SSO profiles are not supported. "
                 "`secexport whoami` shows which one answered")
      ->group(g);
  app.add_option("--region", region, "AWS region (else AWS_REGION, AWS_DEFAULT_REGION, the profile's region, us-east-1)")
      ->group(g);
  app.add_option("--endpoint-url", endpoint_url,
                 "S3-compatible endpoint, e.g. https://127.0.0.1:9000 (path-style requests). Else "
                 "AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's endpoint_url, or AWS itself")
      ->group(g);
  app.add_option("--sts-endpoint-url", sts_endpoint_url,
                 "STS endpoint for AssumeRole (else AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, the "
                 "profile's, or https://sts.REGION.amazonaws.com)")
      ->group(g);
  if (role_options) add_role_options(app);
  add_connection_options(app);
}

void aws_flags::add_role_options(CLI::App& app) {
  auto* g = "AWS";
  app.add_option("--role-arn", role_arn, "Assume this IAM role (STS AssumeRole) on top of the credentials above")
      ->group(g);
  app.add_option("--external-id", external_id, "External ID for --role-arn (the role's sts:ExternalId condition)")
      ->group(g);
  app.add_option("--role-session-name", role_session_name, "Session name for --role-arn (default secexport-<time>)")
      ->group(g);
  app.add_option("--duration-seconds", duration_seconds, "Session length for --role-arn, 900 to 43200")
      ->check(CLI::Range(900u, 43200u))
      ->capture_default_str()
      ->group(g);
}

void aws_flags::add_connection_options(CLI::App& app) {
  auto* g = "AWS";
  app.add_option("--ca-file", ca_file, "PEM bundle of CAs to trust for HTTPS (else AWS_CA_BUNDLE, else the system's)")
      ->group(g);
  app.add_flag("--no-verify-ssl", no_verify_ssl, "Do not verify TLS certificates (testing only; prints a warning)")
      ->group(g);
  app.add_option("--max-attempts", max_attempts, "Attempts per request, the first included (retries use "
                                                 "exponential backoff with full jitter)")
      ->check(CLI::Range(1u, 50u))
      ->capture_default_str()
      ->group(g);
  app.add_option("--connect-timeout", connect_timeout, "Seconds to connect and to finish the TLS handshake")
      ->check(seconds_between(0.1, 3600))
      ->capture_default_str()
      ->group(g);
  app.add_option("--read-timeout", read_timeout,
                 "Seconds to wait for a response, and the longest a body transfer may stall")
      ->check(seconds_between(0.1, 3600))
      ->capture_default_str()
      ->group(g);
}

interrupted::interrupted(int signal, const std::string& message)
    : failure(make_error_code(errc::interrupted), message), status_(signal == SIGINT ? exit_sigint : exit_sigterm) {}

int exit_status_of(const failure& f) noexcept { return f.is(condition::bad_input) ? exit_usage : exit_failure; }

s3::connection_settings aws_flags::settings() const {
  s3::connection_settings c;
  auto& o = c.aws;
  if (!profile.empty()) o.profile = profile;
  if (!region.empty()) o.region = region;
  if (!endpoint_url.empty()) o.endpoint_url = endpoint_url;
  if (!sts_endpoint_url.empty()) o.sts_endpoint_url = sts_endpoint_url;
  if (!role_arn.empty()) {
    auth::assume_role_spec r;
    r.role_arn = role_arn;
    r.external_id = external_id;
    r.session_name = role_session_name;
    r.duration = std::chrono::seconds(duration_seconds);
    r.source = "--role-arn";
    o.role = std::move(r);
  } else if (!external_id.empty()) {
    throw usage_error("--external-id needs --role-arn");
  }
  c.tls.ca_file = ca_file;
  if (c.tls.ca_file.empty())
    if (const char* bundle = std::getenv("AWS_CA_BUNDLE")) c.tls.ca_file = bundle;
  c.tls.verify_peer = !no_verify_ssl;
  auto ms = [](double s) { return std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000)); };
  c.http.timeouts.connect = c.http.timeouts.handshake = ms(connect_timeout);
  c.http.timeouts.response = c.http.timeouts.idle = ms(read_timeout);
  c.backoff = backoff();
  return c;
}

io::backoff_policy aws_flags::backoff() const {
  io::backoff_policy b;
  b.max_attempts = max_attempts;
  return b;
}

void transfer_flags::add_to(CLI::App& app) {
  auto* g = "Transfer";
  app.add_option("--concurrency", concurrency, "Parts uploaded at the same time (each on its own connection)")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str()
      ->group(g);
  app.add_option("--part-size", part_size,
                 "Size of the first part (5MiB..5GiB). Kept for 4000 parts, then doubled every 500 parts, "
                 "so a stream of unknown length never runs out of S3's 10,000 parts")
      ->capture_default_str()
      ->group(g);
  app.add_option("--max-memory", max_memory,
                 "Memory budget for the part buffers and, when export compresses (--compress), the "
                 "compressor's state; at least two parts. Parts in flight are limited so the budget is "
                 "never exceeded, whatever --concurrency says")
      ->capture_default_str()
      ->group(g);
  app.add_flag("--fixed-part-size", fixed_part_size,
               "Keep every part (but the last) at --part-size, for stores that require equal parts; "
               "limits the object to 10,000 x --part-size")
      ->group(g);
  app.add_option("--payload", payload,
                 "signed: each body's SHA-256 is part of the signature, so S3 verifies it; unsigned: "
                 "UNSIGNED-PAYLOAD (TLS protects the bytes in transit). auto = unsigned over HTTPS, "
                 "signed over HTTP")
      ->check(CLI::IsMember({"auto", "signed", "unsigned"}))
      ->capture_default_str()
      ->group(g);
  app.add_option("--checksum", checksum,
                 "crc32c: send x-amz-checksum-crc32c with every part; S3 verifies it and echoes it, which proves "
                 "the part arrived intact. A store that does not echo it gets Content-MD5 on every part and its "
                 "ETags are checked instead. auto = crc32c; none = no CRC32C (parts are then verified by MD5)")
      ->check(CLI::IsMember({"auto", "crc32c", "none"}))
      ->capture_default_str()
      ->group(g);
}

s3::part_size_settings transfer_flags::parts() const {
  auto ps = parse_byte_size(part_size);
  if (!ps) throw usage_error("--part-size '" + part_size + "' is not a size such as 8MiB");
  auto mm = parse_byte_size(max_memory);
  if (!mm) throw usage_error("--max-memory '" + max_memory + "' is not a size such as 256MiB");
  s3::part_size_settings s;
  s.part_size = *ps;
  s.memory_budget = *mm;
  s.concurrency = concurrency;
  s.fixed = fixed_part_size;
  return s;
}

s3::payload_mode transfer_flags::payload_mode() const { return *s3::parse_payload_mode(payload); } // checked by CLI11
s3::checksum_mode transfer_flags::checksum_mode() const { return *s3::parse_checksum_mode(checksum); }

s3::session open_session(net::any_io_executor executor, const aws_flags& flags) {
  return s3::open_session(executor, flags.settings());
}

std::pair<std::string, std::string> parse_s3_url(const std::string& url) {
  if (!url.starts_with("s3://")) throw usage_error("'" + url + "' is not an s3://BUCKET/KEY URL");
  auto rest = url.substr(5);
  auto slash = rest.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == rest.size())
    throw usage_error("'" + url + "' needs both a bucket and a key: s3://BUCKET/KEY");
  auto bucket = rest.substr(0, slash);
  s3::check_bucket_name(bucket).value(); // a bad_input failure naming the rule
  return {bucket, rest.substr(slash + 1)};
}

std::string read_private_file(const std::string& path, std::string_view flag) {
  auto value = read_private_line(path, std::string(flag) + " " + path);
  if (!value) throw usage_error(value.error().message);
  return std::move(*value);
}

void add_output_option(CLI::App& app, output_format& format, std::string_view what) {
  app.add_option("--output", format, "text (for people) or json: one JSON object on stdout, " + std::string(what))
      ->transform(CLI::CheckedTransformer(std::map<std::string, output_format>{{"text", output_format::text},
                                                                                {"json", output_format::json}}))
      ->default_str("text");
}

std::string format_rate(std::uint64_t bytes, double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB/s", seconds > 0 ? static_cast<double>(bytes) / 1e6 / seconds : 0.0);
  return buf;
}

} // namespace secexport::cli

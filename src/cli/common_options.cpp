#include "cli/common_options.hpp"

#include "base/byte_size.hpp"
#include "base/log.hpp"

#include <cstdio>
#include <istream>

namespace secexport::cli {

namespace net = boost::asio;

void aws_flags::add_to(CLI::App& app, bool role_options) {
  auto* g = "AWS";
  app.add_option("--profile", profile,
                 "Profile in the AWS shared files (~/.aws/credentials, ~/.aws/config, or the files named "
                 "by AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE). Without it: AWS_ACCESS_KEY_ID/"
                 "AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, then AWS_PROFILE, then 'default'")
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
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group(g);
  app.add_option("--read-timeout", read_timeout,
                 "Seconds to wait for a response, and the longest a body transfer may stall")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group(g);
}

auth::aws_options aws_flags::options() const {
  auth::aws_options o;
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
    throw command_error("--external-id needs --role-arn", exit_usage);
  }
  return o;
}

io::tls_options aws_flags::tls() const {
  io::tls_options t;
  t.ca_file = ca_file;
  if (t.ca_file.empty())
    if (const char* bundle = std::getenv("AWS_CA_BUNDLE")) t.ca_file = bundle;
  t.verify_peer = !no_verify_ssl;
  return t;
}

io::http_options aws_flags::http() const {
  io::http_options h;
  auto ms = [](double s) { return std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000)); };
  h.timeouts.connect = h.timeouts.handshake = ms(connect_timeout);
  h.timeouts.response = h.timeouts.idle = ms(read_timeout);
  return h;
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
                 "Memory budget for part buffers; at least two parts. Parts in flight are limited so "
                 "the budget is never exceeded, whatever --concurrency says")
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
                 "crc32c: send x-amz-checksum-crc32c with every part; S3 verifies and keeps it. auto = "
                 "crc32c with unsigned payloads, none with signed ones")
      ->check(CLI::IsMember({"auto", "crc32c", "none"}))
      ->capture_default_str()
      ->group(g);
}

s3::part_size_policy transfer_flags::policy(std::uint64_t reserved_memory) const {
  auto ps = parse_byte_size(part_size);
  if (!ps) throw command_error("--part-size '" + part_size + "' is not a size such as 8MiB", exit_usage);
  auto mm = parse_byte_size(max_memory);
  if (!mm) throw command_error("--max-memory '" + max_memory + "' is not a size such as 256MiB", exit_usage);
  if (*mm <= reserved_memory)
    throw command_error("--max-memory " + max_memory + " leaves nothing for part buffers after " +
                            format_byte_size(reserved_memory) + " for the event source",
                        exit_usage);
  s3::part_size_settings s;
  s.part_size = *ps;
  s.memory_budget = *mm - reserved_memory;
  s.concurrency = concurrency;
  s.fixed = fixed_part_size;
  std::string why;
  auto p = s3::part_size_policy::make(s, &why);
  if (!p) throw command_error(why, exit_usage);
  return *p;
}

s3::upload_options transfer_flags::upload(bool tls_endpoint) const {
  s3::upload_options o;
  o.signed_payload = payload == "signed" || (payload == "auto" && !tls_endpoint);
  o.crc32c = checksum == "crc32c" || (checksum == "auto" && !o.signed_payload);
  return o;
}

bool aws_session::s3_over_tls() const { return !s3 || !s3->settings().endpoint || s3->settings().endpoint->tls; }

aws_session open_aws_session(net::any_io_executor executor, const aws_flags& flags,
                             std::optional<auth::credentials> explicit_keys) {
  aws_session s;
  try {
    auto options = flags.options();
    options.explicit_keys = std::move(explicit_keys);
    auto files = auth::shared_config::load(auth::process_environment());
    s.settings = auth::resolve_aws_settings(options, auth::process_environment(), files);
  } catch (const auth::config_error& e) {
    throw command_error(e.what(), exit_usage);
  }
  auto tls = flags.tls();
  if (!tls.verify_peer) log_warn("TLS certificate verification is off (--no-verify-ssl)");
  try {
    s.tls = io::make_tls_context(tls);
  } catch (const std::exception& e) {
    throw command_error(e.what(), exit_usage);
  }
  s.context = std::make_unique<auth::aws_context>(executor, s.tls, flags.http(), flags.backoff());
  try {
    s.credentials = auth::make_credentials_provider(*s.context, s.settings);
  } catch (const auth::config_error& e) {
    throw command_error(e.what(), exit_usage);
  }
  s3::s3_settings s3s;
  s3s.region = s.settings.region;
  if (!s.settings.s3_endpoint.empty()) {
    std::string why;
    auto ep = io::parse_endpoint(s.settings.s3_endpoint, &why);
    if (!ep) throw command_error("the S3 endpoint '" + s.settings.s3_endpoint + "' is not usable: " + why, exit_usage);
    s3s.endpoint = *ep;
  }
  s.s3 = std::make_unique<s3::s3_client>(*s.context, s3s, s.credentials);
  return s;
}

std::pair<std::string, std::string> parse_s3_url(const std::string& url) {
  if (!url.starts_with("s3://")) throw command_error("'" + url + "' is not an s3://BUCKET/KEY URL", exit_usage);
  auto rest = url.substr(5);
  auto slash = rest.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == rest.size())
    throw command_error("'" + url + "' needs both a bucket and a key: s3://BUCKET/KEY", exit_usage);
  return {rest.substr(0, slash), rest.substr(slash + 1)};
}

std::string read_secret_line(std::istream& in) {
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

std::string format_rate(std::uint64_t bytes, double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB/s", seconds > 0 ? static_cast<double>(bytes) / 1e6 / seconds : 0.0);
  return buf;
}

} // namespace secexport::cli

#include "auth/aws_client.hpp"

#include "base/log.hpp"


namespace secexport::auth {

namespace net = boost::asio;
namespace http = boost::beast::http;

aws_context::aws_context(net::any_io_executor executor, std::shared_ptr<net::ssl::context> tls,
                         io::http_options http_options, io::backoff_policy backoff)
    : executor_(std::move(executor)), tls_(std::move(tls)), http_(http_options), backoff_(backoff),
      retry_clock_(std::make_unique<io::retry_clock>()) {}

aws_context::~aws_context() = default;

io::http_client& aws_context::http_for(const io::endpoint& ep) {
  auto key = ep.url();
  auto it = clients_.find(key);
  if (it == clients_.end())
    it = clients_.emplace(key, std::make_unique<io::http_client>(executor_, ep, ep.tls ? tls_ : nullptr, http_)).first;
  return *it->second;
}

void aws_context::close_idle() {
  for (auto& [k, c] : clients_) c->close_idle();
}

std::function<sys_s()> refresh_clock(aws_context& context, const refresh_options& options) {
  if (options.clock) return options.clock;
  return [&context] { return context.clock().now(); };
}

std::string_view aws_response::header(std::string_view name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string_view{} : std::string_view(it->value());
}

aws_client::aws_client(aws_context& context, io::endpoint endpoint, std::string service, std::string region,
                       std::shared_ptr<credentials_provider> credentials, io::retry_counters* counters)
    : context_(context), endpoint_(std::move(endpoint)), http_(context.http_for(endpoint_)),
      service_(std::move(service)), region_(std::move(region)), credentials_(std::move(credentials)),
      counters_(counters) {}

net::awaitable<aws_response> aws_client::call(const aws_request& request) {
  const bool s3 = service_ == "s3";
  const std::string path = endpoint_.base_path + request.path;
  std::string target = path;
  if (!request.query.empty()) target.append("?").append(request.query);

  std::string payload_hash = request.payload_hash;
  if (payload_hash.empty())
    payload_hash = to_hex(sha256_of({request.body.data(), request.body.size()}));

  aws_response out;
  bool resent = false;
  std::shared_ptr<const auth::credentials> creds;
  auto attempt = [&](unsigned n) -> net::awaitable<io::attempt_report> {
    io::http_request req;
    req.method = request.method;
    req.target = target;
    req.body = request.body;
    if (credentials_) {
      creds = co_await credentials_->get();
      // Signed now, immediately before sending: never queued signed.
      std::vector<header_field> headers = request.headers;
      headers.push_back({"host", endpoint_.host_header()});
      auto signature = context_.signer().sign_headers(
          http::to_string(request.method), path, request.query, headers, payload_hash,
          s3 ? std::string_view(payload_hash) : std::string_view{}, creds->identity(),
          signing_scope{context_.clock().now(), region_, service_}, s3 ? s3_rules : generic_rules);
      req.headers.reserve(headers.size());
      for (auto& h : headers)
        if (h.name != "host") req.headers.push_back(std::move(h));
      req.headers.push_back({"Authorization", std::move(signature.authorization)});
    } else {
      req.headers = request.headers; // an unsigned action (AssumeRoleWithWebIdentity)
    }

    auto result = co_await http_.send(req);
    resent = resent || n > 1;

    out = aws_response{};
    io::attempt_report report;
    if (result.error) {
      report.outcome.transport = result.error;
      report.outcome.stale_connection = result.stale_connection;
      out.error.transport_code = result.error;
      out.error.transport = redact(result.describe_error(endpoint_));
    } else {
      out.status = result.response.status;
      out.headers = std::move(result.response.headers);
      out.body = std::move(result.response.body);
      if (out.status >= 300 || request.check_body_for_error) {
        auto parsed = parse_aws_error(out.body, out.status);
        if (parsed.code) out.error = std::move(parsed);
      }
      out.error.status = out.status;
      if (!out.error.code && out.status >= 200 && out.status < 300 && request.verify) {
        if (auto wrong = request.verify(out)) {
          out.error.code = wrong->code;
          out.error.code_text = "IntegrityCheck";
          out.error.message = std::move(wrong->message);
        }
      }
      report.outcome.status = out.status;
      report.outcome.service = out.error.code;
      if (auto region = out.header("x-amz-bucket-region"); !region.empty())
        out.error.bucket_region = std::string(region);
      report.retry_after = std::string(out.header("Retry-After"));
    }
    out.error.kind = io::classify(report.outcome);
    out.error.attempts = n;
    out.error.sent_more_than_once = resent;
    if (out.error.failed()) report.description = out.error.describe();
    co_return report;
  };
  auto recover = [&](io::retry_class c, const io::attempt_report&) {
    if (c == io::retry_class::refresh_credentials) {
      if (!creds) return false; // unsigned: there is nothing to refresh
      log_warn("credentials expired; refreshing", {{"operation", request.operation}, {"credentials", creds->source}});
      credentials_->invalidate(*creds);
      return true;
    }
    auto server = parse_http_date(out.header("Date"));
    if (!server) return false;
    context_.clock().correct_to(*server);
    log_warn("clock skew corrected from the server's Date header",
             {{"operation", request.operation}, {"offset_seconds", context_.clock().offset().count()}});
    return true;
  };
  const io::retry_scope scope{context_.backoff(), http_.budget(), context_.retry_clock(), counters_,
                              request.operation, request.target.empty() ? std::string_view(path) : request.target};
  auto outcome = co_await io::retry(scope, attempt, recover);
  out.error.retries_exhausted = outcome.budget_exhausted || outcome.attempts_exhausted;
  co_return out;
}

} // namespace secexport::auth

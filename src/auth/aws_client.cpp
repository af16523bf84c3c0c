#include "auth/aws_client.hpp"

#include "base/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <pugixml.hpp>

namespace secexport::auth {

namespace net = boost::asio;
namespace http = boost::beast::http;

aws_context::aws_context(net::any_io_executor executor, std::shared_ptr<net::ssl::context> tls,
                         io::http_options http_options, io::backoff_policy backoff)
    : executor_(std::move(executor)), tls_(std::move(tls)), http_(http_options), backoff_(backoff),
      rng_(std::random_device{}()) {}

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

std::string aws_error::describe() const {
  std::string s;
  if (!transport.empty()) {
    s = transport;
  } else {
    s = code.empty() ? "HTTP " + std::to_string(status) : code + " (HTTP " + std::to_string(status) + ")";
    if (!message.empty()) s += ": " + message;
    if (!request_id.empty()) s += " [request id " + request_id + "]";
  }
  if (attempts > 1) s += " (after " + std::to_string(attempts) + " attempts)";
  return s;
}

std::string_view aws_response::header(std::string_view name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string_view{} : std::string_view(it->value());
}

aws_error parse_aws_error(std::string_view xml, unsigned status) {
  aws_error e;
  e.status = status;
  pugi::xml_document doc;
  if (!xml.empty() && doc.load_buffer(xml.data(), xml.size())) {
    auto error = doc.child("Error");
    if (!error) error = doc.child("ErrorResponse").child("Error");
    if (error) {
      e.code = error.child_value("Code");
      e.message = redact(error.child_value("Message"));
      e.request_id = error.child_value("RequestId");
      if (e.request_id.empty()) e.request_id = doc.child("ErrorResponse").child_value("RequestId");
      e.bucket_region = error.child_value("Region");
    }
  }
  if (e.code.empty() && status >= 300) {
    switch (status) { // HEAD responses and proxies carry no body
    case 301: e.code = "PermanentRedirect"; break;
    case 403: e.code = "AccessDenied"; break;
    case 404: e.code = "NotFound"; break;
    default: break;
    }
  }
  return e;
}

aws_client::aws_client(aws_context& context, io::endpoint endpoint, std::string service,
                       std::string region, std::shared_ptr<credentials_provider> credentials)
    : context_(context), endpoint_(std::move(endpoint)), http_(context.http_for(endpoint_)),
      service_(std::move(service)), region_(std::move(region)), credentials_(std::move(credentials)) {}

net::awaitable<aws_response> aws_client::call(const aws_request& request) {
  const bool s3 = service_ == "s3";
  const std::string path = endpoint_.base_path + request.path;
  std::string target = path;
  if (!request.query.empty()) target.append("?").append(request.query);

  std::string payload_hash = request.payload_hash;
  if (payload_hash.empty())
    payload_hash = to_hex(sha256_of({request.body.data(), request.body.size()}));

  bool refreshed = false, clock_fixed = false, retried_timeout = false, resent = false;
  unsigned retries = 0;
  for (unsigned attempt = 1;; ++attempt) {
    auto creds = co_await credentials_->get();

    // Signed now, immediately before sending: never queued signed.
    std::vector<header_field> headers = request.headers;
    headers.push_back({"host", endpoint_.host_header()});
    auto signature = context_.signer().sign_headers(
        http::to_string(request.method), path, request.query, headers, payload_hash,
        s3 ? std::string_view(payload_hash) : std::string_view{}, creds->identity(),
        signing_scope{context_.clock().now(), region_, service_}, s3 ? s3_rules : generic_rules);

    io::http_request req;
    req.method = request.method;
    req.target = target;
    req.body = request.body;
    req.headers.reserve(headers.size());
    for (auto& h : headers)
      if (h.name != "host") req.headers.push_back(std::move(h));
    req.headers.push_back({"Authorization", std::move(signature.authorization)});

    auto result = co_await http_.send(req);
    resent = resent || result.resent || attempt > 1;

    aws_response out;
    io::attempt_outcome outcome;
    if (result.error) {
      outcome.transport = result.error;
      out.error.transport = redact(result.describe_error(endpoint_));
    } else {
      out.status = result.response.status;
      out.headers = std::move(result.response.headers);
      out.body = std::move(result.response.body);
      if (out.status >= 300 || request.check_body_for_error) {
        auto parsed = parse_aws_error(out.body, out.status);
        if (!parsed.code.empty()) out.error = std::move(parsed);
      }
      out.error.status = out.status;
      outcome.status = out.status;
      outcome.service_code = out.error.code;
      if (auto region = out.header("x-amz-bucket-region"); !region.empty())
        out.error.bucket_region = std::string(region);
    }
    out.error.kind = io::classify(outcome);
    out.error.attempts = attempt;
    out.error.sent_more_than_once = resent;

    switch (out.error.kind) {
    case io::retry_class::success:
      if (retries) context_.budget().on_success_after_retry(retried_timeout);
      co_return out;
    case io::retry_class::refresh_credentials:
      if (refreshed) co_return out;
      refreshed = true;
      log_warn("credentials expired; refreshing", {{"operation", request.operation}, {"credentials", creds->source}});
      credentials_->invalidate(*creds);
      continue;
    case io::retry_class::fix_clock: {
      auto server = parse_http_date(out.header("Date"));
      if (clock_fixed || !server) co_return out;
      clock_fixed = true;
      context_.clock().correct_to(*server);
      log_warn("clock skew corrected from the server's Date header",
               {{"operation", request.operation}, {"offset_seconds", context_.clock().offset().count()}});
      continue;
    }
    case io::retry_class::redirect_region:
    case io::retry_class::fatal:
      co_return out;
    case io::retry_class::transient:
      break;
    }

    const bool timeout = outcome.transport == boost::beast::error::timeout;
    if (attempt >= context_.backoff().max_attempts || !context_.budget().try_acquire(timeout)) {
      if (attempt < context_.backoff().max_attempts)
        out.error.message += out.error.message.empty() ? "retry budget exhausted" : " (retry budget exhausted)";
      co_return out;
    }
    retried_timeout = retried_timeout || timeout;
    ++retries;
    context_.count_retry();
    auto delay = context_.backoff().delay(retries - 1, context_.rng());
    if (auto after = io::parse_retry_after(out.header("Retry-After")))
      delay = std::max<std::chrono::milliseconds>(delay, std::min<std::chrono::seconds>(*after, std::chrono::seconds(60)));
    log_warn("retrying", {{"operation", request.operation},
                          {"attempt", attempt + 1},
                          {"reason", out.error.describe()},
                          {"delay_ms", delay.count()}});
    net::steady_timer timer(co_await net::this_coro::executor, delay);
    co_await timer.async_wait(net::use_awaitable);
  }
}

} // namespace secexport::auth

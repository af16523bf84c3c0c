#include "io/source_client.hpp"

#include "auth/sigv4.hpp"
#include "base/log.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <simdjson.h>

namespace secexport::io {

namespace net = boost::asio;
namespace http = boost::beast::http;

std::string source_error_message(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (body.empty() || parser.parse(body.data(), body.size()).get(doc)) return {};
  std::string out;
  std::string_view v;
  if (doc["error"].get(v) == simdjson::SUCCESS) out.assign(v);
  if (doc["message"].get(v) == simdjson::SUCCESS) {
    if (!out.empty()) out.append(": ");
    out.append(v);
  }
  if (out.size() > 300) {
    out.resize(300);
    out.append("...");
  }
  return redact(out);
}

source_client::source_client(http_client& http, source_settings settings, retry_budget& budget)
    : http_(http), settings_(std::move(settings)), budget_(budget), rng_(std::random_device{}()) {}

std::string source_client::describe(const page_request& r) const {
  std::string s = "tenant " + settings_.tenant + ", " + format_rfc3339(r.start) + ".." + format_rfc3339(r.end);
  s += r.cursor.empty() ? ", first page" : ", cursor '" + r.cursor + "'";
  return s;
}

std::string source_client::target(const page_request& r) const {
  std::string t = settings_.url.base_path + "/v1/tenants/";
  auth::uri_encode(t, settings_.tenant, false);
  t += "/security_events?start=";
  auth::uri_encode(t, format_rfc3339(r.start), false);
  t += "&end=";
  auth::uri_encode(t, format_rfc3339(r.end), false);
  t += "&limit=" + std::to_string(settings_.limit);
  if (!r.cursor.empty()) {
    t += "&cursor=";
    auth::uri_encode(t, r.cursor, false);
  }
  return t;
}

net::awaitable<bool> source_client::back_off(unsigned retry) {
  if (!budget_.try_acquire(false)) co_return false;
  ++retries_;
  net::steady_timer timer(co_await net::this_coro::executor, settings_.backoff.delay(retry, rng_));
  co_await timer.async_wait(net::use_awaitable);
  co_return true;
}

net::awaitable<fetch_outcome> source_client::fetch(const page_request& request, byte_buffer& body) {
  http_request req;
  req.method = http::verb::get;
  req.target = target(request);
  req.headers.push_back({"Authorization", "Bearer " + std::string(settings_.token.reveal())});
  req.headers.push_back({"Accept", "application/json"});
  fetch_outcome out;
  unsigned retries = 0;
  for (unsigned attempt = 1;; ++attempt) {
    out.attempts = attempt;
    ++requests_;
    auto result = co_await http_.send(req, &body);
    attempt_outcome outcome{result.error, result.response.status, {}};
    auto kind = classify(outcome);
    if (kind == retry_class::success && result.response.status == 200) co_return out;
    std::string what;
    if (result.error) {
      what = result.describe_error(settings_.url);
    } else {
      what = "HTTP " + std::to_string(result.response.status);
      if (auto m = source_error_message(body.view()); !m.empty()) what += ": " + m;
    }
    if (kind != retry_class::transient) {
      out.error = "the event source refused " + describe(request) + ": " + what;
      co_return out;
    }
    const bool timeout = result.error == boost::beast::error::timeout;
    if (attempt >= settings_.backoff.max_attempts || !budget_.try_acquire(timeout)) {
      out.error = "the event source failed for " + describe(request) + ": " + what + " (after " +
                  std::to_string(attempt) + " attempts)";
      co_return out;
    }
    auto delay = settings_.backoff.delay(retries++, rng_);
    if (auto after = parse_retry_after(result.response.header("Retry-After")))
      delay = std::max<std::chrono::milliseconds>(delay, std::min<std::chrono::seconds>(*after, std::chrono::seconds(60)));
    ++retries_;
    log_warn("retrying the event source", {{"page", describe(request)}, {"attempt", attempt + 1},
                                           {"reason", what}, {"delay_ms", delay.count()}});
    net::steady_timer timer(co_await net::this_coro::executor, delay);
    co_await timer.async_wait(net::use_awaitable);
  }
}

} // namespace secexport::io

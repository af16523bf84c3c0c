#include "source/source_client.hpp"

#include "base/log.hpp"
#include "base/uri.hpp"
#include "source/error.hpp"


#include <simdjson.h>

namespace secexport::source {

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

source_client::source_client(io::http_client& http, source_settings settings, io::retry_clock& clock,
                             io::retry_counters* counters)
    : http_(http), settings_(std::move(settings)), clock_(clock), counters_(counters) {}

std::string source_client::describe(const page_request& r) const {
  std::string s = "tenant " + settings_.tenant + ", " + format_rfc3339(r.start) + ".." + format_rfc3339(r.end);
  s += r.cursor.empty() ? ", first page" : ", cursor '" + r.cursor + "'";
  return s;
}

std::string source_client::target(const page_request& r) const {
  std::string t = settings_.url.base_path + "/v1/tenants/";
  uri_encode(t, settings_.tenant, false);
  t += "/security_events?start=";
  uri_encode(t, format_rfc3339(r.start), false);
  t += "&end=";
  uri_encode(t, format_rfc3339(r.end), false);
  t += "&limit=" + std::to_string(settings_.limit);
  if (!r.cursor.empty()) {
    t += "&cursor=";
    uri_encode(t, r.cursor, false);
  }
  return t;
}

net::awaitable<result<void>> source_client::fetch(const page_request& request, byte_buffer& body, body_check check) {
  io::http_request req;
  req.method = http::verb::get;
  req.target = target(request);
  req.headers.push_back({"Authorization", "Bearer " + std::string(settings_.token.reveal())});
  req.headers.push_back({"Accept", "application/json"});
  std::string what;        // the last attempt's failure, for the message
  bool unreadable = false; // ... which was a page that does not parse
  auto attempt = [&](unsigned) -> net::awaitable<io::attempt_report> {
    ++requests_;
    auto result = co_await http_.send(req, &body);
    io::attempt_report report;
    unreadable = false;
    report.outcome.transport = result.error;
    report.outcome.stale_connection = result.stale_connection;
    report.outcome.status = result.error ? 0u : result.response.status;
    if (result.error) {
      what = result.describe_error(settings_.url);
    } else if (result.response.status != 200) {
      what = "HTTP " + std::to_string(result.response.status);
      if (auto m = source_error_message(body.view()); !m.empty()) what += ": " + m;
      report.retry_after = std::string(result.response.header("Retry-After"));
      // A 2xx or 3xx without a page is not the contract (redirects are not followed): not retried.
      if (result.response.status < 400) report.outcome.service = make_error_code(errc::refused);
    } else if (check) {
      if (auto problem = co_await check()) {
        what = *problem;
        unreadable = report.outcome.unreadable_body = true;
      } else {
        what.clear();
      }
    } else {
      what.clear();
    }
    report.description = what;
    co_return report;
  };
  const auto page = describe(request);
  const io::retry_scope scope{settings_.backoff, http_.budget(), clock_, counters_, "event page", page};
  auto outcome = co_await io::retry(scope, attempt);
  if (outcome.last == io::retry_class::success) co_return result<void>{};
  const std::string attempts = " (after " + std::to_string(outcome.attempts) + " attempt" +
                               (outcome.attempts == 1 ? "" : "s") +
                               (outcome.budget_exhausted ? ", retry budget exhausted" : "") + ")";
  if (outcome.last != io::retry_class::transient)
    co_return error{errc::refused, "the event source refused " + page + ": " + what};
  if (unreadable)
    co_return error{errc::unreadable_page, "the event source sent an unreadable page for " + page + ": " + what + attempts};
  co_return error{errc::unavailable, "the event source failed for " + page + ": " + what + attempts};
}

} // namespace secexport::source

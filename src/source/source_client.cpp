#include "source/source_client.hpp"

#include "base/log.hpp"
#include "base/uri.hpp"
#include "source/error.hpp"


#include <boost/beast/http/error.hpp>

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

namespace {

// The first bytes of a body that is not what it should be, printable, for a message.
std::string first_bytes(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, 80)) out.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  return redact(out) + (body.size() > 80 ? "..." : "");
}

// A login page or a gateway's error page, not data: no use parsing it.
bool is_html(std::string_view content_type) {
  return content_type.find("html") != std::string_view::npos;
}

} // namespace

net::awaitable<result<void>> source_client::fetch(const page_request& request, byte_buffer& body, body_check check,
                                                  page_limit_fn limit, std::string limit_text) {
  io::http_request req;
  req.method = http::verb::get;
  req.target = target(request);
  req.body_limit = std::move(limit);
  req.total = settings_.page_deadline;
  req.headers.push_back({"Authorization", "Bearer " + std::string(settings_.token.reveal())});
  req.headers.push_back({"Accept", "application/json"});
  std::string what;        // the last attempt's failure, for the message
  bool unreadable = false; // ... which was a page that does not parse
  bool too_large = false;  // ... which was a page beyond the memory budget
  auto attempt = [&](unsigned) -> net::awaitable<io::attempt_report> {
    ++requests_;
    auto result = co_await http_.send(req, &body);
    io::attempt_report report;
    unreadable = too_large = false;
    report.outcome.transport = result.error;
    report.outcome.stale_connection = result.stale_connection;
    report.outcome.status = result.error ? 0u : result.response.status;
    if (result.error == http::error::body_limit) {
      too_large = true; // not retried: classify judges body_limit fatal
      what = result.declared_length ? "is " + std::to_string(*result.declared_length) + " bytes"
                                    : "is longer than " + std::to_string(result.body_limit) + " bytes";
      what += ", more than the " + std::to_string(result.body_limit) + " bytes " +
              (limit_text.empty() ? std::string("a response may have") : limit_text);
    } else if (result.error) {
      what = result.describe_error(settings_.url);
    } else if (result.response.status != 200) {
      what = "HTTP " + std::to_string(result.response.status);
      if (auto m = source_error_message(body.view()); !m.empty()) what += ": " + m;
      report.retry_after = std::string(result.response.header("Retry-After"));
      // A 2xx or 3xx without a page is not the contract (redirects are not followed): not retried.
      if (result.response.status < 400) report.outcome.service = make_error_code(errc::refused);
    } else if (const auto type = result.response.header("Content-Type"); is_html(type)) {
      what = "the answer has Content-Type " + std::string(type) + ", not JSON; the body begins '" +
             first_bytes(body.view()) + "'";
      unreadable = report.outcome.unreadable_body = true;
    } else if (check) {
      if (auto problem = co_await check()) {
        what = *problem + " (Content-Type " + std::string(type.empty() ? "none" : type) + "; the body begins '" +
               first_bytes(body.view()) + "')";
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
  if (too_large)
    co_return error{errc::page_too_large, "the event source's page for " + page + " " + what +
                                              "; lower --page-limit, or raise --max-memory"};
  if (outcome.last != io::retry_class::transient)
    co_return error{errc::refused, "the event source refused " + page + ": " + what};
  if (unreadable)
    co_return error{errc::unreadable_page, "the event source sent an unreadable page for " + page + ": " + what + attempts};
  co_return error{errc::unavailable, "the event source failed for " + page + ": " + what + attempts};
}

} // namespace secexport::source

// GETs one page of the event API (docs/SOURCE_API.md):
//
//   GET {base}/v1/tenants/{tenant}/security_events?start=..&end=..&limit=..[&cursor=..]
//   Authorization: Bearer {token}
//
// through the retry engine (io/retry.hpp) under the source endpoint's own retry budget:
// 5xx, 429, lost connections, timeouts and pages that do not parse back off with full
// jitter (honouring Retry-After, at most 60 s). A 4xx is reported at once, naming the
// tenant, the time range and the cursor, with the source's own message. The bearer token
// never appears in an error or a log line. Runs on the http_client's executor; not
// thread-safe.
#pragma once

#include "base/byte_buffer.hpp"
#include "base/error.hpp"
#include "base/secret.hpp"
#include "base/time.hpp"
#include "io/http_client.hpp"
#include "io/retry.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace secexport::source {

struct source_settings {
  io::endpoint url;      // the service's base URL
  std::string tenant;
  secret token;
  unsigned limit = 1000; // events per page asked for
  io::backoff_policy backoff;
  /// The whole page must have arrived within this (a body that trickles forever still ends);
  /// zero: only the idle timeouts.
  std::chrono::steady_clock::duration page_deadline{};
};

/// How big the page about to arrive may be: asked with its declared size (none when chunked),
/// answers the most bytes the page may take now. See http_page_source (the memory budget).
using page_limit_fn = std::function<std::uint64_t(std::optional<std::uint64_t> declared)>;

struct page_request {
  sys_us start{}, end{};
  std::string cursor; // empty: the first page
};

/// Reads a fetched body; returns what is wrong with it (the page is then fetched again).
using body_check = std::function<boost::asio::awaitable<std::optional<std::string>>()>;

class source_client {
public:
  /// Retries are counted in `counters` when given (the export's).
  source_client(io::http_client& http, source_settings settings, io::retry_clock& clock,
                io::retry_counters* counters = nullptr);

  /// Fetches the page into `body` and, when given, runs `check` on it; `limit` holds the body
  /// to a memory budget, `limit_text` says what that budget is for the message. Errors:
  /// source::errc::refused (not retried), unavailable (retries exhausted), unreadable_page
  /// (not JSON after retries: the content type and the first bytes are in the message), or
  /// page_too_large; each message names the page.
  boost::asio::awaitable<result<void>> fetch(const page_request& request, byte_buffer& body, body_check check = {},
                                             page_limit_fn limit = {}, std::string limit_text = {});

  /// "tenant acme, 2026-11-22T00:00:00Z..2026-11-23T00:00:00Z, cursor 'c9'" for messages.
  [[nodiscard]] std::string describe(const page_request& request) const;
  /// The request target (path and query) for a page.
  [[nodiscard]] std::string target(const page_request& request) const;
  [[nodiscard]] const source_settings& settings() const noexcept { return settings_; }
  [[nodiscard]] std::uint64_t requests() const noexcept { return requests_; }

private:
  io::http_client& http_;
  source_settings settings_;
  io::retry_clock& clock_;
  io::retry_counters* counters_;
  std::uint64_t requests_ = 0;
};

/// The "message" (or "error") of a JSON error body, shortened; empty if there is none.
[[nodiscard]] std::string source_error_message(std::string_view body);

} // namespace secexport::source

// GETs one page of the event API (see the spec: "The event source"):
//
//   GET {base}/v1/tenants/{tenant}/security_events?start=..&end=..&limit=..[&cursor=..]
//   Authorization: Bearer {token}
//
// with retries: 5xx, 429 and lost connections back off with full jitter (honouring
// Retry-After, at most 60 s), under the attempt limit and a retry budget. A 4xx is reported
// at once, naming the tenant, the time range and the cursor, with the source's own message.
// The bearer token never appears in an error or a log line. Runs on the http_client's
// executor; not thread-safe.
#pragma once

#include "base/secret.hpp"
#include "io/byte_buffer.hpp"
#include "io/http_client.hpp"
#include "io/retry_policy.hpp"

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <random>
#include <string>

namespace secexport::io {

struct source_settings {
  endpoint url;          // the service's base URL
  std::string tenant;
  secret token;
  unsigned limit = 1000; // events per page asked for
  backoff_policy backoff;
};

struct page_request {
  sys_us start{}, end{};
  std::string cursor; // empty: the first page
};

struct fetch_outcome {
  std::optional<std::string> error; // set when the page could not be had
  unsigned attempts = 0;
};

class source_client {
public:
  source_client(http_client& http, source_settings settings, retry_budget& budget);

  /// Fetches the page into `body`, retrying what is worth retrying.
  boost::asio::awaitable<fetch_outcome> fetch(const page_request& request, byte_buffer& body);
  /// Waits before a retry that the caller decided on (a page that did not parse).
  boost::asio::awaitable<bool> back_off(unsigned retry);

  /// "tenant acme, 2026-11-22T00:00:00Z..2026-11-23T00:00:00Z, cursor 'c9'" for messages.
  [[nodiscard]] std::string describe(const page_request& request) const;
  /// The request target (path and query) for a page.
  [[nodiscard]] std::string target(const page_request& request) const;
  [[nodiscard]] const source_settings& settings() const noexcept { return settings_; }
  [[nodiscard]] std::uint64_t requests() const noexcept { return requests_; }
  [[nodiscard]] std::uint64_t retries() const noexcept { return retries_; }

private:
  http_client& http_;
  source_settings settings_;
  retry_budget& budget_;
  std::mt19937_64 rng_;
  std::uint64_t requests_ = 0, retries_ = 0;
};

/// The "message" (or "error") of a JSON error body, shortened; empty if there is none.
[[nodiscard]] std::string source_error_message(std::string_view body);

} // namespace secexport::io

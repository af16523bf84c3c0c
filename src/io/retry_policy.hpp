// Whether and when to retry a request. One function, `classify`, maps what an attempt
// produced (transport error, HTTP status, service error code) to a retry class; nothing else
// in secexport decides whether to retry. Backoff is exponential with full jitter, bounded by
// a per-request attempt limit and a process-wide token-bucket budget, so a storm of failures
// degrades into a clear error instead of an endless loop.
#pragma once

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string_view>

namespace secexport::io {

enum class retry_class {
  success,             // 2xx (and 3xx the caller handles)
  transient,           // retry after backoff: 5xx, throttling, resets, timeouts
  refresh_credentials, // ExpiredToken: refresh the temporary credentials once, then retry
  fix_clock,           // RequestTimeTooSkewed: take the server's clock from Date, retry
  redirect_region,     // PermanentRedirect / 301 with x-amz-bucket-region: follow once
  fatal,               // anything else: report, do not retry
};

struct attempt_outcome {
  boost::system::error_code transport; // set when no complete response arrived
  unsigned status = 0;                 // HTTP status, 0 without a response
  std::string_view service_code;       // S3/STS error code from the body ("SlowDown", ...)
};

[[nodiscard]] retry_class classify(const attempt_outcome& outcome) noexcept;
[[nodiscard]] std::string_view to_string(retry_class c) noexcept;
/// True for transport errors that mean "the peer went away" (reset, EOF, broken pipe,
/// truncated TLS), which a reused keep-alive connection may show for a request the server
/// never saw.
[[nodiscard]] bool is_connection_lost(const boost::system::error_code& ec) noexcept;

struct backoff_policy {
  std::chrono::milliseconds base{200};
  std::chrono::milliseconds cap{20'000};
  unsigned max_attempts = 8; // attempts per request, the first included

  /// Full jitter: uniform in [0, min(cap, base * 2^retry)], retry = 0 for the first retry.
  [[nodiscard]] std::chrono::milliseconds delay(unsigned retry, std::mt19937_64& rng) const;
};

/// Token bucket shared by every request of a process (aws-c-s3's retry budget): a retry
/// costs tokens, a success after a retry earns some back. When it is empty, failures are
/// reported instead of retried. Thread-safe.
class retry_budget {
public:
  explicit retry_budget(unsigned capacity = 500, unsigned retry_cost = 5, unsigned timeout_cost = 10)
      : capacity_(capacity), tokens_(capacity), retry_cost_(retry_cost), timeout_cost_(timeout_cost) {}

  /// Takes the tokens for one retry; false when the budget is spent.
  [[nodiscard]] bool try_acquire(bool timeout);
  /// A request that needed retries finally succeeded.
  void on_success_after_retry(bool timeout);
  [[nodiscard]] unsigned tokens() const;

private:
  mutable std::mutex mutex_;
  unsigned capacity_, tokens_, retry_cost_, timeout_cost_;
};

/// `Retry-After: <seconds>` (429/503); HTTP-date form is not used by the services we call.
[[nodiscard]] std::optional<std::chrono::seconds> parse_retry_after(std::string_view value) noexcept;

} // namespace secexport::io

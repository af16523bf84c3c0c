// Whether, when and how often a request is tried again: the one retry engine every request
// of secexport goes through (S3, STS, the instance metadata service, the event source).
//
// - `classify` maps what an attempt produced (transport error, HTTP status, the service's
//   error code) to a retry class; nothing else decides whether to retry. Service codes are
//   judged through their error conditions (base/error.hpp), so this layer needs no
//   knowledge of S3's or STS's codes: each service's category says which of its codes are
//   transient, mean expired credentials, a skewed clock or another region.
// - `retry` runs the attempts: transient failures back off exponentially with full jitter
//   (honouring Retry-After, at most 60 s), under the attempt limit and the endpoint's token
//   bucket (aws-c-s3's retry budget), and are counted by reason in the caller's
//   `retry_counters` (one set per export, so a manifest reports its own retries only); each
//   retry is one log line. Expired credentials and a skewed clock are handed to the
//   caller's `recover` once each and then tried again at once; so is a request lost on a
//   keep-alive connection the server had closed (it never reached the server).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace secexport::io {

enum class retry_class {
  success,             // 2xx (and 3xx the caller handles)
  transient,           // retry after backoff: 5xx, throttling, resets, timeouts, a corrupted body
  refresh_credentials, // the credentials expired: refresh them once, then retry
  fix_clock,           // the request's time is too far from the server's: adopt its clock once
  redirect_region,     // the bucket lives in another region: the caller follows once
  fatal,               // anything else: report, do not retry
};

/// Why a retry happened, for counters and metrics.
enum class retry_reason { throttled, server_error, timeout, connection, corrupted, unreadable, credentials, clock };
inline constexpr std::size_t retry_reason_count = 8;
[[nodiscard]] std::string_view to_string(retry_reason r) noexcept;

struct attempt_outcome {
  boost::system::error_code transport; // set when no complete response arrived
  unsigned status = 0;                 // HTTP status, 0 without a response
  boost::system::error_code service;   // the service's error code (S3/STS, event source)
  bool unreadable_body = false;        // an answer came, but its body could not be read
  bool stale_connection = false;       // lost on a reused keep-alive connection before any answer
};

[[nodiscard]] retry_class classify(const attempt_outcome& outcome) noexcept;
[[nodiscard]] std::string_view to_string(retry_class c) noexcept;
/// The reason a transient outcome is retried.
[[nodiscard]] retry_reason reason_of(const attempt_outcome& outcome) noexcept;
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

/// Token bucket of one endpoint: a retry costs tokens, a success after a retry earns them
/// back. When it is empty, failures are reported instead of retried, so a storm of failures
/// degrades into a clear error instead of an endless loop. Thread-safe.
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

/// Retries of one export (or one command), by reason. Thread-safe.
class retry_counters {
public:
  void add(retry_reason r) noexcept { counts_[static_cast<std::size_t>(r)].fetch_add(1, std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t count(retry_reason r) const noexcept {
    return counts_[static_cast<std::size_t>(r)].load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t total() const noexcept;

private:
  std::array<std::atomic<std::uint64_t>, retry_reason_count> counts_{};
};

/// Time and randomness for backoff: a steady_timer on the caller's executor and a seeded
/// generator; tests substitute a clock that records the delays instead of waiting.
class retry_clock {
public:
  retry_clock();
  explicit retry_clock(std::uint64_t seed) : rng_(seed) {}
  virtual ~retry_clock() = default;
  [[nodiscard]] virtual boost::asio::awaitable<void> sleep(std::chrono::milliseconds delay);
  [[nodiscard]] std::mt19937_64& rng() noexcept { return rng_; }

private:
  std::mt19937_64 rng_;
};

/// What one attempt produced, as the engine needs it.
struct attempt_report {
  attempt_outcome outcome;
  std::string retry_after;      // the Retry-After header, if any
  std::string description;      // for the log line ("SlowDown (HTTP 503): ...")
};

/// How a request's attempts ended.
struct retry_outcome {
  retry_class last = retry_class::success; // the class of the last attempt
  unsigned attempts = 0;
  bool budget_exhausted = false; // a transient failure was not retried: the budget was empty
  bool attempts_exhausted = false;
};

/// The settings one request is retried under.
struct retry_scope {
  const backoff_policy& policy;
  retry_budget& budget;            // the endpoint's
  retry_clock& clock;
  retry_counters* counters = nullptr; // the export's, if any
  std::string_view operation;      // "UploadPart", "event page", for the log line
  std::string_view target;         // "s3://bucket/key", "tenant acme, ... cursor 'c9'"
};

/// The attempt: called with the attempt number (from 1); returns what it produced.
using attempt_fn = std::function<boost::asio::awaitable<attempt_report>(unsigned attempt)>;
/// Recovery for refresh_credentials and fix_clock: returns true when it did something that
/// makes an immediate new attempt worthwhile. Called at most once per class and request.
using recover_fn = std::function<bool(retry_class, const attempt_report&)>;

/// Runs `attempt` until it succeeds, fails for good, or may not be retried any more. The
/// caller keeps what the last attempt produced (its attempt captures it).
[[nodiscard]] boost::asio::awaitable<retry_outcome> retry(const retry_scope& scope, attempt_fn attempt,
                                                          recover_fn recover = {});

/// `Retry-After: <seconds>` (429/503); HTTP-date form is not used by the services we call.
[[nodiscard]] std::optional<std::chrono::seconds> parse_retry_after(std::string_view value) noexcept;

} // namespace secexport::io

#include "io/retry.hpp"

#include "base/error.hpp"
#include "base/log.hpp"
#include "base/metrics.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <charconv>

namespace secexport::io {

namespace net = boost::asio;

namespace {

bool is_transient_transport(const boost::system::error_code& ec) noexcept {
  namespace ae = boost::asio::error;
  if (is_connection_lost(ec)) return true;
  if (ec == boost::beast::error::timeout || ec == ae::timed_out) return true;
  if (ec == ae::connection_refused || ec == ae::host_unreachable || ec == ae::network_unreachable ||
      ec == ae::network_down || ec == ae::try_again || ec == ae::no_buffer_space)
    return true;
  return false;
}

bool is_timeout(const attempt_outcome& o) noexcept {
  return o.transport == boost::beast::error::timeout || o.transport == boost::asio::error::timed_out;
}

} // namespace

bool is_connection_lost(const boost::system::error_code& ec) noexcept {
  namespace ae = boost::asio::error;
  namespace http = boost::beast::http;
  return ec == ae::connection_reset || ec == ae::connection_aborted || ec == ae::broken_pipe ||
         ec == ae::eof || ec == http::error::end_of_stream || ec == http::error::partial_message ||
         ec == boost::asio::ssl::error::stream_truncated;
}

retry_class classify(const attempt_outcome& o) noexcept {
  if (o.transport) return is_transient_transport(o.transport) ? retry_class::transient : retry_class::fatal;
  if (o.unreadable_body) return retry_class::transient;
  const auto& code = o.service;
  if (code) {
    if (code == condition::credentials_expired) return retry_class::refresh_credentials;
    if (code == condition::clock_skewed) return retry_class::fix_clock;
    if (code == condition::wrong_region) return retry_class::redirect_region;
    if (code == condition::transient || code == condition::integrity) return retry_class::transient;
  } else {
    if (o.status >= 200 && o.status < 300) return retry_class::success;
    if (o.status == 301) return retry_class::redirect_region;
  }
  if (o.status == 429 || o.status == 500 || o.status == 502 || o.status == 503 || o.status == 504)
    return retry_class::transient;
  if (!code && o.status >= 300 && o.status < 400) return retry_class::success;
  return retry_class::fatal;
}

retry_reason reason_of(const attempt_outcome& o) noexcept {
  if (o.transport) return is_timeout(o) ? retry_reason::timeout : retry_reason::connection;
  if (o.unreadable_body) return retry_reason::unreadable;
  if (o.service == condition::integrity) return retry_reason::corrupted;
  if (o.service == condition::credentials_expired) return retry_reason::credentials;
  if (o.service == condition::clock_skewed) return retry_reason::clock;
  if (o.status == 429 || o.status == 503) return retry_reason::throttled;
  if (o.status >= 500 || o.status < 300) return retry_reason::server_error; // incl. an <Error> inside a 200
  return retry_reason::throttled; // a throttling code in a 4xx (SlowDown, Throttling)
}

std::string_view to_string(retry_class c) noexcept {
  switch (c) {
  case retry_class::success: return "success";
  case retry_class::transient: return "transient";
  case retry_class::refresh_credentials: return "refresh-credentials";
  case retry_class::fix_clock: return "fix-clock";
  case retry_class::redirect_region: return "redirect-region";
  case retry_class::fatal: return "fatal";
  }
  return "?";
}

std::string_view to_string(retry_reason r) noexcept {
  switch (r) {
  case retry_reason::throttled: return "throttled";
  case retry_reason::server_error: return "server_error";
  case retry_reason::timeout: return "timeout";
  case retry_reason::connection: return "connection";
  case retry_reason::corrupted: return "corrupted";
  case retry_reason::unreadable: return "unreadable";
  case retry_reason::credentials: return "credentials";
  case retry_reason::clock: return "clock";
  }
  return "?";
}

std::chrono::milliseconds backoff_policy::delay(unsigned retry, std::mt19937_64& rng) const {
  auto ceiling = base.count() << std::min(retry, 20u);
  ceiling = std::min<std::int64_t>(ceiling, cap.count());
  std::uniform_int_distribution<std::int64_t> dist(0, ceiling);
  return std::chrono::milliseconds(dist(rng));
}

bool retry_budget::try_acquire(bool timeout) {
  std::lock_guard lock(mutex_);
  unsigned cost = timeout ? timeout_cost_ : retry_cost_;
  if (tokens_ < cost) return false;
  tokens_ -= cost;
  return true;
}

void retry_budget::on_success_after_retry(bool timeout) {
  std::lock_guard lock(mutex_);
  tokens_ = std::min(capacity_, tokens_ + (timeout ? timeout_cost_ : retry_cost_));
}

unsigned retry_budget::tokens() const {
  std::lock_guard lock(mutex_);
  return tokens_;
}

std::uint64_t retry_counters::total() const noexcept {
  std::uint64_t n = 0;
  for (const auto& c : counts_) n += c.load(std::memory_order_relaxed);
  return n;
}

retry_clock::retry_clock() : rng_(std::random_device{}()) {}

net::awaitable<void> retry_clock::sleep(std::chrono::milliseconds delay) {
  net::steady_timer timer(co_await net::this_coro::executor, delay);
  co_await timer.async_wait(net::use_awaitable);
}

namespace {

metrics::family retries_total("secexport_retries_total",
                              "Requests sent again (to S3, STS, the metadata service or the event source), by reason",
                              "counter", {"reason"});

// A retry counts in the caller's counters (its manifest) and in the process's metrics.
void count(const retry_scope& scope, retry_reason reason) {
  if (scope.counters) scope.counters->add(reason);
  retries_total.with({to_string(reason)}).add(1);
}

} // namespace

net::awaitable<retry_outcome> retry(const retry_scope& scope, attempt_fn attempt, recover_fn recover) {
  retry_outcome out;
  bool refreshed = false, clock_fixed = false, resent_stale = false, retried = false, retried_timeout = false;
  unsigned backoffs = 0;
  for (unsigned n = 1;; ++n) {
    out.attempts = n;
    auto report = co_await attempt(n);
    out.last = classify(report.outcome);
    if (out.last == retry_class::transient && report.outcome.stale_connection && !resent_stale) {
      resent_stale = true; // the server closed an idle connection; the request never reached it
      count(scope, retry_reason::connection);
      log_debug("sending again on a new connection", {{"operation", scope.operation}, {"target", scope.target}});
      continue;
    }
    switch (out.last) {
    case retry_class::success:
      if (retried) scope.budget.on_success_after_retry(retried_timeout);
      co_return out;
    case retry_class::refresh_credentials:
    case retry_class::fix_clock: {
      bool& once = out.last == retry_class::refresh_credentials ? refreshed : clock_fixed;
      if (once || !recover || !recover(out.last, report)) co_return out;
      once = true;
      count(scope, reason_of(report.outcome));
      log_warn("retrying at once", {{"operation", scope.operation}, {"target", scope.target},
                                    {"attempt", n + 1}, {"reason", report.description}});
      continue;
    }
    case retry_class::redirect_region:
    case retry_class::fatal: co_return out;
    case retry_class::transient: break;
    }

    const bool timeout = is_timeout(report.outcome);
    if (n >= scope.policy.max_attempts) {
      out.attempts_exhausted = true;
      co_return out;
    }
    if (!scope.budget.try_acquire(timeout)) {
      out.budget_exhausted = true;
      co_return out;
    }
    retried = true;
    retried_timeout = retried_timeout || timeout;
    const auto reason = reason_of(report.outcome);
    count(scope, reason);
    auto delay = scope.policy.delay(backoffs++, scope.clock.rng());
    if (auto after = parse_retry_after(report.retry_after))
      delay = std::max<std::chrono::milliseconds>(delay, std::min<std::chrono::seconds>(*after, std::chrono::seconds(60)));
    log_warn("retrying", {{"operation", scope.operation}, {"target", scope.target}, {"attempt", n + 1},
                          {"reason", to_string(reason)}, {"detail", report.description},
                          {"delay_ms", delay.count()}});
    co_await scope.clock.sleep(delay);
  }
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value) noexcept {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  unsigned s = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), s);
  if (ec != std::errc{} || end != value.data() + value.size()) return std::nullopt;
  return std::chrono::seconds(s);
}

} // namespace secexport::io

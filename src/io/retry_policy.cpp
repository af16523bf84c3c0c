#include "io/retry_policy.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <charconv>

namespace secexport::io {
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
  const auto code = o.service_code;
  if (code == "ExpiredToken" || code == "ExpiredTokenException" || code == "TokenRefreshRequired")
    return retry_class::refresh_credentials;
  if (code == "RequestTimeTooSkewed" || code == "RequestExpired") return retry_class::fix_clock;
  if (code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed" ||
      (o.status == 301 && code.empty()))
    return retry_class::redirect_region;
  if (o.status >= 200 && o.status < 300 && code.empty()) return retry_class::success;
  if (code == "SlowDown" || code == "RequestTimeout" || code == "InternalError" ||
      code == "ServiceUnavailable" || code == "Throttling" || code == "ThrottlingException" ||
      code == "RequestLimitExceeded" || code == "TooManyRequestsException" ||
      code == "IDPCommunicationError" || code == "OperationAborted")
    return retry_class::transient;
  if (o.status == 429 || o.status == 500 || o.status == 502 || o.status == 503 || o.status == 504)
    return retry_class::transient;
  if (o.status >= 300 && o.status < 400 && code.empty()) return retry_class::success;
  return retry_class::fatal;
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

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value) noexcept {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  unsigned s = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), s);
  if (ec != std::errc{} || end != value.data() + value.size()) return std::nullopt;
  return std::chrono::seconds(s);
}

} // namespace secexport::io

#include "auth/credentials_provider.hpp"

#include "base/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace secexport::auth {

namespace net = boost::asio;

namespace {

class static_provider final : public credentials_provider {
public:
  explicit static_provider(credentials c) : creds_(std::make_shared<const credentials>(std::move(c))) {}
  net::awaitable<std::shared_ptr<const credentials>> get() override { co_return creds_; }
  void invalidate(const credentials&) override {}
  std::string describe() const override { return creds_->source; }

private:
  std::shared_ptr<const credentials> creds_;
};

} // namespace

std::shared_ptr<credentials_provider> static_credentials(credentials c) {
  return std::make_shared<static_provider>(std::move(c));
}

refreshing_provider::refreshing_provider(net::any_io_executor executor, std::function<sys_s()> clock,
                                         std::chrono::seconds window)
    : clock_(std::move(clock)), window_(window), wakeup_(std::move(executor)) {}

void refreshing_provider::invalidate(const credentials& seen) {
  if (cached_ && cached_->access_key_id == seen.access_key_id) stale_ = true;
}

net::awaitable<std::shared_ptr<const credentials>> refreshing_provider::get() {
  for (;;) {
    const auto now = clock_();
    const bool fresh = cached_ && !stale_ && (!cached_->expiration || now + window_ < *cached_->expiration);
    const bool valid = cached_ && !stale_ && (!cached_->expiration || now < *cached_->expiration);
    if (fresh || (valid && now < retry_after_)) co_return cached_;

    if (refreshing_) { // share the refresh in flight, and its outcome
      const auto generation = generation_;
      co_await wakeup_.async_wait(net::as_tuple(net::use_awaitable));
      if (generation_ == generation) // woken without the refresh ending: we were cancelled
        throw boost::system::system_error(net::error::operation_aborted, "waiting for credentials");
      if (!last_error_) co_return cached_;
      if (cached_ && !stale_ && (!cached_->expiration || clock_() < *cached_->expiration)) co_return cached_;
      std::rethrow_exception(last_error_);
    }

    refreshing_ = true;
    wakeup_.expires_at(net::steady_timer::time_point::max());
    std::exception_ptr error;
    try {
      auto fetched = co_await fetch();
      cached_ = std::make_shared<const credentials>(std::move(fetched));
      stale_ = false;
      ++refreshes_;
    } catch (...) {
      error = std::current_exception();
    }
    last_error_ = error;
    refreshing_ = false;
    ++generation_;
    wakeup_.cancel();
    if (!error) co_return cached_;
    const bool still_valid = cached_ && !stale_ && cached_->expiration && now < *cached_->expiration;
    if (!still_valid) std::rethrow_exception(error);
    retry_after_ = now + std::chrono::seconds(10);
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      log_warn("credential refresh failed; using the current credentials until they expire",
               {{"error", e.what()}, {"expires", format_rfc3339(*cached_->expiration)}});
    }
    co_return cached_;
  }
}

} // namespace secexport::auth

// Where credentials come from while a job runs: the interface every provider implements,
// static keys, and the refresh logic of temporary credentials. The providers that fetch
// temporary credentials live one per file (assume_role_provider, instance_metadata_provider),
// and credential_chain.hpp puts them together as the AWS CLI does.
//
// Contract of `get()`: returns credentials valid for at least the refresh window (5 minutes
// by default) whenever they can be had. Temporary credentials are refreshed when they enter
// that window; at most one refresh is in flight and every concurrent caller waits for it and
// shares its result. If a refresh fails while the old credentials are still valid, the old
// ones are returned (with a warning) and the next call tries again. Failure to obtain any
// credentials throws (a `failure`, often an aws_call_error). After a failed refresh that kept
// valid credentials, the next attempt waits 10 seconds, so a failing STS is not hammered by
// every request. `invalidate()` is for a server that said ExpiredToken: the next `get()`
// refreshes.
//
// Runs on the executor of the aws_context it was made with; not thread-safe.
#pragma once

#include "auth/credentials.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <exception>
#include <functional>
#include <memory>

namespace secexport::auth {

class credentials_provider {
public:
  virtual ~credentials_provider() = default;
  [[nodiscard]] virtual boost::asio::awaitable<std::shared_ptr<const credentials>> get() = 0;
  virtual void invalidate(const credentials& seen) = 0;
  [[nodiscard]] virtual std::string describe() const = 0;
};

[[nodiscard]] std::shared_ptr<credentials_provider> static_credentials(credentials c);

struct refresh_options {
  std::chrono::seconds window{300};
  std::function<sys_s()> clock; // empty: the signing clock of the aws_context (auth/aws_client.hpp)
};

/// Shared refresh logic: caching, single flight, refresh window. Subclasses fetch.
class refreshing_provider : public credentials_provider {
public:
  refreshing_provider(boost::asio::any_io_executor executor, std::function<sys_s()> clock,
                      std::chrono::seconds window);
  boost::asio::awaitable<std::shared_ptr<const credentials>> get() override;
  void invalidate(const credentials& seen) override;
  [[nodiscard]] std::uint64_t refreshes() const noexcept { return refreshes_; }

protected:
  virtual boost::asio::awaitable<credentials> fetch() = 0;

private:
  std::function<sys_s()> clock_;
  std::chrono::seconds window_;
  boost::asio::steady_timer wakeup_; // waiters of a refresh in flight; cancelled when it ends
  std::shared_ptr<const credentials> cached_;
  std::exception_ptr last_error_;
  sys_s retry_after_{};              // after a failed refresh, valid credentials are kept until then
  bool stale_ = false;
  bool refreshing_ = false;
  std::uint64_t generation_ = 0;
  std::uint64_t refreshes_ = 0;
};

} // namespace secexport::auth

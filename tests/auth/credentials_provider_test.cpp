#include "auth/credentials_provider.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>

namespace secexport::auth {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;

// Fetches take 10 ms of (real) timer time so that concurrent callers overlap with them.
class fake_provider final : public refreshing_provider {
public:
  fake_provider(net::io_context& ioc, sys_s& now)
      : refreshing_provider(ioc.get_executor(), [&now] { return now; }, std::chrono::seconds(300)), now_(now) {}
  int fetches = 0;
  bool fail = false;
  std::string describe() const override { return "fake"; }

protected:
  net::awaitable<credentials> fetch() override {
    ++fetches;
    net::steady_timer t(co_await net::this_coro::executor, 10ms);
    co_await t.async_wait(net::use_awaitable);
    if (fail) throw std::runtime_error("STS said no");
    credentials c;
    c.access_key_id = "ASIA" + std::to_string(fetches);
    c.secret_access_key = secret("s-" + std::to_string(fetches));
    c.session_token = secret("t-" + std::to_string(fetches));
    c.expiration = now_ + std::chrono::hours(1);
    co_return c;
  }

private:
  sys_s& now_;
};

struct provider_test : ::testing::Test {
  net::io_context ioc;
  sys_s now = std::chrono::floor<std::chrono::seconds>(*parse_rfc3339("2026-11-22T00:00:00Z"));
  fake_provider p{ioc, now};

  // Runs `n` concurrent get() calls to completion; returns the key IDs (or "error: ...").
  std::vector<std::string> get_concurrently(int n) {
    std::vector<std::string> out(n);
    for (int i = 0; i < n; ++i)
      net::co_spawn(
          ioc,
          [&, i]() -> net::awaitable<void> {
            try {
              auto c = co_await p.get();
              out[i] = c->access_key_id;
            } catch (const std::exception& e) {
              out[i] = std::string("error: ") + e.what();
            }
          },
          net::detached);
    ioc.restart();
    ioc.run();
    return out;
  }
};

TEST_F(provider_test, concurrent_callers_share_one_refresh) {
  auto keys = get_concurrently(20);
  EXPECT_EQ(p.fetches, 1);
  for (const auto& k : keys) EXPECT_EQ(k, "ASIA1");
}

TEST_F(provider_test, refreshes_only_inside_the_five_minute_window) {
  (void)get_concurrently(1);
  now += 54min; // 6 minutes left
  EXPECT_EQ(get_concurrently(3), std::vector<std::string>(3, "ASIA1"));
  EXPECT_EQ(p.fetches, 1);
  now += 2min; // 4 minutes left: refresh before expiry
  EXPECT_EQ(get_concurrently(3), std::vector<std::string>(3, "ASIA2"));
  EXPECT_EQ(p.fetches, 2);
}

TEST_F(provider_test, invalidate_after_expired_token_forces_one_refresh) {
  auto first = get_concurrently(1);
  credentials seen;
  seen.access_key_id = "ASIA1";
  p.invalidate(seen);
  EXPECT_EQ(get_concurrently(5), std::vector<std::string>(5, "ASIA2"));
  p.invalidate(seen); // stale notice about credentials already replaced: ignored
  EXPECT_EQ(get_concurrently(1), std::vector<std::string>(1, "ASIA2"));
  EXPECT_EQ(p.fetches, 2);
}

TEST_F(provider_test, failed_refresh_keeps_still_valid_credentials_and_retries_later) {
  (void)get_concurrently(1);
  now += 57min;
  p.fail = true;
  EXPECT_EQ(get_concurrently(4), std::vector<std::string>(4, "ASIA1"));
  EXPECT_EQ(p.fetches, 2); // the failure was shared, not retried by every waiter
  EXPECT_EQ(get_concurrently(2), std::vector<std::string>(2, "ASIA1"));
  EXPECT_EQ(p.fetches, 2); // and the next attempt waits a little
  now += 11s;
  p.fail = false;
  EXPECT_EQ(get_concurrently(1), std::vector<std::string>(1, "ASIA3"));
}

TEST_F(provider_test, failure_without_valid_credentials_reaches_every_waiter) {
  p.fail = true;
  auto results = get_concurrently(4);
  EXPECT_EQ(p.fetches, 1);
  for (const auto& r : results) EXPECT_EQ(r, "error: STS said no");
}

} // namespace
} // namespace secexport::auth

// The retry engine: classification by condition, backoff, Retry-After, the budget, the
// counters and the immediate re-tries, driven with scripted attempts and a clock that
// records its delays instead of sleeping.
#include "io/retry.hpp"

#include "base/detail/error_category.hpp"
#include "base/error.hpp"
#include "io/run_coroutine.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <gtest/gtest.h>

namespace secexport::io {
namespace {

namespace ae = boost::asio::error;
namespace net = boost::asio;
using std::chrono::milliseconds;

class recording_clock final : public retry_clock {
public:
  recording_clock() : retry_clock(42) {}
  std::vector<milliseconds> delays;
  net::awaitable<void> sleep(milliseconds d) override {
    delays.push_back(d);
    co_return;
  }
};

attempt_report status(unsigned s, std::string_view retry_after = {}) {
  attempt_report r;
  r.outcome.status = s;
  r.retry_after = std::string(retry_after);
  r.description = "HTTP " + std::to_string(s);
  return r;
}

attempt_report transport(boost::system::error_code ec, bool stale = false) {
  attempt_report r;
  r.outcome.transport = ec;
  r.outcome.stale_connection = stale;
  return r;
}

attempt_report service(unsigned s, boost::system::error_code code) {
  auto r = status(s);
  r.outcome.service = code;
  return r;
}

struct engine : ::testing::Test {
  net::io_context ioc;
  recording_clock clock;
  backoff_policy policy{milliseconds(100), milliseconds(1000), 5};
  std::unique_ptr<retry_budget> budget = std::make_unique<retry_budget>(500, 5, 10);
  retry_counters counters;
  std::vector<attempt_report> script;
  unsigned attempts = 0;

  retry_outcome run(recover_fn recover = {}) {
    const retry_scope scope{policy, *budget, clock, &counters, "Test", "target"};
    return run_to_completion<retry_outcome>(ioc, [&] {
      return retry(
          scope,
          [this](unsigned n) -> net::awaitable<attempt_report> {
            EXPECT_EQ(n, attempts + 1);
            co_return script.at(attempts++);
          },
          recover);
    });
  }
};

TEST_F(engine, a_transient_failure_backs_off_then_succeeds_and_refunds_the_budget) {
  script = {status(503), transport(ae::connection_reset), status(200)};
  auto out = run();
  EXPECT_EQ(out.last, retry_class::success);
  EXPECT_EQ(out.attempts, 3u);
  ASSERT_EQ(clock.delays.size(), 2u);
  EXPECT_LE(clock.delays[0], milliseconds(100)); // full jitter under base * 2^0
  EXPECT_LE(clock.delays[1], milliseconds(200));
  EXPECT_EQ(counters.total(), 2u);
  EXPECT_EQ(counters.count(retry_reason::throttled), 1u);
  EXPECT_EQ(counters.count(retry_reason::connection), 1u);
  EXPECT_EQ(budget->tokens(), 500u - 5 - 5 + 5); // two retries taken, one refund on success
}

TEST_F(engine, stops_at_the_attempt_limit) {
  script.assign(10, status(500));
  auto out = run();
  EXPECT_EQ(out.last, retry_class::transient);
  EXPECT_EQ(out.attempts, 5u);
  EXPECT_TRUE(out.attempts_exhausted);
  EXPECT_EQ(clock.delays.size(), 4u);
  EXPECT_EQ(counters.count(retry_reason::server_error), 4u);
}

TEST_F(engine, stops_when_the_endpoints_budget_is_spent_and_timeouts_cost_more) {
  budget = std::make_unique<retry_budget>(25, 5, 10);
  script.assign(10, transport(boost::beast::error::timeout));
  auto out = run();
  EXPECT_TRUE(out.budget_exhausted);
  EXPECT_EQ(out.attempts, 3u); // two retries at 10 tokens each, the third does not fit
  EXPECT_EQ(counters.count(retry_reason::timeout), 2u);
  EXPECT_EQ(budget->tokens(), 5u);
}

TEST_F(engine, separate_budgets_do_not_drain_each_other) {
  retry_budget other(500);
  budget = std::make_unique<retry_budget>(10, 5, 10);
  script.assign(10, status(503));
  (void)run();
  EXPECT_EQ(budget->tokens(), 0u);
  EXPECT_EQ(other.tokens(), 500u);
}

TEST_F(engine, honours_retry_after_up_to_a_minute) {
  script = {status(429, "3"), status(503, "600"), status(200)};
  auto out = run();
  EXPECT_EQ(out.last, retry_class::success);
  ASSERT_EQ(clock.delays.size(), 2u);
  EXPECT_EQ(clock.delays[0], milliseconds(3000));
  EXPECT_EQ(clock.delays[1], milliseconds(60000));
}

TEST_F(engine, fatal_answers_are_not_retried) {
  script = {status(403), status(200)};
  auto out = run();
  EXPECT_EQ(out.last, retry_class::fatal);
  EXPECT_EQ(out.attempts, 1u);
  EXPECT_TRUE(clock.delays.empty());
  EXPECT_EQ(counters.total(), 0u);
}

TEST_F(engine, a_request_lost_on_a_stale_keep_alive_connection_is_sent_again_at_once_once) {
  script = {transport(ae::connection_reset, true), transport(ae::connection_reset, true), status(200)};
  auto out = run();
  EXPECT_EQ(out.last, retry_class::success);
  EXPECT_EQ(out.attempts, 3u);
  EXPECT_EQ(clock.delays.size(), 1u); // the first at once, the second after a backoff
  EXPECT_EQ(counters.count(retry_reason::connection), 2u);
  EXPECT_EQ(budget->tokens(), 500u); // the stale resend costs nothing; the backoff was refunded
}

TEST_F(engine, expired_credentials_and_a_skewed_clock_are_recovered_once_each) {
  // A category whose codes map onto those conditions, as a service's would.
  static constexpr secexport::detail::code_row rows[] = {{1, "expired", static_cast<int>(condition::credentials_expired)},
                                                          {2, "skewed", static_cast<int>(condition::clock_skewed)}};
  static const secexport::detail::table_category category("test", rows);
  const boost::system::error_code expired_code(1, category), skew_code(2, category);
  script = {service(400, expired_code), service(403, skew_code), service(400, expired_code)};
  std::vector<retry_class> recovered;
  auto out = run([&](retry_class c, const attempt_report&) {
    recovered.push_back(c);
    return true;
  });
  EXPECT_EQ(out.last, retry_class::refresh_credentials); // the second expiry is reported
  EXPECT_EQ(out.attempts, 3u);
  EXPECT_EQ(recovered, (std::vector<retry_class>{retry_class::refresh_credentials, retry_class::fix_clock}));
  EXPECT_TRUE(clock.delays.empty());
  EXPECT_EQ(counters.count(retry_reason::credentials), 1u);
  EXPECT_EQ(counters.count(retry_reason::clock), 1u);
}

TEST_F(engine, an_unreadable_body_is_fetched_again) {
  auto bad = status(200);
  bad.outcome.unreadable_body = true;
  script = {bad, status(200)};
  auto out = run();
  EXPECT_EQ(out.last, retry_class::success);
  EXPECT_EQ(counters.count(retry_reason::unreadable), 1u);
}

TEST(classify_conditions, service_codes_are_judged_by_their_condition) {
  // A category whose codes map onto conditions, as a service's category would.
  static constexpr secexport::detail::code_row rows[] = {
      {1, "transient", static_cast<int>(condition::transient)},
      {3, "denied", static_cast<int>(condition::denied)},
      {6, "integrity", static_cast<int>(condition::integrity)}};
  static const secexport::detail::table_category c("c", rows);
  auto of = [](unsigned status, int ev) {
    attempt_outcome o;
    o.status = status;
    o.service = boost::system::error_code(ev, c);
    return classify(o);
  };
  EXPECT_EQ(of(400, 1), retry_class::transient);
  EXPECT_EQ(of(400, 6), retry_class::transient);
  EXPECT_EQ(of(200, 1), retry_class::transient); // an <Error> inside a 200
  EXPECT_EQ(of(403, 3), retry_class::fatal);
  EXPECT_EQ(of(200, 3), retry_class::fatal);
  EXPECT_EQ(of(503, 3), retry_class::transient); // the status still counts
}

TEST(backoff, full_jitter_stays_within_the_exponential_ceiling_and_the_cap) {
  backoff_policy b;
  std::mt19937_64 rng(42);
  for (unsigned retry = 0; retry < 30; ++retry) {
    auto ceiling = std::min<std::int64_t>(b.base.count() << std::min(retry, 20u), b.cap.count());
    std::int64_t highest = 0;
    for (int i = 0; i < 200; ++i) {
      auto d = b.delay(retry, rng).count();
      EXPECT_GE(d, 0);
      EXPECT_LE(d, ceiling);
      highest = std::max(highest, d);
    }
    EXPECT_GT(highest, ceiling / 2) << "jitter should spread over the whole range";
  }
}

TEST(retry_budget, runs_dry_and_refills_on_success) {
  retry_budget budget(20, 5, 10);
  EXPECT_TRUE(budget.try_acquire(false));
  EXPECT_TRUE(budget.try_acquire(true));
  EXPECT_TRUE(budget.try_acquire(false));
  EXPECT_FALSE(budget.try_acquire(false));
  budget.on_success_after_retry(false);
  EXPECT_EQ(budget.tokens(), 5u);
  EXPECT_TRUE(budget.try_acquire(false));
}

TEST(retry_after, parses_seconds_only) {
  EXPECT_EQ(parse_retry_after("3"), std::chrono::seconds(3));
  EXPECT_EQ(parse_retry_after(" 120 "), std::chrono::seconds(120));
  EXPECT_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"));
  EXPECT_FALSE(parse_retry_after("-1"));
}

} // namespace
} // namespace secexport::io

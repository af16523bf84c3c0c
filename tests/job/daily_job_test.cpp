// The daily job without sockets: tenants from a real store in a scratch directory, a fake
// backend in place of S3 and the event source, a fake wall clock. Covers which tenants and
// days a pass takes (catch-up, force, --date, disabled tenants, shards), failure
// containment (one failing tenant among many, a broken settings file), the stop scope
// (grace period, then cancellation) and the daemon's clock loop across midnights.
#include "job/daemon.hpp"
#include "job/daily_job.hpp"
#include "job/shutdown.hpp"
#include "support/scratch_dir.hpp"

#include "base/metrics.hpp"
#include "export/error.hpp"

#include <boost/asio/post.hpp>

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>

namespace secexport::job {
namespace {

using namespace std::chrono;
using tenant::tenant_settings;

sys_us at(std::string_view s) { return *parse_rfc3339(s); }
sys_days day(std::string_view s) { return *parse_iso_day(s); }

tenant_settings ready_tenant(std::string id, bool enabled = true) {
  tenant_settings t;
  t.id = std::move(id);
  t.enabled = enabled;
  t.method = tenant::auth_method::role_arn;
  t.bucket = "acme-security";
  t.role_arn = "arn:aws:iam::210987654321:role/secexport";
  t.external_id = "sx-abcdefghijklmnopqrstuvwx";
  t.source_url = "https://events.internal";
  return t;
}

// What the fake world holds and does, per tenant; every call recorded.
struct fake_world {
  std::map<std::string, std::set<sys_days>> manifests;       // days already exported
  std::map<std::string, std::string> open_failure;          // tenant -> message
  std::map<std::pair<std::string, sys_days>, std::string> day_failure;
  std::set<std::string> blocks_until_cancelled;             // their exports wait for cancel
  std::map<std::string, milliseconds> export_takes;

  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::pair<std::string, sys_days>> exported;   // in the order they ran
  std::vector<std::string> cancel_reasons;
  std::vector<std::string> opened;
  std::size_t running = 0;
  std::size_t most_running = 0;

  void wait_running() {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return running > 0; });
  }
};

class fake_backend final : public tenant_backend {
public:
  fake_backend(fake_world& w, std::string tenant) : w_(w), tenant_(std::move(tenant)) {}

  std::set<sys_days> exported_days(const std::vector<sys_days>&) override {
    std::lock_guard lock(w_.mutex);
    return w_.manifests[tenant_];
  }

  std::pair<day_result, std::optional<error>> export_day(sys_days d, stop_scope& scope) override {
    day_result r{d};
    std::string cancelled;
    const auto id = scope.enter([this, &cancelled](const std::string& reason) {
      std::lock_guard lock(w_.mutex);
      cancelled = reason;
      w_.cancel_reasons.push_back(reason);
      w_.cv.notify_all();
    });
    {
      std::unique_lock lock(w_.mutex);
      w_.most_running = std::max(w_.most_running, ++w_.running);
      w_.cv.notify_all();
      if (w_.blocks_until_cancelled.contains(tenant_))
        w_.cv.wait(lock, [&] { return !cancelled.empty(); });
      else if (auto t = w_.export_takes.find(tenant_); t != w_.export_takes.end())
        w_.cv.wait_for(lock, t->second, [&] { return !cancelled.empty(); });
      --w_.running;
    }
    scope.leave(id);
    std::lock_guard lock(w_.mutex);
    if (!cancelled.empty()) return {r, error{exporter::errc::cancelled, "cancelled: " + cancelled}};
    if (auto f = w_.day_failure.find({tenant_, d}); f != w_.day_failure.end())
      return {r, error{exporter::errc::failed, f->second}};
    w_.exported.emplace_back(tenant_, d);
    w_.manifests[tenant_].insert(d);
    r.ok = true;
    r.rows = 10;
    return {r, std::nullopt};
  }

private:
  fake_world& w_;
  std::string tenant_;
};

class fake_factory final : public backend_factory {
public:
  explicit fake_factory(fake_world& w) : w_(w) {}
  std::unique_ptr<tenant_backend> open(const tenant_settings& t, sys_us) override {
    std::lock_guard lock(w_.mutex);
    w_.opened.push_back(t.id);
    if (auto f = w_.open_failure.find(t.id); f != w_.open_failure.end())
      throw failure(exporter::errc::failed, f->second);
    return std::make_unique<fake_backend>(w_, t.id);
  }

private:
  fake_world& w_;
};

struct daily_job_test : ::testing::Test {
  testing::scratch_dir dir{"daily_job"};
  tenant::tenant_store store{dir.path()};
  fake_world world;
  fake_factory factory{world};
  stop_scope scope;
  sys_us now = at("2026-11-25T00:10:00Z");

  std::vector<tenant_outcome> pass(const job_settings& s) {
    return run_pass(s, select_tenants(s, store), now, factory, scope);
  }
  std::vector<sys_days> exported_by(const std::string& tenant) {
    std::vector<sys_days> days;
    for (const auto& [t, d] : world.exported)
      if (t == tenant) days.push_back(d);
    return days;
  }
  const tenant_outcome& outcome(const std::vector<tenant_outcome>& all, const std::string& tenant) {
    for (const auto& o : all)
      if (o.tenant == tenant) return o;
    throw std::runtime_error("no outcome for " + tenant);
  }
};

job_settings all_tenants(unsigned catch_up = 7) {
  job_settings s;
  s.all_tenants = true;
  s.catch_up_days = catch_up;
  return s;
}

TEST_F(daily_job_test, catch_up_exports_exactly_the_missing_days_oldest_first_and_then_nothing) {
  store.save(ready_tenant("acme"));
  world.manifests["acme"] = {day("2026-11-19"), day("2026-11-22")};
  auto first = pass(all_tenants());
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(first[0].ok());
  EXPECT_EQ(first[0].up_to_date, 2u);
  EXPECT_EQ(exported_by("acme"), (std::vector<sys_days>{day("2026-11-18"), day("2026-11-20"), day("2026-11-21"),
                                                         day("2026-11-23"), day("2026-11-24")}));
  world.exported.clear();
  auto second = pass(all_tenants());
  EXPECT_TRUE(second[0].ok());
  EXPECT_EQ(second[0].up_to_date, 7u);
  EXPECT_TRUE(world.exported.empty());
}

TEST_F(daily_job_test, force_and_date_choose_the_days) {
  store.save(ready_tenant("acme"));
  world.manifests["acme"] = {day("2026-11-23"), day("2026-11-24")};
  auto s = all_tenants(2);
  s.force = true;
  (void)pass(s);
  EXPECT_EQ(exported_by("acme"), (std::vector<sys_days>{day("2026-11-23"), day("2026-11-24")}));
  world.exported.clear();
  s = all_tenants();
  s.date = day("2026-10-01");
  (void)pass(s);
  EXPECT_EQ(exported_by("acme"), std::vector<sys_days>{day("2026-10-01")});
}

TEST_F(daily_job_test, disabled_tenants_are_left_out_unless_named) {
  store.save(ready_tenant("on"));
  store.save(ready_tenant("off", false));
  auto outcomes = pass(all_tenants(1));
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].tenant, "on");
  job_settings named;
  named.tenants = {"off"};
  named.catch_up_days = 1;
  outcomes = pass(named);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_TRUE(outcomes[0].ok());
  EXPECT_EQ(exported_by("off"), std::vector<sys_days>{day("2026-11-24")});
  named.tenants = {"nobody"};
  try {
    (void)select_tenants(named, store);
    ADD_FAILURE() << "an unknown tenant was accepted";
  } catch (const failure& e) {
    EXPECT_TRUE(e.is(condition::bad_input));
    EXPECT_NE(std::string(e.what()).find("no tenant nobody"), std::string::npos);
  }
}

TEST_F(daily_job_test, shards_cover_every_tenant_exactly_once) {
  for (int i = 0; i < 40; ++i) store.save(ready_tenant("tenant-" + std::to_string(i)));
  std::multiset<std::string> seen;
  for (unsigned i = 0; i < 3; ++i) {
    auto s = all_tenants();
    s.shard = std::pair{i, 3u};
    auto mine = select_tenants(s, store);
    EXPECT_GT(mine.size(), 5u) << "shard " << i;
    for (const auto& t : mine) {
      EXPECT_EQ(shard_of(t.settings.id, 3), i);
      seen.insert(t.settings.id);
    }
  }
  EXPECT_EQ(seen.size(), 40u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 40u);
}

TEST_F(daily_job_test, one_failing_tenant_never_stops_the_others) {
  for (auto id : {"a", "b", "broken-creds", "c", "fails-on-a-day", "d"}) store.save(ready_tenant(id));
  world.open_failure["broken-creds"] = "AssumeRole of arn:... failed: AccessDenied";
  world.day_failure[{"fails-on-a-day", day("2026-11-23")}] = "the event source refused";
  auto s = all_tenants(3);
  s.tenant_concurrency = 3;
  auto outcomes = pass(s);
  ASSERT_EQ(outcomes.size(), 6u);
  for (auto id : {"a", "b", "c", "d"}) {
    EXPECT_TRUE(outcome(outcomes, id).ok()) << id;
    EXPECT_EQ(exported_by(id).size(), 3u) << id;
  }
  const auto& creds = outcome(outcomes, "broken-creds");
  ASSERT_FALSE(creds.ok());
  EXPECT_NE(creds.failure->message.find("AccessDenied"), std::string::npos);
  EXPECT_FALSE(creds.cancelled);
  const auto& day_fail = outcome(outcomes, "fails-on-a-day");
  ASSERT_FALSE(day_fail.ok());
  EXPECT_EQ(exported_by("fails-on-a-day"), std::vector<sys_days>{day("2026-11-22")}); // stops at the failed day
  ASSERT_EQ(day_fail.days.size(), 2u);
  EXPECT_FALSE(day_fail.days.back().ok);
  EXPECT_LE(world.most_running, 3u);
}

TEST_F(daily_job_test, an_unreadable_settings_file_is_that_tenants_failure_only) {
  store.save(ready_tenant("good"));
  store.save(ready_tenant("open"));
  ::chmod(store.path_of("open").c_str(), 0644);
  std::ofstream(store.path_of("garbled")) << "[tenant]\nbucket\n";
  ::chmod(store.path_of("garbled").c_str(), 0600);
  auto outcomes = pass(all_tenants(1));
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_TRUE(outcome(outcomes, "good").ok());
  EXPECT_NE(outcome(outcomes, "open").failure->message.find("readable by group or others"), std::string::npos);
  EXPECT_NE(outcome(outcomes, "garbled").failure->message.find("garbled.conf:2"), std::string::npos);
  EXPECT_EQ(world.opened, std::vector<std::string>{"good"});
}

TEST_F(daily_job_test, a_tenant_that_is_not_configured_fails_without_being_opened) {
  auto t = ready_tenant("half");
  t.method = tenant::auth_method::none;
  store.save(t);
  auto outcomes = pass(all_tenants(1));
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_NE(outcomes[0].failure->message.find("no method"), std::string::npos);
  EXPECT_TRUE(world.opened.empty());
}

TEST_F(daily_job_test, after_a_stop_the_grace_period_runs_out_then_running_exports_are_cancelled) {
  store.save(ready_tenant("slow"));
  store.save(ready_tenant("waiting"));
  world.blocks_until_cancelled = {"slow"};
  boost::asio::io_context main(1);
  shutdown_handler shutdown(main, scope, duration<double>(0.2), false);
  // What the first SIGTERM does, once an export is under way.
  boost::asio::post(main, [&] {
    world.wait_running();
    shutdown.begin("terminated (SIGTERM)");
  });
  auto s = all_tenants(1);
  s.tenant_concurrency = 1;
  s.tenants = {};
  auto outcomes = run_pass(s, select_tenants(s, store), now, factory, scope, &main);
  ASSERT_EQ(outcomes.size(), 2u);
  const auto& slow = outcome(outcomes, "slow");
  ASSERT_FALSE(slow.ok());
  EXPECT_TRUE(slow.cancelled);
  ASSERT_EQ(world.cancel_reasons.size(), 1u);
  EXPECT_EQ(world.cancel_reasons[0], "terminated (SIGTERM), grace period over");
  const auto& waiting = outcome(outcomes, "waiting");
  EXPECT_TRUE(waiting.cancelled);
  EXPECT_NE(waiting.failure->message.find("not started"), std::string::npos);
  EXPECT_TRUE(world.exported.empty());
}

TEST_F(daily_job_test, an_export_that_ends_within_the_grace_period_completes) {
  store.save(ready_tenant("quick"));
  world.export_takes["quick"] = milliseconds(50);
  boost::asio::io_context main(1);
  shutdown_handler shutdown(main, scope, duration<double>(30), false);
  boost::asio::post(main, [&] {
    world.wait_running();
    shutdown.begin("terminated (SIGTERM)");
  });
  auto s = all_tenants(2); // two days: the first one finishes, the second is not started
  s.tenant_concurrency = 1;
  auto outcomes = run_pass(s, select_tenants(s, store), now, factory, scope, &main);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_TRUE(world.cancel_reasons.empty());
  // The running export finished; the next day was not started.
  EXPECT_EQ(exported_by("quick"), std::vector<sys_days>{day("2026-11-23")});
  EXPECT_TRUE(outcomes[0].cancelled);
  EXPECT_NE(outcomes[0].failure->message.find("stopped before 2026-11-24"), std::string::npos)
      << outcomes[0].failure->message;
}

TEST(daemon, runs_at_start_then_after_every_midnight_utc_plus_jitter) {
  stop_scope scope;
  sys_us clock_now = at("2026-11-24T23:59:58Z");
  std::vector<sys_us> passes;
  std::vector<sys_days> yesterdays;
  job_settings s;
  s.catch_up_days = 1;
  run_daemon(
      scope, [&] { return clock_now; },
      [&](sys_us now) {
        passes.push_back(now);
        yesterdays.push_back(window_of(s, now).back());
        clock_now += seconds(3); // a pass takes time
        if (passes.size() == 3) scope.stop();
      },
      [&](sys_us wake) { clock_now = std::max(clock_now, wake); }, [] { return seconds(7); });
  ASSERT_EQ(passes.size(), 3u);
  EXPECT_EQ(passes[0], at("2026-11-24T23:59:58Z"));
  EXPECT_EQ(passes[1], at("2026-11-25T00:00:07Z"));
  EXPECT_EQ(passes[2], at("2026-11-26T00:00:07Z"));
  EXPECT_EQ(yesterdays, (std::vector<sys_days>{day("2026-11-23"), day("2026-11-24"), day("2026-11-25")}));
}

TEST(daemon, a_stop_while_sleeping_ends_the_loop_without_another_pass) {
  stop_scope scope;
  sys_us clock_now = at("2026-11-25T12:00:00Z");
  int passes = 0;
  run_daemon(
      scope, [&] { return clock_now; }, [&](sys_us) { ++passes; }, [&](sys_us) { scope.stop(); },
      [] { return seconds(0); });
  EXPECT_EQ(passes, 1);
}

TEST(stop_scope, an_export_entering_after_cancel_all_is_cancelled_at_once) {
  stop_scope scope;
  std::vector<std::string> seen;
  auto a = scope.enter([&](const std::string& r) { seen.push_back("a:" + r); });
  scope.cancel_all("x");
  EXPECT_TRUE(scope.stopping());
  auto b = scope.enter([&](const std::string& r) { seen.push_back("b:" + r); });
  scope.leave(a);
  scope.leave(b);
  EXPECT_EQ(seen, (std::vector<std::string>{"a:x", "b:x"}));
  EXPECT_EQ(scope.running(), 0u);
}

} // namespace
} // namespace secexport::job

namespace secexport::job {
namespace {

TEST_F(daily_job_test, a_dry_run_plans_the_missing_days_and_exports_nothing) {
  store.save(ready_tenant("acme"));
  store.save(ready_tenant("beta"));
  store.save(ready_tenant("broken"));
  world.manifests["acme"] = {day("2026-11-22"), day("2026-11-24")};
  world.open_failure["broken"] = "AccessDenied on HeadObject";
  auto s = all_tenants(3);
  auto plans = plan_pass(s, select_tenants(s, store), now, factory);
  ASSERT_EQ(plans.size(), 3u);
  std::map<std::string, tenant_plan> by_tenant;
  for (auto& p : plans) by_tenant[p.tenant] = p;
  EXPECT_EQ(by_tenant["acme"].todo, std::vector<sys_days>{day("2026-11-23")});
  EXPECT_EQ(by_tenant["acme"].window.size(), 3u);
  EXPECT_FALSE(by_tenant["acme"].failure);
  EXPECT_EQ(by_tenant["beta"].todo.size(), 3u);
  ASSERT_TRUE(by_tenant["broken"].failure);
  EXPECT_NE(by_tenant["broken"].failure->message.find("AccessDenied"), std::string::npos);
  EXPECT_TRUE(world.exported.empty());
  s.force = true;
  plans = plan_pass(s, select_tenants(s, store), now, factory);
  for (const auto& p : plans)
    if (p.tenant == "acme") {
      EXPECT_EQ(p.todo.size(), 3u);
    }
}

TEST_F(daily_job_test, a_pass_counts_days_rows_failures_and_the_last_day_in_the_process_metrics) {
  auto& r = metrics::process_registry();
  store.save(ready_tenant("metrics-ok"));
  store.save(ready_tenant("metrics-bad"));
  world.manifests["metrics-ok"] = {day("2026-11-22")};
  world.day_failure[{"metrics-bad", day("2026-11-23")}] = "the source answered 500";
  (void)pass(all_tenants(2));
  const auto text = r.render();
  EXPECT_NE(text.find("secexport_exports_total{tenant=\"metrics-ok\",result=\"ok\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("secexport_exports_total{tenant=\"metrics-bad\",result=\"failed\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("secexport_rows_exported_total{tenant=\"metrics-ok\"} 20\n"), std::string::npos);
  EXPECT_NE(text.find("secexport_export_failures_total{tenant=\"metrics-bad\",reason=\"other\"} 1\n"),
            std::string::npos);
  // 2026-11-24T00:00:00Z, the newest day exported.
  EXPECT_NE(text.find("secexport_last_exported_day_timestamp_seconds{tenant=\"metrics-ok\"} 1795478400\n"),
            std::string::npos);
  EXPECT_NE(text.find("secexport_export_duration_seconds_count{tenant=\"metrics-ok\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE secexport_pass_end_timestamp_seconds gauge\nsecexport_pass_end_timestamp_seconds "),
            std::string::npos);
}

} // namespace
} // namespace secexport::job

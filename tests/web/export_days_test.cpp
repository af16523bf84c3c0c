// The exports list's pure parts: a manifest's summary, and the JSON of days and runs.
#include "web/export_days.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace {

using namespace secexport;
using namespace secexport::web;

TEST(export_days, reads_rows_bytes_and_finish_from_a_manifest) {
  auto d = parse_manifest_summary(R"({"manifest_version": 1, "rows": 1200, "bytes": 345678,
                                      "finished_at": "2026-11-23T00:03:12.345Z", "upload": {"retries": 0}})");
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->exported);
  EXPECT_EQ(d->rows, 1200u);
  EXPECT_EQ(d->bytes, 345678u);
  EXPECT_EQ(d->finished_at, "2026-11-23T00:03:12.345Z");
  EXPECT_FALSE(parse_manifest_summary("{}"));
  EXPECT_FALSE(parse_manifest_summary(R"({"rows": "1", "bytes": 2, "finished_at": "x"})"));
  EXPECT_FALSE(parse_manifest_summary("not json"));
}

TEST(export_days, days_and_runs_as_json) {
  day_status missing;
  missing.day = parse_iso_day("2026-11-22").value();
  missing.key = "security-events/acme/2026/11/22/security-events_acme_2026-11-22.csv";
  json_writer w;
  write_day_status(w, missing);
  EXPECT_EQ(w.str(), R"({"date":"2026-11-22","status":"missing","key":")" + missing.key + R"("})");

  export_run run;
  run.id = 3;
  run.tenant = "acme";
  run.day = missing.day;
  run.status = export_run::state::failed;
  run.error = "AccessDenied";
  json_writer w2;
  write_export_run(w2, run);
  EXPECT_NE(w2.str().find(R"("status":"failed")"), std::string::npos);
  EXPECT_NE(w2.str().find(R"("error":"AccessDenied")"), std::string::npos);
  EXPECT_NE(w2.str().find(R"("finished_at")"), std::string::npos);
}

TEST(export_runs, one_run_per_tenant_at_a_time_and_its_outcome_recorded) {
  std::mutex m;
  std::condition_variable cv;
  bool release = false;
  export_runs runs([&](const tenant::tenant_settings& t, sys_days, job::stop_scope&) {
    std::unique_lock l(m);
    cv.wait(l, [&] { return release; });
    job::tenant_outcome o;
    o.tenant = t.id;
    job::day_result d;
    d.ok = true;
    d.rows = 42;
    o.days.push_back(d);
    return o;
  });
  tenant::tenant_settings acme;
  acme.id = "acme";
  const auto day = parse_iso_day("2026-11-22").value();
  auto first = runs.start(acme, day);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, export_run::state::running);
  EXPECT_FALSE(runs.start(acme, day)) << "a second run of the same tenant is refused while one runs";
  {
    std::lock_guard l(m);
    release = true;
  }
  cv.notify_all();
  for (int i = 0; i < 500 && runs.find(first->id)->status == export_run::state::running; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto done = runs.find(first->id);
  EXPECT_EQ(done->status, export_run::state::succeeded);
  EXPECT_EQ(done->rows, 42u);
  EXPECT_EQ(runs.of_tenant("acme").size(), 1u);
  EXPECT_TRUE(runs.start(acme, day)) << "a new run once the first has finished";
  runs.stop();
}

} // namespace

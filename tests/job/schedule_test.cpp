// The daily job's decisions under a fake clock: next wake-up, catch-up days, shards. The
// host's time zone must not matter, so each case also runs under zones with DST changes.
#include "job/schedule.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

namespace {

using namespace secexport;
using namespace secexport::job;
using namespace std::chrono;

sys_us at(const char* rfc3339) { return *parse_rfc3339(rfc3339); }
sys_days day(const char* iso) { return *parse_iso_day(iso); }

// Runs the test body under several TZ values, restoring the original afterwards.
class under_time_zones : public ::testing::TestWithParam<const char*> {
protected:
  void SetUp() override {
    if (const char* tz = std::getenv("TZ")) saved_ = tz;
    ::setenv("TZ", GetParam(), 1);
    ::tzset();
  }
  void TearDown() override {
    if (saved_) ::setenv("TZ", saved_->c_str(), 1);
    else ::unsetenv("TZ");
    ::tzset();
  }
  std::optional<std::string> saved_;
};

TEST_P(under_time_zones, wakes_at_the_next_utc_midnight) {
  EXPECT_EQ(next_run_after(at("2026-11-24T23:59:58Z")), at("2026-11-25T00:00:00Z"));
  EXPECT_EQ(next_run_after(at("2026-11-25T00:00:00Z")), at("2026-11-26T00:00:00Z")) << "strictly after";
  EXPECT_EQ(next_run_after(at("2026-11-25T00:00:00.000001Z")), at("2026-11-26T00:00:00Z"));
  EXPECT_EQ(next_run_after(at("2026-11-24T23:59:58Z"), seconds(90)), at("2026-11-25T00:01:30Z"));
}

TEST_P(under_time_zones, dst_changes_in_the_host_zone_do_not_move_the_run) {
  // 2026-03-29 (Europe) and 2026-03-08 (US): local clocks jump; UTC days are still 24 h.
  EXPECT_EQ(next_run_after(at("2026-03-28T23:30:00Z")), at("2026-03-29T00:00:00Z"));
  EXPECT_EQ(next_run_after(at("2026-03-29T00:30:00Z")), at("2026-03-30T00:00:00Z"));
  EXPECT_EQ(next_run_after(at("2026-03-08T07:00:00Z")), at("2026-03-09T00:00:00Z"));
  EXPECT_EQ(next_run_after(at("2026-10-25T01:30:00Z")), at("2026-10-26T00:00:00Z"));
  EXPECT_EQ(previous_day(at("2026-03-29T00:00:00Z")), day("2026-03-28"));
  EXPECT_EQ(previous_day(at("2026-11-01T08:59:59Z")), day("2026-10-31"));
}

TEST_P(under_time_zones, leap_days_are_days) {
  EXPECT_EQ(next_run_after(at("2028-02-28T23:59:59Z")), at("2028-02-29T00:00:00Z"));
  EXPECT_EQ(next_run_after(at("2028-02-29T12:00:00Z")), at("2028-03-01T00:00:00Z"));
  EXPECT_EQ(previous_day(at("2028-03-01T00:00:05Z")), day("2028-02-29"));
  EXPECT_EQ(previous_day(at("2027-03-01T00:00:05Z")), day("2027-02-28"));
  auto w = catch_up_window(at("2028-03-02T00:00:01Z"), 3);
  EXPECT_EQ(w, (std::vector<sys_days>{day("2028-02-28"), day("2028-02-29"), day("2028-03-01")}));
}

INSTANTIATE_TEST_SUITE_P(zones, under_time_zones,
                         ::testing::Values("UTC", "Europe/Berlin", "America/New_York", "Pacific/Chatham",
                                           "Australia/Lord_Howe"));

TEST(catch_up, the_window_is_the_last_n_days_oldest_first_and_excludes_today) {
  auto w = catch_up_window(at("2027-01-02T00:00:00Z"), 7);
  ASSERT_EQ(w.size(), 7u);
  EXPECT_EQ(w.front(), day("2026-12-26"));
  EXPECT_EQ(w.back(), day("2027-01-01"));
  EXPECT_EQ(catch_up_window(at("2026-11-25T13:00:00Z"), 1), (std::vector<sys_days>{day("2026-11-24")}));
}

TEST(catch_up, exports_exactly_the_days_without_a_manifest_oldest_first) {
  auto w = catch_up_window(at("2026-11-25T00:00:01Z"), 7); // 18th .. 24th
  std::set<sys_days> done{day("2026-11-18"), day("2026-11-20"), day("2026-11-21"), day("2026-11-24")};
  EXPECT_EQ(days_to_export(w, done, false),
            (std::vector<sys_days>{day("2026-11-19"), day("2026-11-22"), day("2026-11-23")}));
  // After those exports every day has a manifest: the next run does nothing.
  for (auto d : w) done.insert(d);
  EXPECT_TRUE(days_to_export(w, done, false).empty());
  EXPECT_EQ(days_to_export(w, done, true), w) << "--force exports every day again";
}

TEST(catch_up, a_run_just_after_midnight_picks_up_the_day_that_just_ended) {
  std::set<sys_days> done;
  for (auto d : catch_up_window(at("2026-11-24T23:59:59Z"), 7)) done.insert(d); // all done before midnight
  auto after = catch_up_window(at("2026-11-25T00:00:00Z"), 7);
  EXPECT_EQ(days_to_export(after, done, false), (std::vector<sys_days>{day("2026-11-24")}));
}

TEST(shards, every_tenant_lands_in_exactly_one_shard_and_the_split_is_stable) {
  // FNV-1a 64 of "acme" is fixed forever: a changed hash would move tenants between workers.
  EXPECT_EQ(shard_of("acme", 1000), 0x0724d383f4f6de0full % 1000);
  std::vector<unsigned> counts(4);
  for (int i = 0; i < 4000; ++i) ++counts[shard_of("tenant-" + std::to_string(i), 4)];
  for (auto c : counts) EXPECT_GT(c, 850u) << "roughly even";
  EXPECT_EQ(shard_of("x", 1), 0u);
}

TEST(shards, parses_i_slash_n) {
  EXPECT_EQ(parse_shard("0/4"), (std::pair{0u, 4u}));
  EXPECT_EQ(parse_shard("3/4"), (std::pair{3u, 4u}));
  for (const char* bad : {"4/4", "1/0", "1", "/4", "1/", "a/4", "1/4x", "-1/4", ""})
    EXPECT_FALSE(parse_shard(bad)) << bad;
}

} // namespace

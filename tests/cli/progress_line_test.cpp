#include "cli/progress_line.hpp"

#include "base/log.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace secexport::cli {
namespace {

TEST(progress_line, counts_durations_and_eta_read_at_a_glance) {
  EXPECT_EQ(format_count(999), "999");
  EXPECT_EQ(format_count(12'345), "12.3 k");
  EXPECT_EQ(format_count(12'345'678), "12.35 M");
  EXPECT_EQ(format_eta(42.4), "42s");
  EXPECT_EQ(format_eta(185), "3m05s");
  EXPECT_EQ(format_eta(3725), "1h02m");
  EXPECT_FALSE(eta_of(0.001, 10)); // too early to tell
  EXPECT_FALSE(eta_of(0.5, 0.2));
  EXPECT_DOUBLE_EQ(*eta_of(0.25, 30), 90);
}

TEST(progress_line, an_export_shows_its_position_in_the_window_rate_and_eta) {
  exporter::progress_snapshot s{"tenant acme, 2026-11-22", 1'234'567, 456'700'000, 0.25, 30};
  EXPECT_EQ(export_progress_text(s),
            "tenant acme, 2026-11-22 · 25% of the window · 1.23 M rows · 456.7 MB · 15.2 MB/s · ETA 1m30s");
}

TEST(progress_line, the_daily_job_shows_days_done_and_each_running_export) {
  std::vector<exporter::progress_snapshot> running{{"tenant a, 2026-11-22", 100, 1'000'000, 0.5, 10},
                                                   {"tenant b, 2026-11-22", 50, 1'000'000, 0.1, 10}};
  EXPECT_EQ(run_progress_text(3, 1000, 8'000'000, running, 10),
            "days done 3, running 2 (tenant a, 2026-11-22 50% ETA 10s, tenant b, 2026-11-22 10% ETA 1m30s) · 1150 "
            "rows · 10.0 MB · 1.0 MB/s");
}

TEST(progress_line, an_upload_shows_a_fraction_only_when_the_size_is_known) {
  EXPECT_EQ(upload_progress_text(50'000'000, 200'000'000, 5),
            "uploading · 50.0 MB of 200.0 MB (25%) · 10.0 MB/s · ETA 15s");
  EXPECT_EQ(upload_progress_text(50'000'000, 0, 5), "uploading · 50.0 MB read · 10.0 MB/s");
}

TEST(progress_line, draws_while_alive_and_nothing_when_disabled) {
  std::atomic<int> calls{0};
  {
    progress_line off(false, [&] { return ++calls, std::string("x"); }, std::chrono::milliseconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(calls.load(), 0);
  {
    progress_line on(true, [&] { return ++calls, std::string("x"); }, std::chrono::milliseconds(1));
    while (calls.load() < 3) std::this_thread::yield();
  }
  const int after = calls.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(calls.load(), after); // stopped with the object
}

TEST(progress_line, a_run_shorter_than_one_period_is_still_drawn_once) {
  // An upload that ends within the first 250 ms still showed its line (the test on a terminal
  // missed it on a fast machine when the first draw waited one period).
  std::atomic<int> calls{0};
  { progress_line on(true, [&] { return ++calls, std::string("x"); }, std::chrono::hours(1)); }
  EXPECT_EQ(calls.load(), 1);
}

} // namespace
} // namespace secexport::cli

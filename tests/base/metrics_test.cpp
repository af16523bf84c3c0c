#include "base/metrics.hpp"

#include "support/scratch_dir.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

namespace secexport::metrics {
namespace {

TEST(metrics, renders_families_sorted_with_help_type_and_labels) {
  registry r;
  family b("test_b_total", "B things", "counter", {"tenant", "reason"}, r);
  family a("test_a", "A level", "gauge", {}, r);
  b.with({"acme", "denied"}).add(2);
  b.with({"acme", "denied"}).add(1);
  b.with({"beta", "transient"}).add(1);
  a.with().set(7.5);
  EXPECT_EQ(r.render(),
            "# HELP test_a A level\n# TYPE test_a gauge\ntest_a 7.5\n"
            "# HELP test_b_total B things\n# TYPE test_b_total counter\n"
            "test_b_total{tenant=\"acme\",reason=\"denied\"} 3\n"
            "test_b_total{tenant=\"beta\",reason=\"transient\"} 1\n");
  EXPECT_EQ(b.sum(), 4);
  EXPECT_EQ(b.value({"acme", "denied"}), 3);
  EXPECT_EQ(b.value({"nobody", "x"}), 0);
}

TEST(metrics, escapes_label_values_and_help_text) {
  registry r;
  family f("test_total", "line one\nback\\slash \"quoted\"", "counter", {"tenant"}, r);
  f.with({"a\"b\\c\nd"}).add(1);
  EXPECT_EQ(r.render(), "# HELP test_total line one\\nback\\\\slash \"quoted\"\n# TYPE test_total counter\n"
                        "test_total{tenant=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(metrics, a_family_with_no_series_still_says_what_it_is) {
  registry r;
  family f("test_failures_total", "Failures", "counter", {"tenant"}, r);
  EXPECT_EQ(r.render(), "# HELP test_failures_total Failures\n# TYPE test_failures_total counter\n");
}

TEST(metrics, histograms_have_cumulative_buckets_a_sum_and_a_count) {
  registry r;
  histogram h("test_seconds", "Durations", {1, 10}, {"tenant"}, r);
  h.observe({"acme"}, 0.5);
  h.observe({"acme"}, 1);   // on a bound: in that bucket (le)
  h.observe({"acme"}, 3);
  h.observe({"acme"}, 100);
  EXPECT_EQ(r.render(), "# HELP test_seconds Durations\n# TYPE test_seconds histogram\n"
                        "test_seconds_bucket{tenant=\"acme\",le=\"1\"} 2\n"
                        "test_seconds_bucket{tenant=\"acme\",le=\"10\"} 3\n"
                        "test_seconds_bucket{tenant=\"acme\",le=\"+Inf\"} 4\n"
                        "test_seconds_sum{tenant=\"acme\"} 104.5\n"
                        "test_seconds_count{tenant=\"acme\"} 4\n");
}

TEST(metrics, values_are_written_exactly_and_special_values_by_name) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(1795478400), "1795478400");
  EXPECT_EQ(format_value(0.1), "0.1");
  EXPECT_EQ(format_value(std::nan("")), "NaN");
  EXPECT_EQ(format_value(INFINITY), "+Inf");
  EXPECT_EQ(format_value(-INFINITY), "-Inf");
}

TEST(metrics, set_max_keeps_the_larger_value) {
  cell c;
  c.set_max(5);
  c.set_max(3);
  EXPECT_EQ(c.value(), 5);
}

TEST(metrics, concurrent_updates_all_count) {
  registry r;
  family f("test_total", "t", "counter", {"worker"}, r);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&f, t] {
      for (int i = 0; i < 10000; ++i) f.with({t % 2 ? "odd" : "even"}).add(1);
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(f.value({"even"}), 20000);
  EXPECT_EQ(f.value({"odd"}), 20000);
}

TEST(metrics, the_textfile_is_replaced_whole_and_a_bad_path_is_named) {
  testing::scratch_dir dir{"metrics"};
  registry r;
  family f("test_total", "t", "counter", {}, r);
  f.with().add(1);
  std::filesystem::create_directories(dir.path());
  const auto path = (dir.path() / "secexport.prom").string();
  ASSERT_TRUE(write_textfile(r, path));
  f.with().add(1);
  ASSERT_TRUE(write_textfile(r, path));
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "# HELP test_total t\n# TYPE test_total counter\ntest_total 2\n");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1); // no temporary left
  auto bad = write_textfile(r, (dir.path() / "missing-dir" / "x.prom").string());
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("missing-dir/x.prom"), std::string::npos) << bad.error().message;
}

} // namespace
} // namespace secexport::metrics

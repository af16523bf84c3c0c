// Drives slice_scheduler and event_order against a simulated cursor-paginated source with
// slow pages and a consumer of bounded speed: every event arrives exactly once and in order,
// memory stays within max_pages, nothing deadlocks, and concurrency turns into speed.
#include "source/event_order.hpp"
#include "source/slice_scheduler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <random>

namespace secexport::source {
namespace {

using std::chrono::microseconds;
constexpr std::int64_t day_us = 86'400'000'000LL;

sys_us day_start() { return sys_us{std::chrono::sys_days{std::chrono::year{2026} / 11 / 22}}; }

struct simulated_source {
  std::vector<event_key> events; // sorted by (time, id)
  std::vector<std::string> ids_storage;

  // The API: events in [start, end) after `cursor`, at most `limit`.
  page serve(const slice_fetch& f, unsigned limit) const {
    auto lo = std::lower_bound(events.begin(), events.end(), f.start,
                               [](const event_key& k, sys_us t) { return k.time < t; });
    auto hi = std::lower_bound(events.begin(), events.end(), f.end,
                               [](const event_key& k, sys_us t) { return k.time < t; });
    auto pos = f.cursor.empty() ? lo : events.begin() + std::stol(f.cursor);
    auto n = std::min<std::ptrdiff_t>(limit, hi - pos);
    page p;
    for (auto it = pos; it != pos + n; ++it) {
      source::event_view v;
      v.created_at = it->time;
      v.id = it->id;
      p.events.push_back(v);
    }
    if (pos + n < hi) p.next_cursor = std::to_string(pos + n - events.begin());
    p.slice = f.slice;
    p.cursor = f.cursor;
    p.request_start = f.start;
    p.request_end = f.end;
    p.after = f.after;
    return p;
  }
};

simulated_source make_source(std::vector<std::int64_t> offsets_us) {
  std::sort(offsets_us.begin(), offsets_us.end());
  simulated_source s;
  s.events.reserve(offsets_us.size());
  for (std::size_t i = 0; i < offsets_us.size(); ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "evt-%010zu", i);
    s.events.push_back({day_start() + microseconds(offsets_us[i]), id});
  }
  return s;
}

struct run_result {
  std::vector<event_key> delivered;
  std::uint64_t events_read = 0; // events in every page fetched, re-reads included
  double elapsed = 0;          // simulated milliseconds
  unsigned max_pages_in_use = 0;
  unsigned max_in_flight = 0;
  std::uint64_t requests = 0;
  std::uint64_t splits = 0;
};

// Discrete-event simulation: requests take `latency_ms` (+- jitter); the consumer spends
// `consume_ms` per page.
run_result simulate(const simulated_source& source, scheduler_settings settings, double latency_ms,
                    double consume_ms, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> jitter(0.5, 1.5);
  slice_scheduler sched(settings);
  event_order order(settings.start, settings.end);
  std::multimap<double, slice_fetch> in_flight;
  std::map<std::uint32_t, std::deque<page>> pending;
  std::deque<page> consumer_queue;
  double now = 0, consumer_free = 0;
  bool consumer_busy = false;
  page current;
  run_result r;
  for (int step = 0; step < 10'000'000; ++step) {
    while (auto f = sched.next_fetch()) {
      in_flight.emplace(now + latency_ms * jitter(rng), *f);
      ++r.requests;
    }
    r.max_pages_in_use = std::max(r.max_pages_in_use, sched.pages_in_use());
    r.max_in_flight = std::max(r.max_in_flight, sched.in_flight());
    while (auto h = sched.head()) { // deliver in slice order
      for (auto& p : pending[*h]) {
        p.slice_end = sched.slice_end(*h);
        consumer_queue.push_back(std::move(p));
      }
      pending.erase(*h);
      if (!sched.head_complete()) break;
      sched.advance_head();
    }
    if (!consumer_busy && !consumer_queue.empty()) {
      current = std::move(consumer_queue.front());
      consumer_queue.pop_front();
      consumer_busy = true;
      consumer_free = now + consume_ms;
    }
    if (sched.finished() && !consumer_busy && consumer_queue.empty() && pending.empty()) break;
    // Next event: a response or the consumer finishing its page.
    double next_response = in_flight.empty() ? 1e300 : in_flight.begin()->first;
    double next_consume = consumer_busy ? consumer_free : 1e300;
    if (next_response == 1e300 && next_consume == 1e300) {
      ADD_FAILURE() << "deadlock: nothing in flight, nothing to consume, not finished";
      break;
    }
    if (next_response <= next_consume) {
      now = next_response;
      auto f = in_flight.begin()->second;
      in_flight.erase(in_flight.begin());
      auto p = source.serve(f, settings.page_limit);
      r.events_read += p.events.size();
      page_summary sum;
      sum.events = p.events.size();
      if (!p.events.empty()) {
        sum.first = event_key{p.events.front().created_at, std::string(p.events.front().id)};
        sum.last = event_key{p.events.back().created_at, std::string(p.events.back().id)};
      }
      sum.has_next = p.next_cursor.has_value();
      sum.next_cursor = p.next_cursor.value_or("");
      sched.on_page(f, sum);
      pending[f.slice].push_back(std::move(p));
    } else {
      now = next_consume;
      for (const auto& e : current.events) {
        auto v = order.admit(e, current);
        if (v == event_verdict::out_of_order || v == event_verdict::duplicate || v == event_verdict::outside_request) {
          ADD_FAILURE() << "verdict " << static_cast<int>(v) << " for " << e.id << " at "
                        << format_rfc3339(e.created_at) << " in slice " << current.slice << " cursor '"
                        << current.cursor << "' request [" << format_rfc3339(current.request_start) << ", "
                        << format_rfc3339(current.request_end) << ") slice_end " << format_rfc3339(current.slice_end)
                        << " after " << (current.after ? current.after->id : "-") << " last "
                        << (order.last() ? order.last()->id + " " + format_rfc3339(order.last()->time) : "-");
          return r;
        }
        if (v == event_verdict::keep) r.delivered.push_back({e.created_at, std::string(e.id)});
      }
      sched.on_consumed(current.slice);
      consumer_busy = false;
    }
  }
  r.elapsed = now;
  r.splits = sched.splits();
  return r;
}

scheduler_settings settings(unsigned concurrency, unsigned limit = 1000, unsigned ahead = 2, unsigned max_pages = 32) {
  scheduler_settings s;
  s.start = day_start();
  s.end = day_start() + microseconds(day_us);
  s.concurrency = concurrency;
  s.page_limit = limit;
  s.ahead_pages = ahead;
  s.max_pages = max_pages;
  return s;
}

std::vector<std::int64_t> uniform(std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::int64_t> v(n);
  for (auto& x : v) x = static_cast<std::int64_t>(rng() % day_us);
  return v;
}

void expect_exactly_once_in_order(const simulated_source& src, const run_result& r) {
  ASSERT_EQ(r.delivered.size(), src.events.size());
  for (std::size_t i = 0; i < src.events.size(); ++i) ASSERT_EQ(r.delivered[i], src.events[i]) << "event " << i;
}

TEST(slice_scheduler, every_event_once_and_in_order_for_every_concurrency) {
  auto src = make_source(uniform(50'000, 1));
  for (unsigned k : {1u, 2u, 4u, 8u, 16u}) {
    SCOPED_TRACE(k);
    auto r = simulate(src, settings(k), 50, 1);
    expect_exactly_once_in_order(src, r);
    EXPECT_LE(r.max_pages_in_use, 32u);
    EXPECT_LE(r.max_in_flight, k);
  }
}

TEST(slice_scheduler, slow_pages_are_fetched_concurrently_so_throughput_grows_with_concurrency) {
  auto src = make_source(uniform(200'000, 2)); // 200 pages of 1000
  double t1 = simulate(src, settings(1), 50, 0.5).elapsed;
  double t4 = simulate(src, settings(4), 50, 0.5).elapsed;
  auto r8 = simulate(src, settings(8), 50, 0.5);
  double t16 = simulate(src, settings(16, 1000, 2, 52), 50, 0.5).elapsed;
  EXPECT_GT(t1, 200 * 50 * 0.9); // one page per round trip
  EXPECT_LT(t4, t1 / 3);
  EXPECT_LT(r8.elapsed, t1 / 5.5);
  EXPECT_LT(t16, t1 / 6);
  EXPECT_GT(r8.splits, 10u);
  // Slices near the consumer are sized to fill about three quarters of a page.
  EXPECT_LT(r8.requests, 200u * 3 / 2) << "splitting should cost few extra requests";
  EXPECT_LT(r8.events_read, 200'000u * 108 / 100) << "splitting should re-read few events";
  RecordProperty("t1_ms", static_cast<int>(t1));
  RecordProperty("t8_ms", static_cast<int>(r8.elapsed));
}

TEST(slice_scheduler, a_slow_consumer_bounds_memory) {
  auto src = make_source(uniform(60'000, 3));
  auto r = simulate(src, settings(8, 1000, 2, 12), 5, 40);
  expect_exactly_once_in_order(src, r);
  EXPECT_LE(r.max_pages_in_use, 12u);
}

TEST(slice_scheduler, skewed_days_bursts_ties_and_edges) {
  std::vector<std::int64_t> offsets;
  for (int i = 0; i < 30'000; ++i) offsets.push_back(3'600'000'000LL + i); // a dense hour-long burst start
  for (int i = 0; i < 7'000; ++i) offsets.push_back(40'000'000'000LL);     // 7000 events in one microsecond
  offsets.push_back(0);                                                      // 00:00:00.000000
  offsets.push_back(day_us - 1);                                             // 23:59:59.999999
  auto more = uniform(5'000, 4);
  offsets.insert(offsets.end(), more.begin(), more.end());
  auto src = make_source(offsets);
  for (unsigned k : {1u, 3u, 8u}) {
    for (unsigned ahead : {1u, 2u, 4u}) {
      SCOPED_TRACE(testing::Message() << "k=" << k << " ahead=" << ahead);
      auto r = simulate(src, settings(k, 500, ahead, 24), 30, 1, k * 10 + ahead);
      expect_exactly_once_in_order(src, r);
    }
  }
}

TEST(slice_scheduler, empty_and_tiny_days) {
  for (std::size_t n : {0u, 1u, 2u, 999u, 1000u, 1001u}) {
    SCOPED_TRACE(n);
    auto src = make_source(uniform(n, 5));
    auto r = simulate(src, settings(8), 20, 1);
    expect_exactly_once_in_order(src, r);
  }
}

TEST(slice_scheduler, random_sources_and_settings) {
  std::mt19937 rng(99);
  for (int round = 0; round < 40; ++round) {
    std::vector<std::int64_t> offsets;
    int clusters = 1 + rng() % 5;
    for (int c = 0; c < clusters; ++c) {
      auto center = static_cast<std::int64_t>(rng() % day_us);
      auto width = static_cast<std::int64_t>(1 + rng() % 100'000'000);
      int n = rng() % 8000;
      for (int i = 0; i < n; ++i) offsets.push_back(std::clamp<std::int64_t>(center + static_cast<std::int64_t>(rng() % width), 0, day_us - 1));
    }
    auto src = make_source(offsets);
    unsigned k = 1 + rng() % 12, limit = 50 + rng() % 800, ahead = 1 + rng() % 3;
    unsigned max_pages = ahead + 2 + rng() % 30;
    SCOPED_TRACE(testing::Message() << "round " << round << " k=" << k << " limit=" << limit << " ahead=" << ahead
                                    << " max_pages=" << max_pages);
    auto r = simulate(src, settings(k, limit, ahead, max_pages), 1 + rng() % 50, (rng() % 20) / 10.0, round);
    expect_exactly_once_in_order(src, r);
    EXPECT_LE(r.max_pages_in_use, std::max(max_pages, ahead + 2));
  }
}

} // namespace
} // namespace secexport::source

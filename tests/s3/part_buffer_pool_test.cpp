#include "s3/part_buffer_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>

namespace secexport::s3 {
namespace {

constexpr std::size_t kib = 1024;

TEST(part_buffer_pool, reuses_buffers_and_never_exceeds_the_budget) {
  part_buffer_pool pool(100 * kib);
  auto a = pool.acquire(40 * kib);
  auto b = pool.acquire(40 * kib);
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(pool.try_acquire(40 * kib)); // 120 KiB would exceed 100
  auto small = pool.try_acquire(20 * kib);
  EXPECT_TRUE(small);
  small.reset();
  a.reset(); // destruction returns the buffer
  auto c = pool.try_acquire(30 * kib);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->capacity(), 40 * kib); // the freed 40 KiB buffer, reused
  EXPECT_LE(pool.stats().peak_allocated, 100 * kib);
  EXPECT_EQ(pool.stats().allocations, 3u);
}

TEST(part_buffer_pool, limits_the_number_of_buffers_out_at_once) {
  part_buffer_pool pool(100 * kib, 2);
  auto a = pool.acquire(10 * kib), b = pool.acquire(10 * kib);
  EXPECT_FALSE(pool.try_acquire(10 * kib)); // budget left, but two buffers are out
  a.reset();
  EXPECT_TRUE(pool.try_acquire(10 * kib));
}

TEST(part_buffer_pool, reserve_takes_the_whole_footprint_once_within_both_limits) {
  part_buffer_pool pool(100 * kib, 4);
  auto first = pool.acquire(16 * kib);
  pool.reserve(16 * kib); // up to 4 buffers in all, the one out included
  EXPECT_EQ(pool.stats().allocated, 64 * kib);
  EXPECT_EQ(pool.stats().allocations, 4u);
  {
    auto a = pool.acquire(16 * kib), b = pool.acquire(16 * kib), c = pool.acquire(16 * kib);
    ASSERT_TRUE(a && b && c);
    EXPECT_EQ(pool.stats().allocations, 4u) << "no mapping after reserve";
  }
  pool.reserve(16 * kib);
  EXPECT_EQ(pool.stats().allocated, 64 * kib) << "reserve is idempotent";

  part_buffer_pool tight(50 * kib, 8);
  tight.reserve(16 * kib);
  EXPECT_EQ(tight.stats().allocated, 48 * kib) << "the budget binds before the buffer count";
}

TEST(part_buffer_pool, frees_idle_small_buffers_when_parts_grow) {
  part_buffer_pool pool(100 * kib);
  { auto a = pool.acquire(30 * kib), b = pool.acquire(30 * kib), c = pool.acquire(30 * kib); }
  EXPECT_EQ(pool.stats().allocated, 90 * kib);
  auto big = pool.acquire(60 * kib); // must unmap idle 30 KiB buffers to fit
  ASSERT_TRUE(big);
  EXPECT_LE(pool.stats().allocated, 100 * kib);
}

TEST(part_buffer_pool, a_blocked_acquire_wakes_on_release_and_on_close) {
  part_buffer_pool pool(64 * kib);
  auto held = pool.acquire(64 * kib);
  std::atomic<bool> got{false};
  std::thread waiter([&] { got = pool.acquire(64 * kib).has_value(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(got);
  held.reset();
  waiter.join();
  EXPECT_TRUE(got);
  EXPECT_EQ(pool.stats().waits, 1u);

  auto again = pool.acquire(64 * kib);
  std::optional<part_buffer> result{part_buffer{}};
  std::thread closed([&] { result = pool.acquire(64 * kib); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  pool.close();
  closed.join();
  EXPECT_FALSE(result);
  EXPECT_FALSE(pool.acquire(1));
}

TEST(part_buffer_pool, concurrent_producer_and_releaser_stay_within_budget) {
  part_buffer_pool pool(256 * kib);
  std::vector<part_buffer> in_flight;
  std::mutex m;
  std::atomic<bool> done{false};
  std::thread releaser([&] {
    std::mt19937 rng(1);
    for (;;) {
      std::lock_guard lock(m);
      if (in_flight.empty()) {
        if (done) break;
        continue;
      }
      in_flight.erase(in_flight.begin() + static_cast<long>(rng() % in_flight.size()));
    }
  });
  std::mt19937 rng(2);
  for (int i = 0; i < 2000; ++i) {
    auto b = pool.acquire((1 + rng() % 8) * 16 * kib);
    ASSERT_TRUE(b);
    std::memset(b->data(), 1, b->capacity());
    std::lock_guard lock(m);
    in_flight.push_back(std::move(*b));
  }
  done = true;
  releaser.join();
  EXPECT_LE(pool.stats().peak_allocated, 256 * kib);
}

} // namespace
} // namespace secexport::s3

#include "s3/part_size_policy.hpp"

#include "s3/error.hpp"

#include <gtest/gtest.h>

namespace secexport::s3 {
namespace {

constexpr std::uint64_t tib = 1ull << 40;

part_size_policy make(std::uint64_t part, std::uint64_t budget, unsigned concurrency = 8, bool fixed = false) {
  return part_size_policy::make({part, budget, concurrency, fixed}).value();
}

TEST(part_size_policy, a_5_tib_stream_fits_in_10000_parts_starting_at_8_mib) {
  auto p = make(8 * mib, 4 * gib + 8 * mib);
  EXPECT_GE(p.max_object_size(), 5 * tib);
  std::uint64_t total = 0;
  std::uint32_t parts = 0;
  while (total < 5 * tib) total += p.size_of(++parts);
  EXPECT_LE(parts, s3_max_parts);
  EXPECT_EQ(p.size_of(1), 8 * mib);
  EXPECT_EQ(p.size_of(4000), 8 * mib) << "31 GiB at the first size: memory is flat for any day";
  EXPECT_EQ(p.size_of(4001), 16 * mib);
  EXPECT_EQ(p.size_of(4500), 16 * mib);
  EXPECT_EQ(p.size_of(4501), 32 * mib);
  EXPECT_LE(p.largest_part(), s3_max_part_size);
}

TEST(part_size_policy, the_default_budget_covers_far_more_than_a_day_of_events) {
  auto p = make(8 * mib, 256 * mib);
  EXPECT_GE(p.max_object_size(), 600 * gib); // a day of 10^8 events is about 40 GiB
  EXPECT_EQ(p.largest_part(), 128 * mib);
}

TEST(part_size_policy, fixed_mode_keeps_parts_equal) {
  auto p = make(16 * mib, 64 * mib, 8, true);
  for (std::uint32_t n : {1u, 999u, 1001u, 5000u, 10000u}) EXPECT_EQ(p.size_of(n), 16 * mib);
  EXPECT_EQ(p.max_object_size(), 10000 * 16 * mib);
}

// Every combination the CLI accepts keeps (parts in flight + the one being filled) x part
// size within the budget, for every part number, and can always make progress.
TEST(part_size_policy, memory_stays_within_the_budget_for_every_accepted_combination) {
  int accepted = 0, refused = 0;
  for (std::uint64_t part : {5 * mib, 8 * mib, 16 * mib, 100 * mib, 1 * gib, 5 * gib})
    for (std::uint64_t budget : {5 * mib, 10 * mib, 16 * mib, 64 * mib, 256 * mib, 1 * gib, 4 * gib, 16 * gib})
      for (unsigned concurrency : {1u, 2u, 8u, 64u, 256u})
        for (bool fixed : {false, true}) {
          auto p = part_size_policy::make({part, budget, concurrency, fixed});
          if (!p) {
            ++refused;
            EXPECT_FALSE(p.error().message.empty());
            EXPECT_EQ(p.error().code, errc::bad_part_settings);
            EXPECT_TRUE(p.error().is(condition::bad_input));
            EXPECT_LT(budget, 2 * part) << p.error().message;
            continue;
          }
          ++accepted;
          EXPECT_LE(2 * p->largest_part(), budget);
          for (std::uint32_t n = 1; n <= s3_max_parts; n += 97) {
            auto size = p->size_of(n);
            ASSERT_GE(size, part);
            ASSERT_LE(size, p->largest_part());
            ASSERT_GE(size, p->size_of(n > 1 ? n - 1 : 1)); // never shrinks
            auto in_flight = p->in_flight_limit(n);
            ASSERT_GE(in_flight, 1u);
            ASSERT_LE(in_flight, concurrency);
            ASSERT_LE((in_flight + 1) * size, budget) << "part " << n;
          }
        }
  EXPECT_GT(accepted, 100);
  EXPECT_GT(refused, 10);
}

TEST(part_size_policy, refuses_what_cannot_work_with_a_reason) {
  auto small = part_size_policy::make({4 * mib, 64 * mib, 8, false});
  ASSERT_FALSE(small);
  EXPECT_NE(small.error().message.find("5 MiB"), std::string::npos);
  EXPECT_FALSE(part_size_policy::make({6 * gib, 64 * gib, 8, false}));
  auto tight = part_size_policy::make({8 * mib, 10 * mib, 8, false});
  ASSERT_FALSE(tight);
  EXPECT_NE(tight.error().message.find("at least 16 MiB"), std::string::npos) << tight.error().message;
  EXPECT_FALSE(part_size_policy::make({8 * mib, 256 * mib, 0, false}));
}

} // namespace
} // namespace secexport::s3

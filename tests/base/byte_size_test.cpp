#include "base/byte_size.hpp"

#include <gtest/gtest.h>

namespace secexport {
namespace {

TEST(byte_size, parses_binary_units_case_insensitively) {
  EXPECT_EQ(parse_byte_size("65536"), 65536u);
  EXPECT_EQ(parse_byte_size("8MiB"), 8u << 20);
  EXPECT_EQ(parse_byte_size("8m"), 8u << 20);
  EXPECT_EQ(parse_byte_size("8 MB"), 8u << 20);
  EXPECT_EQ(parse_byte_size("1GiB"), 1u << 30);
  EXPECT_EQ(parse_byte_size("5TiB"), 5ull << 40);
  EXPECT_EQ(parse_byte_size("12K"), 12u << 10);
  EXPECT_EQ(parse_byte_size("3b"), 3u);
}

TEST(byte_size, rejects_garbage_negative_and_overflow) {
  for (auto t : {"", "MiB", "-1", "1.5GiB", "8 parsecs", "99999999999999999999", "16777216TiB"})
    EXPECT_FALSE(parse_byte_size(t)) << t;
}

TEST(byte_size, formats_for_people) {
  EXPECT_EQ(format_byte_size(100), "100 B");
  EXPECT_EQ(format_byte_size(8u << 20), "8 MiB");
  EXPECT_EQ(format_byte_size(1536), "1.5 KiB");
  EXPECT_EQ(format_byte_size(5ull << 40), "5 TiB");
}

} // namespace
} // namespace secexport

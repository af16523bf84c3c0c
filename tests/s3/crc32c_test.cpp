#include "s3/crc32c.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace secexport::s3 {
namespace {

TEST(crc32c, known_answers) {
  EXPECT_EQ(crc32c(0, "123456789", 9), 0xE3069283u); // the standard check value
  EXPECT_EQ(crc32c(0, "", 0), 0u);
  std::string zeros(32, '\0');
  EXPECT_EQ(crc32c(0, zeros.data(), zeros.size()), 0x8A9136AAu); // RFC 3720 B.4
  std::string ff(32, '\xff');
  EXPECT_EQ(crc32c(0, ff.data(), ff.size()), 0x62A8AB43u);
  EXPECT_EQ(crc32c_base64(0xE3069283u), "4waSgw==");
}

TEST(crc32c, hardware_and_portable_agree_for_every_length_and_alignment_and_chain) {
  std::mt19937 rng(7);
  std::string data(4096 + 64, '\0');
  for (auto& c : data) c = static_cast<char>(rng());
  for (std::size_t offset = 0; offset < 8; ++offset)
    for (std::size_t len = 0; len < 300; ++len)
      ASSERT_EQ(crc32c(0, data.data() + offset, len), crc32c_portable(0, data.data() + offset, len));
  auto whole = crc32c(0, data.data(), data.size());
  for (std::size_t split : {1u, 7u, 8u, 1000u, 4095u}) {
    auto part = crc32c(crc32c(0, data.data(), split), data.data() + split, data.size() - split);
    EXPECT_EQ(part, whole) << split;
  }
}

TEST(crc32c, interleaved_stretches_join_correctly_at_every_block_edge) {
  // The fast path hashes 3 x 8192 and 3 x 256 byte blocks in three chains and joins them;
  // lengths on either side of each block edge exercise every join and every tail.
  std::mt19937 rng(11);
  std::string data(2 * 3 * 8192 + 3 * 256 + 64, '\0');
  for (auto& c : data) c = static_cast<char>(rng());
  for (std::size_t edge : {3u * 256, 3u * 8192, 3u * 8192 + 3 * 256, 2u * 3 * 8192 + 3 * 256})
    for (std::size_t len = edge - 9; len <= edge + 9; ++len)
      for (std::size_t offset : {0u, 3u}) {
        ASSERT_EQ(crc32c(0x12345678u, data.data() + offset, len),
                  crc32c_portable(0x12345678u, data.data() + offset, len))
            << "length " << len << " offset " << offset;
      }
}

} // namespace
} // namespace secexport::s3

#include "s3/crc32c.hpp"

#include "base/crypto.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace secexport::s3 {
namespace {

constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto table = make_table();

#if defined(__x86_64__)
// One crc32 instruction retires per cycle but its result is ready only three cycles later, so
// a single chain of them runs at a third of the unit's speed. Three independent chains over
// three equal stretches keep it busy; the stretches' CRCs are then joined with the
// "append n zero bytes" operator, which is linear in the CRC and so is four table lookups.

__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42_serial(std::uint32_t c, const unsigned char* p,
                                                                     std::size_t n) noexcept {
  std::uint64_t c64 = c;
  while (n >= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    c64 = _mm_crc32_u64(c64, v);
    p += 8;
    n -= 8;
  }
  c = static_cast<std::uint32_t>(c64);
  while (n--) c = _mm_crc32_u8(c, *p++);
  return c;
}

/// The raw (uninverted) CRC register after `bytes` zero bytes, as a linear map of the register.
struct zero_shift {
  std::array<std::array<std::uint32_t, 256>, 4> t{};

  explicit zero_shift(std::size_t bytes) {
    std::array<std::uint32_t, 32> basis{};
    const std::array<unsigned char, 64> zeros{};
    for (int bit = 0; bit < 32; ++bit) {
      std::uint32_t c = 1u << bit;
      for (std::size_t left = bytes; left;) {
        auto step = std::min(left, zeros.size());
        c = crc32c_sse42_serial(c, zeros.data(), step);
        left -= step;
      }
      basis[bit] = c;
    }
    for (int k = 0; k < 4; ++k)
      for (std::uint32_t b = 0; b < 256; ++b) {
        std::uint32_t v = 0;
        for (int bit = 0; bit < 8; ++bit)
          if (b & (1u << bit)) v ^= basis[8 * k + bit];
        t[k][b] = v;
      }
  }
  std::uint32_t operator()(std::uint32_t c) const noexcept {
    return t[0][c & 0xFF] ^ t[1][(c >> 8) & 0xFF] ^ t[2][(c >> 16) & 0xFF] ^ t[3][c >> 24];
  }
};

/// Consumes as many whole blocks of three `stretch`-byte stretches as `n` holds.
__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42_3way(std::uint32_t c, const unsigned char*& p,
                                                                   std::size_t& n, std::size_t stretch,
                                                                   const zero_shift& shift) noexcept {
  while (n >= 3 * stretch) {
    std::uint64_t c0 = c, c1 = 0, c2 = 0;
    const unsigned char* a = p;
    const unsigned char* b = p + stretch;
    const unsigned char* d = p + 2 * stretch;
    for (std::size_t i = 0; i < stretch; i += 8) {
      std::uint64_t va, vb, vd;
      std::memcpy(&va, a + i, 8);
      std::memcpy(&vb, b + i, 8);
      std::memcpy(&vd, d + i, 8);
      c0 = _mm_crc32_u64(c0, va);
      c1 = _mm_crc32_u64(c1, vb);
      c2 = _mm_crc32_u64(c2, vd);
    }
    c = shift(shift(static_cast<std::uint32_t>(c0)) ^ static_cast<std::uint32_t>(c1)) ^
        static_cast<std::uint32_t>(c2);
    p += 3 * stretch;
    n -= 3 * stretch;
  }
  return c;
}

constexpr std::size_t long_stretch = 8192; // three of them fit the 64 KiB chunks part_writer hashes
constexpr std::size_t short_stretch = 256;

std::uint32_t crc32c_sse42(std::uint32_t crc, const unsigned char* p, std::size_t n) noexcept {
  static const zero_shift long_shift(long_stretch);
  static const zero_shift short_shift(short_stretch);
  std::uint32_t c = ~crc;
  c = crc32c_sse42_3way(c, p, n, long_stretch, long_shift);
  c = crc32c_sse42_3way(c, p, n, short_stretch, short_shift);
  return ~crc32c_sse42_serial(c, p, n);
}
#endif

} // namespace

std::uint32_t crc32c_portable(std::uint32_t crc, const void* data, std::size_t size) noexcept {
  auto p = static_cast<const unsigned char*>(data);
  crc = ~crc;
  while (size--) crc = table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

bool crc32c_hardware_available() noexcept {
#if defined(__x86_64__)
  static const bool has = __builtin_cpu_supports("sse4.2");
  return has;
#else
  return false;
#endif
}

std::uint32_t crc32c(std::uint32_t crc, const void* data, std::size_t size) noexcept {
#if defined(__x86_64__)
  if (crc32c_hardware_available()) return crc32c_sse42(crc, static_cast<const unsigned char*>(data), size);
#endif
  return crc32c_portable(crc, data, size);
}

std::string crc32c_base64(std::uint32_t crc) {
  std::array<std::uint8_t, 4> be{static_cast<std::uint8_t>(crc >> 24), static_cast<std::uint8_t>(crc >> 16),
                                 static_cast<std::uint8_t>(crc >> 8), static_cast<std::uint8_t>(crc)};
  return base64_encode(be);
}

} // namespace secexport::s3

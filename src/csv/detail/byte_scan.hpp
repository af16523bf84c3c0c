// 16-bytes-at-a-time searches for the few bytes CSV and JSON care about (SSE2, which every
// x86-64 CPU has; a byte loop elsewhere). Internal to the row encoder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace secexport::csv::detail {

/// A set of up to four bytes to look for.
struct byte_set {
  char a, b, c, d;
};

#if defined(__SSE2__)
inline unsigned match_mask(__m128i v, const byte_set& s) noexcept {
  __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(s.a)), _mm_cmpeq_epi8(v, _mm_set1_epi8(s.b))),
                           _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(s.c)), _mm_cmpeq_epi8(v, _mm_set1_epi8(s.d))));
  return static_cast<unsigned>(_mm_movemask_epi8(m));
}
#endif

inline bool in_set(char ch, const byte_set& s) noexcept { return ch == s.a || ch == s.b || ch == s.c || ch == s.d; }

/// Index of the first byte of [p, p+n) in `s`, or n.
inline std::size_t find_first(const char* p, std::size_t n, const byte_set& s) noexcept {
  std::size_t i = 0;
#if defined(__SSE2__)
  for (; i + 16 <= n; i += 16) {
    unsigned m = match_mask(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)), s);
    if (m) return i + static_cast<std::size_t>(__builtin_ctz(m));
  }
#endif
  for (; i < n; ++i)
    if (in_set(p[i], s)) return i;
  return n;
}

/// Copies [p, p+n) to `out` up to (not including) the first byte in `s`; returns how many
/// bytes were copied. May write up to 15 bytes past the copied ones (within out's room for n).
inline std::size_t copy_until(const char* p, std::size_t n, const byte_set& s, char* out) noexcept {
  std::size_t i = 0;
#if defined(__SSE2__)
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), v);
    unsigned m = match_mask(v, s);
    if (m) return i + static_cast<std::size_t>(__builtin_ctz(m));
  }
#endif
  for (; i < n; ++i) {
    if (in_set(p[i], s)) return i;
    out[i] = p[i];
  }
  return n;
}

/// As copy_until, stopping at '"' or at any byte <= 0x20 (JSON whitespace outside strings).
inline std::size_t copy_until_quote_or_space(const char* p, std::size_t n, char* out) noexcept {
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), space = _mm_set1_epi8(0x20);
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), v);
    __m128i low = _mm_cmpeq_epi8(_mm_max_epu8(v, space), space); // v <= 0x20, unsigned
    unsigned m = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(low, _mm_cmpeq_epi8(v, quote))));
    if (m) return i + static_cast<std::size_t>(__builtin_ctz(m));
  }
#endif
  for (; i < n; ++i) {
    auto c = static_cast<unsigned char>(p[i]);
    if (c <= 0x20 || c == '"') return i;
    out[i] = p[i];
  }
  return n;
}

} // namespace secexport::csv::detail

// The hash every generated value is derived from. Generated events are a pure function of
// their inputs (seed, tenant, day, index, events per day), so nothing here keeps state: a
// value is `mix(key, a, b, ...)` of the things it depends on. SplitMix64's finaliser: fast,
// well distributed, and identical on every platform (no std::*_distribution, whose results
// are implementation-defined).
#pragma once

#include <cstdint>
#include <iterator>
#include <string_view>

namespace secexport::event_source {

[[nodiscard]] constexpr std::uint64_t mix(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

template <class... Rest>
[[nodiscard]] constexpr std::uint64_t mix(std::uint64_t a, std::uint64_t b, Rest... rest) noexcept {
  std::uint64_t h = mix(a ^ mix(b));
  if constexpr (sizeof...(rest) == 0) return h;
  else return mix(h, static_cast<std::uint64_t>(rest)...);
}

/// FNV-1a of a name (the tenant), to fold it into a key.
[[nodiscard]] constexpr std::uint64_t hash_name(std::string_view s) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

/// A small deterministic random sequence for building the pool of event bodies at start-up.
class sequence_rng {
public:
  explicit constexpr sequence_rng(std::uint64_t seed) noexcept : state_(seed) {}

  constexpr std::uint64_t next() noexcept { return mix(state_++); }
  /// Uniform-enough in [0, n); n > 0.
  constexpr std::uint64_t below(std::uint64_t n) noexcept { return next() % n; }
  /// True with probability percent/100.
  constexpr bool chance(unsigned percent) noexcept { return below(100) < percent; }
  template <class Array>
  constexpr const auto& pick(const Array& a) noexcept { return a[below(std::size(a))]; }

private:
  std::uint64_t state_;
};

} // namespace secexport::event_source

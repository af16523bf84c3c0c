// How big each part of a multipart upload is, for a stream whose length is not known in
// advance, under a memory budget.
//
// Parts keep the initial size for the first `steady_parts` parts (31 GiB at 8 MiB: memory
// stays flat for any day's export), then double every `growth_interval` parts, capped at the
// largest part that lets two buffers fit in the budget (one being filled, one in flight) and
// at S3's 5 GiB; so the 10,000-part limit binds only for streams far beyond a day's export
// (5 TiB fits with a 4 GiB budget). The
// strict mode keeps every part (but the last) the same size, for stores that require it.
// `make` refuses combinations that cannot work and says why.
#pragma once

#include "base/error.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace secexport::s3 {

inline constexpr std::uint64_t mib = 1ull << 20;
inline constexpr std::uint64_t gib = 1ull << 30;
inline constexpr std::uint64_t s3_min_part_size = 5 * mib; // every part but the last
inline constexpr std::uint64_t s3_max_part_size = 5 * gib;
inline constexpr std::uint32_t s3_max_parts = 10'000;

struct part_size_settings {
  std::uint64_t part_size = 8 * mib;   // --part-size: the first part's size
  std::uint64_t memory_budget = 256 * mib; // --max-memory share for part buffers
  unsigned concurrency = 8;            // --concurrency: parts in flight
  bool fixed = false;                  // --fixed-part-size
  std::uint32_t growth_interval = 500;
  std::uint32_t max_parts = s3_max_parts; // lowered only by tests
  std::uint32_t steady_parts = 4000;      // parts before the first doubling
};

class part_size_policy {
public:
  /// s3::errc::bad_part_settings (naming the flag to change) for combinations that cannot
  /// fit the budget.
  [[nodiscard]] static result<part_size_policy> make(const part_size_settings& s);

  /// Size of part `number` (1-based), including the last only as an upper bound.
  [[nodiscard]] std::uint64_t size_of(std::uint32_t number) const noexcept;
  /// The largest stream that fits in s3_max_parts parts.
  [[nodiscard]] std::uint64_t max_object_size() const noexcept;
  /// Parts that can be in flight while one more is filled, at the part size of `number`.
  [[nodiscard]] unsigned in_flight_limit(std::uint32_t number) const noexcept;
  [[nodiscard]] std::uint64_t largest_part() const noexcept { return ceiling_; }
  /// Buffers an upload can use at once: parts in flight, one full part waiting to be
  /// handed over, one being filled.
  [[nodiscard]] std::size_t buffers_needed() const noexcept { return s_.concurrency + 2; }
  [[nodiscard]] const part_size_settings& settings() const noexcept { return s_; }

private:
  part_size_settings s_;
  std::uint64_t ceiling_ = 0;
};

} // namespace secexport::s3

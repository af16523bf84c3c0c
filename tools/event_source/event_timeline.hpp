// When each generated event happened. Every UTC day holds exactly N events (index 0..N-1),
// whose created_at values are non-decreasing in index and cover the whole day:
//
//  - index 0 is at 00:00:00.000000, and the last three are in the day's last millisecond
//    (23:59:59.999000 twice, then 23:59:59.999999);
//  - density follows a daily curve (busy office hours, quiet nights), rotated per tenant;
//  - the first event at or after each whole minute is moved back onto the minute, so slice
//    boundaries on whole minutes always have an event exactly on them;
//  - some runs of 2..7 consecutive events share one created_at (ties, ordered by id);
//  - about half of the milliseconds are "coarse": events in them have a whole-millisecond
//    value (and such events are often written with 3 fraction digits instead of 6).
//
// A time is a pure function of (key, day, index, N); `lower_bound` inverts it by binary
// search, so a position can be found for any instant without generating the day.
#pragma once

#include "base/time.hpp"

#include <compare>
#include <cstdint>

namespace secexport::event_source {

inline constexpr std::int64_t day_us = 86'400'000'000;
inline constexpr std::uint32_t max_events_per_day = 1'000'000'000;

/// An event's place in the endless sequence of generated events.
struct event_position {
  std::int32_t day = 0;    // days since 1970-01-01
  std::uint32_t index = 0; // 0 .. N-1 within that day
  friend constexpr auto operator<=>(const event_position&, const event_position&) = default;
};

struct event_time {
  std::int64_t us_of_day = 0; // 0 .. day_us-1
  bool millis_text = false;   // written as .mmmZ (only when us_of_day is a whole millisecond)
};

class event_timeline {
public:
  /// `key` mixes seed and tenant; `events_per_day` may be 0 (no events at all).
  event_timeline(std::uint64_t key, std::uint32_t events_per_day);

  [[nodiscard]] std::uint32_t events_per_day() const noexcept { return n_; }
  [[nodiscard]] event_time time_of(event_position p) const noexcept;
  [[nodiscard]] sys_us created_at(event_position p) const noexcept;

  /// The first position whose created_at is >= t. Requires events_per_day() > 0.
  [[nodiscard]] event_position lower_bound(sys_us t) const noexcept;
  [[nodiscard]] event_position next(event_position p) const noexcept;
  [[nodiscard]] event_position prev(event_position p) const noexcept;
  /// Number of events in [from, to); 0 when to <= from.
  [[nodiscard]] std::uint64_t distance(event_position from, event_position to) const noexcept;

private:
  [[nodiscard]] std::int64_t curve_point(std::uint32_t index) const noexcept;                 // density curve
  [[nodiscard]] std::int64_t curve_time(std::uint64_t day, std::uint32_t index) const noexcept;  // + jitter
  [[nodiscard]] std::int64_t minute_time(std::uint64_t day, std::uint32_t index) const noexcept; // + minute snap

  std::uint64_t key_;
  std::uint32_t n_;
  std::uint32_t weight_[24];
  std::uint64_t cumulative_[25];
};

} // namespace secexport::event_source

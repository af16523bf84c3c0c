// The created_at of generated events; see event_timeline.hpp for the rules. Each rule maps a
// non-decreasing sequence to a non-decreasing sequence, which is what keeps the whole day in
// (created_at, id) order:
//   curve      u(i)   monotone interpolation of a piecewise-linear daily density curve,
//                     plus a jitter within [0, u'(i+1) - u'(i)) of the interpolated points;
//   minute     s(i)   = floor_minute(u(i)) when u(i-1) < floor_minute(u(i)), so s(i) lies in
//                     [u(i-1), u(i)];
//   ties       v(i)   = s(start of i's 7-event block) for the first 2..7 events of tied blocks;
//   coarse ms  w(i)   = v(i) truncated to its millisecond when that millisecond is coarse
//                     (a whole millisecond maps to one value, so order is kept);
//   tail       t(i)   = max(w(i), c(i)) with c = 0, ..., 0, D-1000, D-1000, D-1.
#include "event_timeline.hpp"

#include "deterministic_hash.hpp"

#include <algorithm>
#include <cassert>

namespace secexport::event_source {
namespace {

__extension__ using u128 = unsigned __int128; // products of up to ~10^20 in curve_time

constexpr std::int64_t hour_us = 3'600'000'000;
constexpr std::int64_t minute_us = 60'000'000;
constexpr std::int64_t last_ms = day_us / 1000 - 1;

// Relative event density per hour of the tenant's local day (rotated by a per-tenant offset).
constexpr std::uint32_t office_curve[24] = {2, 2, 2, 2, 2, 2, 4, 4, 10, 10, 10, 10,
                                            10, 10, 10, 10, 10, 10, 6, 6, 6, 6, 3, 3};
constexpr std::uint32_t tie_block = 7;         // not a divisor of typical limits: ties span pages
constexpr unsigned tie_percent = 4;            // share of blocks that start with a tie run
constexpr unsigned coarse_ms_percent = 50;     // share of milliseconds with whole-ms values
constexpr unsigned millis_text_percent = 60;   // share of whole-ms values written as .mmmZ

enum salt : std::uint64_t { salt_curve = 1, salt_tie, salt_coarse, salt_text, salt_jitter };

constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  auto q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

} // namespace

event_timeline::event_timeline(std::uint64_t key, std::uint32_t events_per_day)
    : key_(key), n_(events_per_day) {
  assert(events_per_day <= max_events_per_day);
  auto rotation = mix(key, salt_curve) % 24;
  cumulative_[0] = 0;
  for (std::size_t h = 0; h < 24; ++h) {
    weight_[h] = office_curve[(h + rotation) % 24];
    cumulative_[h + 1] = cumulative_[h] + weight_[h];
  }
}

std::int64_t event_timeline::curve_point(std::uint32_t index) const noexcept {
  if (n_ <= 1) return 0;
  const std::uint64_t den = n_ - 1;
  const std::uint64_t x = std::uint64_t{index} * cumulative_[24]; // position on the curve × den
  std::size_t h = 0;
  while (h < 24 && cumulative_[h + 1] * den <= x) ++h;
  if (h == 24) return day_us - 1; // the last index
  const std::uint64_t num = x - cumulative_[h] * den;
  auto within = static_cast<std::int64_t>(u128{num} * hour_us / (u128{weight_[h]} * den));
  return std::min(static_cast<std::int64_t>(h) * hour_us + within, day_us - 1);
}

std::int64_t event_timeline::curve_time(std::uint64_t day, std::uint32_t index) const noexcept {
  auto t = curve_point(index);
  if (index == 0 || index + 1 >= n_) return t; // the day's first and last instants stay exact
  auto gap = curve_point(index + 1) - t; // jitter within the gap keeps the order
  return gap > 1 ? t + static_cast<std::int64_t>(mix(key_, salt_jitter, day, index) % static_cast<std::uint64_t>(gap)) : t;
}

std::int64_t event_timeline::minute_time(std::uint64_t day, std::uint32_t index) const noexcept {
  auto t = curve_time(day, index);
  if (index == 0) return t;
  auto minute = t - t % minute_us;
  return curve_time(day, index - 1) < minute ? minute : t;
}

event_time event_timeline::time_of(event_position p) const noexcept {
  assert(p.index < n_);
  const auto day = static_cast<std::uint64_t>(static_cast<std::int64_t>(p.day));
  const std::uint32_t i = p.index;

  const std::uint32_t block = i - i % tie_block;
  const auto tie = mix(key_, salt_tie, day, block);
  const bool tied = tie % 100 < tie_percent && i - block < 2 + (tie >> 32) % 6;
  std::int64_t t = minute_time(day, tied ? block : i);

  const std::int64_t ms = t / 1000;
  if (ms != last_ms && mix(key_, salt_coarse, day, static_cast<std::uint64_t>(ms)) % 100 < coarse_ms_percent)
    t = ms * 1000;

  if (n_ >= 2 && i == n_ - 1) t = std::max(t, day_us - 1);
  else if (i >= 1 && i + 3 >= n_ && n_ >= 3) t = std::max(t, day_us - 1000);

  bool millis_text = false;
  if (t % 1000 == 0) {
    if (i == 0 || (n_ >= 4 && i == n_ - 3)) millis_text = true;
    else if (n_ >= 3 && i == n_ - 2) millis_text = false;
    else millis_text = mix(key_, salt_text, day, i) % 100 < millis_text_percent;
  }
  return {t, millis_text};
}

sys_us event_timeline::created_at(event_position p) const noexcept {
  return sys_us{std::chrono::microseconds{std::int64_t{p.day} * day_us + time_of(p).us_of_day}};
}

event_position event_timeline::lower_bound(sys_us t) const noexcept {
  assert(n_ > 0);
  const auto us = t.time_since_epoch().count();
  const auto day = floor_div(us, day_us);
  const auto offset = us - day * day_us;
  const auto d = static_cast<std::int32_t>(day);
  std::uint32_t lo = 0, hi = n_;
  while (lo < hi) {
    auto mid = lo + (hi - lo) / 2;
    if (time_of({d, mid}).us_of_day < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo == n_ ? event_position{d + 1, 0} : event_position{d, lo};
}

event_position event_timeline::next(event_position p) const noexcept {
  return p.index + 1 >= n_ ? event_position{p.day + 1, 0} : event_position{p.day, p.index + 1};
}

event_position event_timeline::prev(event_position p) const noexcept {
  return p.index == 0 ? event_position{p.day - 1, n_ - 1} : event_position{p.day, p.index - 1};
}

std::uint64_t event_timeline::distance(event_position from, event_position to) const noexcept {
  if (to <= from) return 0;
  return static_cast<std::uint64_t>((std::int64_t{to.day} - from.day) * std::int64_t{n_} +
                                    std::int64_t{to.index} - std::int64_t{from.index});
}

} // namespace secexport::event_source

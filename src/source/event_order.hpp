// The consumer's guard on what goes into the report: every event exactly once, inside the
// export window, in ascending (created_at, id) order.
//
// Pages arrive in slice order (slice_scheduler), but a page may hold events that another page
// delivers (a restarted chain re-reads up to `after`; a page fetched before its slice was split
// runs past `slice_end`); those are dropped silently. What the source got wrong is dropped and
// counted (an event outside the requested range or the window, an event repeated at a page
// boundary); events out of order are an error, because the report could not be right.
#pragma once

#include "source/event_page.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace secexport::source {

enum class event_verdict {
  keep,
  already_delivered, // <= the page's `after`: a restarted chain read it again
  later_slice,       // >= the page's slice end: a later slice delivers it
  outside_request,   // outside the range the page was asked for (a source error)
  outside_window,    // outside the export window (a source error)
  duplicate,         // the same (created_at, id) as the previous event (a source repeat)
  out_of_order,      // before the previous event: the source broke its ordering promise
};

struct event_order_stats {
  std::uint64_t kept = 0;
  std::uint64_t outside_window = 0;
  std::uint64_t outside_request = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t redelivered = 0; // already_delivered + later_slice (expected, not warnings)
};

class event_order {
public:
  event_order(sys_us window_start, sys_us window_end) : start_(window_start), end_(window_end) {}

  /// Judges `e` from `p` and, when kept, remembers it as the last event.
  event_verdict admit(const source::event_view& e, const page& p);

  [[nodiscard]] const event_order_stats& stats() const noexcept { return stats_; }
  [[nodiscard]] const std::optional<event_key>& last() const noexcept { return last_; }

private:
  sys_us start_, end_;
  std::optional<event_key> last_;
  event_order_stats stats_;
};

} // namespace secexport::source

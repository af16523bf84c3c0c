// One page of the source API: `{"events":[…],"next_cursor":"…"|null}` for a time range
// [start, end), a page size and an optional cursor, plus the content faults (duplicate,
// outside, badevent, badutf8). Pure: no sockets, no clocks, no shared state.
//
// Cursors name the position of the next event, masked and bound by a check value to the
// generator (seed, tenant, events per day) and to the exact start and end they were issued
// for: the same query with the cursor continues exactly after the last event returned; any
// other text is rejected.
#pragma once

#include "event_generator.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace secexport::event_source {

struct page_request {
  sys_us start;
  sys_us end;                             // exclusive; start <= end
  std::optional<event_position> cursor;   // decoded with decode_cursor
  std::uint32_t limit = 1000;             // >= 1
};

struct content_faults {
  bool duplicate = false; // repeat the previous page's last event first (no cursor: the first event twice)
  bool outside = false;   // add one neighbouring event from outside [start, end), in order
  bool badevent = false;  // the middle event lacks event_name (odd variant) or has a numeric created_at
  bool badutf8 = false;   // one event's properties hold invalid UTF-8 (C3 28 or FF, by variant)
  std::uint64_t variant = 0; // chooses between the two forms of badevent and badutf8
};

struct page_result {
  std::size_t events = 0; // events written, extras included
  bool last = true;       // next_cursor is null
};

[[nodiscard]] std::string encode_cursor(const event_generator& g, sys_us start, sys_us end,
                                        event_position p);
/// nullopt unless `text` is a cursor that encode_cursor issued for this generator, start and
/// end (and its position lies within the range).
[[nodiscard]] std::optional<event_position> decode_cursor(const event_generator& g, sys_us start,
                                                          sys_us end, std::string_view text);

/// Replaces `out` with the page. `writer` must belong to `g`.
page_result build_page(const event_generator& g, event_writer& writer, const page_request& request,
                       const content_faults& faults, byte_buffer& out);

/// Calls `sink(event_text)` for every event in [start, end), in order: the same bytes as
/// the pages hold. For the dump command; `scratch` is reused between events.
template <class Sink>
void for_each_event(const event_generator& g, sys_us start, sys_us end, byte_buffer& scratch,
                    Sink&& sink) {
  if (g.timeline().events_per_day() == 0 || end <= start) return;
  event_writer writer(g);
  const auto last = g.timeline().lower_bound(end);
  for (auto p = g.timeline().lower_bound(start); p < last; p = g.timeline().next(p)) {
    scratch.clear();
    writer.append(scratch, p);
    sink(scratch.view());
  }
}

} // namespace secexport::event_source

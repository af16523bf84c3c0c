// One page of the source API: `{"events":[…],"next_cursor":"…"|null}` for a time range
// [start, end), a page size and an optional cursor, plus the content faults (duplicate,
// outside, badevent, badutf8, huge, deep, bigstring, nul, cursorloop). Pure: no sockets, no
// clocks, no shared state.
//
// The hostile faults can make a page of any size (a 200 MB pad, a billion nesting levels), so
// their bulk is not written into the buffer: the page is the buffer plus splices, repeated
// static text that the server generates while it sends (source_server.cpp).
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
#include <vector>

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
  std::uint64_t variant = 0; // chooses between the two forms of badevent, badutf8 and nul
  // The hostile ones (README.md, Faults):
  std::optional<std::uint64_t> huge_bytes;      // the first event's properties get "pad":"xx…": page >= N bytes
  std::optional<std::uint64_t> deep_levels;     // the middle event's properties get "deep":{"a":{"a":…}} N levels
  std::optional<std::uint64_t> bigstring_bytes; // the middle event's properties get "big":"…" of N bytes
  bool nul = false;        // the middle event gets "nul":"a\u0000b" and (even variants) a raw NUL in event_name
  bool cursorloop = false; // next_cursor is the requested cursor (first page: one back to the first page)
};

/// Bytes of a page that are not in its buffer: `unit` repeated `repeat` times, then `tail`,
/// sent in front of the buffer's byte at `offset`. The texts are static. A page's splices are
/// in ascending offset order (equal offsets: in the order given).
struct page_splice {
  std::size_t offset = 0;
  std::string_view unit;
  std::uint64_t repeat = 0;
  std::string_view tail;

  [[nodiscard]] std::uint64_t size() const noexcept { return unit.size() * repeat + tail.size(); }
};

/// Writes bytes [from, from + n) of the splice's text to `out`; from + n <= s.size().
void copy_splice(const page_splice& s, std::uint64_t from, std::size_t n, char* out) noexcept;

struct page_result {
  std::size_t events = 0; // events written, extras included
  bool last = true;       // next_cursor is null
  std::vector<page_splice> splices; // only with huge, deep or bigstring
  std::uint64_t spliced_bytes = 0;  // their total size: the page is the buffer's size plus this
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

/// Replaces `out` with the beginning of the page build_page would make without faults: up
/// to and including its first event and the comma after it, or `{"events":[` when it has no
/// events. A valid JSON prefix, for the endless fault.
void build_page_start(const event_generator& g, event_writer& writer, const page_request& request,
                      byte_buffer& out);

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

// A page of security events: the bytes as they came from the source (an HTTP response body,
// or a chunk of an NDJSON file), and the events parsed in place from them. The event views
// point into `body`, so a page is parsed, encoded and recycled as a unit, and is never
// copied.
#pragma once

#include "source/event_view.hpp"
#include "base/byte_buffer.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace secexport::source {

/// Events are ordered by (created_at, id); the id compares as bytes of its raw JSON text.
struct event_key {
  sys_us time{};
  std::string id;

  friend bool operator==(const event_key&, const event_key&) = default;
  friend auto operator<=>(const event_key& a, const event_key& b) {
    if (auto c = a.time <=> b.time; c != 0) return c;
    return a.id.compare(b.id) <=> 0;
  }
};

[[nodiscard]] inline int compare_key(const source::event_view& e, const event_key& k) noexcept {
  if (e.created_at != k.time) return e.created_at < k.time ? -1 : 1;
  auto c = e.id.compare(k.id);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

struct bad_event {
  std::size_t position; // index within the page (0-based), or line number for NDJSON
  std::string reason;   // "missing field event_name", ...
};

struct page {
  byte_buffer body;
  std::vector<source::event_view> events;
  std::vector<bad_event> bad;     // events that could not be read (skipped or fatal by policy)
  std::size_t invalid_utf8_replaced = 0;
  std::optional<std::string> next_cursor; // HTTP pages: where the next page starts

  // Where the page came from, for messages and for ordering.
  std::uint32_t slice = 0;
  std::string cursor;                 // the cursor it was requested with ("" for the first page)
  sys_us request_start{}, request_end{};
  std::optional<event_key> after;     // events <= after were already delivered (a restarted chain)
  sys_us slice_end{sys_us::max()};    // events at or after it belong to a later slice
  std::uint64_t first_line = 0;       // NDJSON: line number of the first event
  std::uint64_t committed = 0;        // bytes of the page-memory budget held by `body` (source thread)

  void clear() {
    body.clear();
    events.clear();
    bad.clear();
    invalid_utf8_replaced = 0;
    next_cursor.reset();
    cursor.clear();
    after.reset();
    slice_end = sys_us::max();
    first_line = 0;
  }
};

} // namespace secexport::source

// The generated events of one (seed, tenant, events per day): which body each position uses,
// and the writer that turns a position into the event's JSON text,
//
//   {"id":"evt-YYYYMMDD-NNNNNNNNN","created_at":"YYYY-MM-DDTHH:MM:SS.mmm[uuu]Z",<body>
//
// where NNNNNNNNN is the zero-padded index within the UTC day (so ids sort like positions
// within one created_at) and <body> comes from the event_pool. Everything is a pure function
// of (seed, tenant, day, index, events per day).
#pragma once

#include "event_pool.hpp"
#include "event_timeline.hpp"
#include "base/byte_buffer.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace secexport::event_source {

/// Deliberate defects for the badevent and badutf8 faults.
enum class event_defect {
  none,
  missing_event_name, // the "event_name" member is left out
  numeric_created_at, // "created_at" is a number (Unix milliseconds), not a string
  invalid_utf8_pair,  // properties gain a string holding the raw bytes C3 28
  invalid_utf8_ff,    // properties gain a string holding a lone raw byte FF
};

/// What the hostile content faults (huge, deep, bigstring, nul) add to one event.
struct event_extras {
  std::string_view members;       // JSON members added to properties (after a badutf8 note, before the event's own)
  bool raw_nul_in_name = false;   // a raw 0x00 byte after the first character of event_name's value

  [[nodiscard]] bool empty() const noexcept { return members.empty() && !raw_nul_in_name; }
};

class event_generator {
public:
  /// Throws std::invalid_argument when events_per_day exceeds max_events_per_day.
  event_generator(std::uint64_t seed, std::string_view tenant, std::uint32_t events_per_day);

  [[nodiscard]] std::uint64_t key() const noexcept { return key_; }
  [[nodiscard]] const std::string& tenant() const noexcept { return tenant_; }
  [[nodiscard]] const event_timeline& timeline() const noexcept { return timeline_; }
  [[nodiscard]] const event_pool& pool() const noexcept { return pool_; }
  [[nodiscard]] const event_body& body_of(event_position p) const noexcept;
  /// An upper bound on the length of any one event's text, defects included.
  [[nodiscard]] std::size_t max_event_length() const noexcept;

private:
  std::string tenant_;
  std::uint64_t key_;
  event_timeline timeline_;
  event_pool pool_;
};

/// Appends events' text to a buffer. Caches the current day's date text, so use one writer
/// per page or per stream of events, from one thread.
class event_writer {
public:
  explicit event_writer(const event_generator& generator) noexcept : generator_(&generator) {}

  void append(byte_buffer& out, event_position p, event_defect defect = event_defect::none);
  /// The same with extras; returns the offset in `out` at which `extras.members` begins.
  std::size_t append(byte_buffer& out, event_position p, event_defect defect, const event_extras& extras);

private:
  void set_day(std::int32_t day) noexcept;
  char* put_prefix(char* o, event_position p, event_defect defect) noexcept;

  const event_generator* generator_;
  std::int32_t day_ = -2'000'000'000; // none yet
  char id_prefix_[20] = {};           // {"id":"evt-YYYYMMDD-
  char date_[11] = {};                // YYYY-MM-DDT
};

} // namespace secexport::event_source

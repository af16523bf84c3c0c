// Pages and cursors; see page_builder.hpp.
#include "page_builder.hpp"

#include "deterministic_hash.hpp"

#include <array>

namespace secexport::event_source {
namespace {

constexpr std::uint64_t salt_cursor = 0x637572736f72; // "cursor"
constexpr std::size_t cursor_length = 1 + 24;          // 'c' + 12 bytes in hex

std::uint64_t us(sys_us t) { return static_cast<std::uint64_t>(t.time_since_epoch().count()); }

struct cursor_fields {
  std::uint32_t day, index, check;
};

cursor_fields seal(const event_generator& g, sys_us start, sys_us end, event_position p) {
  const auto n = g.timeline().events_per_day();
  const auto mask = mix(g.key(), salt_cursor, us(start), us(end), n);
  const auto day = static_cast<std::uint32_t>(p.day);
  const auto check = static_cast<std::uint32_t>(mix(mask, day, p.index) >> 32);
  return {day ^ static_cast<std::uint32_t>(mask), p.index ^ static_cast<std::uint32_t>(mask >> 32), check};
}

} // namespace

std::string encode_cursor(const event_generator& g, sys_us start, sys_us end, event_position p) {
  static constexpr char hex[] = "0123456789abcdef";
  auto f = seal(g, start, end, p);
  std::string s(cursor_length, 'c');
  std::size_t o = 1;
  for (auto v : {f.day, f.index, f.check})
    for (int shift = 28; shift >= 0; shift -= 4) s[o++] = hex[(v >> shift) & 15];
  return s;
}

std::optional<event_position> decode_cursor(const event_generator& g, sys_us start, sys_us end,
                                            std::string_view text) {
  if (text.size() != cursor_length || text[0] != 'c' || g.timeline().events_per_day() == 0)
    return std::nullopt;
  std::array<std::uint32_t, 3> v{};
  for (std::size_t i = 0; i < 24; ++i) {
    char c = text[1 + i];
    unsigned d;
    if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
    else return std::nullopt;
    v[i / 8] = (v[i / 8] << 4) | d;
  }
  const auto n = g.timeline().events_per_day();
  const auto mask = mix(g.key(), salt_cursor, us(start), us(end), n);
  event_position p{static_cast<std::int32_t>(v[0] ^ static_cast<std::uint32_t>(mask)),
                   v[1] ^ static_cast<std::uint32_t>(mask >> 32)};
  if (p.index >= n) return std::nullopt;
  auto f = seal(g, start, end, p);
  if (f.check != v[2]) return std::nullopt;
  if (p < g.timeline().lower_bound(start) || p > g.timeline().lower_bound(end)) return std::nullopt;
  return p;
}

page_result build_page(const event_generator& g, event_writer& writer, const page_request& request,
                       const content_faults& faults, byte_buffer& out) {
  const auto& timeline = g.timeline();
  out.clear();
  out.append(R"({"events":[)");
  page_result result;
  if (timeline.events_per_day() == 0 || request.end <= request.start) {
    out.append(R"(],"next_cursor":null})");
    return result;
  }

  const auto range_begin = timeline.lower_bound(request.start);
  const auto range_end = timeline.lower_bound(request.end);
  const auto begin = request.cursor.value_or(range_begin);
  const auto count = std::min<std::uint64_t>(request.limit, timeline.distance(begin, range_end));
  const bool last = timeline.distance(begin, range_end) <= request.limit;

  const auto average = g.pool().total_length() / event_pool::size + 80;
  out.reserve(out.size() + (count + 2) * average + 128);
  bool first = true;
  auto emit = [&](event_position p, event_defect defect) {
    if (!first) out.append(",", 1);
    first = false;
    writer.append(out, p, defect);
    ++result.events;
  };

  // Extras that come before the page's own events, in (created_at, id) order.
  const bool outside_after = faults.outside && last && request.cursor.has_value();
  if (faults.outside && !outside_after) emit(timeline.prev(range_begin), event_defect::none);
  if (faults.duplicate) {
    if (request.cursor && begin > range_begin) emit(timeline.prev(begin), event_defect::none);
    else if (count > 0) emit(begin, event_defect::none);
  }

  const std::uint64_t bad_at = count / 2, utf8_at = count / 3;
  const auto bad_defect = faults.variant % 2 ? event_defect::missing_event_name : event_defect::numeric_created_at;
  const auto utf8_defect = faults.variant % 2 ? event_defect::invalid_utf8_pair : event_defect::invalid_utf8_ff;
  auto p = begin;
  for (std::uint64_t i = 0; i < count; ++i, p = timeline.next(p)) {
    auto defect = event_defect::none;
    if (faults.badevent && i == bad_at) defect = bad_defect;
    else if (faults.badutf8 && i == utf8_at) defect = utf8_defect;
    emit(p, defect);
  }
  if (outside_after) emit(range_end, event_defect::none);

  result.last = last;
  out.append(R"(],"next_cursor":)");
  if (last) {
    out.append("null");
  } else {
    out.append("\"", 1);
    out.append(encode_cursor(g, request.start, request.end, p)); // the first event not sent
    out.append("\"", 1);
  }
  out.append("}", 1);
  return result;
}

} // namespace secexport::event_source

// Pages and cursors; see page_builder.hpp.
#include "page_builder.hpp"

#include "deterministic_hash.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

namespace secexport::event_source {
namespace {

constexpr std::uint64_t salt_cursor = 0x637572736f72; // "cursor"
constexpr std::size_t cursor_length = 1 + 24;          // 'c' + 12 bytes in hex

// The bigstring fault's text, repeated (JSON, between the quotes): printable ASCII with what
// a CSV writer must quote (`,` and `"`, the latter escaped as \"), and what spreadsheets and
// HTML treat specially. 80 characters once decoded.
constexpr std::string_view big_unit =
    R"(big string, with \"quotes\", commas; 'apostrophes' =1+2 <b>&amp; 0123456789 wxyz. )";

// Characters of JSON string text once decoded: big_unit's only escape is \".
constexpr std::size_t decoded_length(std::string_view json) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < json.size(); ++i, ++n)
    if (json[i] == '\\') ++i;
  return n;
}
constexpr std::size_t big_unit_chars = decoded_length(big_unit);
static_assert(big_unit_chars == 80);

// The JSON text of big_unit's first k decoded characters (never half an escape).
constexpr std::string_view big_prefix(std::size_t k) {
  std::size_t i = 0;
  for (; k > 0; --k) i += big_unit[i] == '\\' ? 2 : 1;
  return big_unit.substr(0, i);
}

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

void copy_splice(const page_splice& s, std::uint64_t from, std::size_t n, char* out) noexcept {
  const std::uint64_t repeated = s.unit.size() * s.repeat;
  std::size_t done = 0;
  if (from < repeated) {
    const auto m = static_cast<std::size_t>(std::min<std::uint64_t>(n, repeated - from));
    const auto u = s.unit.size();
    // One period of the unit from the right phase, then doubling copies of what is written:
    // as long as the copied length is a multiple of the unit, the phase stays right.
    auto phase = static_cast<std::size_t>(from % u);
    done = std::min(m, u);
    for (std::size_t i = 0; i < done; ++i) out[i] = s.unit[(phase + i) % u];
    while (done < m) {
      const auto c = std::min(done, m - done);
      std::memcpy(out + done, out, c);
      done += c;
    }
  }
  if (done < n) {
    const auto at = static_cast<std::size_t>(from + done - repeated);
    std::memcpy(out + done, s.tail.data() + at, n - done);
  }
}

page_result build_page(const event_generator& g, event_writer& writer, const page_request& request,
                       const content_faults& faults, byte_buffer& out) {
  const auto& timeline = g.timeline();
  out.clear();
  out.append(R"({"events":[)");
  page_result result;
  std::optional<event_position> next; // of next_cursor
  std::optional<std::size_t> pad;     // the huge fault's splice
  bool padded = false;                // in an event, not at the top level

  auto splice = [&](std::size_t offset, std::string_view unit, std::uint64_t repeat, std::string_view tail) {
    result.splices.push_back({offset, unit, repeat, tail});
    result.spliced_bytes += result.splices.back().size();
    return result.splices.size() - 1;
  };

  if (timeline.events_per_day() != 0 && request.start < request.end) {
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
    const bool middle_extras = faults.deep_levels || faults.bigstring_bytes || faults.nul;

    // The hostile faults' members of one event, and where their splices go within them.
    std::string members;
    struct pending_splice {
      std::size_t at; // in members
      std::string_view unit;
      std::uint64_t repeat;
      std::string_view tail;
      bool is_pad;
    };
    std::vector<pending_splice> pending;
    auto member = [&](std::string_view text) {
      if (!members.empty()) members += ',';
      members += text;
    };

    auto p = begin;
    for (std::uint64_t i = 0; i < count; ++i, p = timeline.next(p)) {
      auto defect = event_defect::none;
      if (faults.badevent && i == bad_at) defect = bad_defect;
      else if (faults.badutf8 && i == utf8_at) defect = utf8_defect;
      const bool pad_here = faults.huge_bytes && i == 0;
      const bool middle_here = middle_extras && i == bad_at;
      if (!pad_here && !middle_here) {
        emit(p, defect);
        continue;
      }

      members.clear();
      pending.clear();
      if (pad_here) {
        member(R"("pad":")");
        pending.push_back({members.size(), "x", 0, {}, true}); // its length is known at the end
        members += '"';
      }
      event_extras extras;
      if (middle_here && faults.deep_levels) {
        // N nested objects: N-1 times {"a": then the innermost {} then N-1 closing braces.
        member(R"("deep":)");
        pending.push_back({members.size(), R"({"a":)", *faults.deep_levels - 1, "{}", false});
        pending.push_back({members.size(), "}", *faults.deep_levels - 1, {}, false});
      }
      if (middle_here && faults.bigstring_bytes) {
        member(R"("big":")");
        pending.push_back({members.size(), big_unit, *faults.bigstring_bytes / big_unit_chars,
                           big_prefix(*faults.bigstring_bytes % big_unit_chars), false});
        members += '"';
      }
      if (middle_here && faults.nul) {
        member(R"("nul":"a\u0000b")");
        extras.raw_nul_in_name = faults.variant % 2 == 0;
      }
      extras.members = members;

      if (!first) out.append(",", 1);
      first = false;
      const auto at = writer.append(out, p, defect, extras);
      ++result.events;
      for (const auto& s : pending) {
        auto index = splice(at + s.at, s.unit, s.repeat, s.tail);
        if (s.is_pad) pad = index, padded = true;
      }
    }
    if (outside_after) emit(range_end, event_defect::none);
    if (!last) next = p; // the first event not sent
  }

  if (faults.cursorloop && timeline.events_per_day() != 0) {
    // The position the request started at: encode_cursor gives back the very text that was
    // requested (decoding checked it), and for a first page a cursor that decode_cursor
    // accepts for the same start and end, pointing at the first event again. With no events
    // per day there is no valid cursor at all, so the page stays as it is.
    next = request.cursor.value_or(timeline.lower_bound(request.start));
  }

  result.last = !next.has_value();
  out.append(R"(],"next_cursor":)");
  if (!next) {
    out.append("null");
  } else {
    out.append("\"", 1);
    out.append(encode_cursor(g, request.start, request.end, *next));
    out.append("\"", 1);
  }
  if (faults.huge_bytes && !padded) {
    // No event of its own to pad: a top-level member, which readers ignore.
    out.append(R"(,"pad":")");
    pad = splice(out.size(), "x", 0, {});
    out.append("\"", 1);
  }
  out.append("}", 1);

  if (pad) {
    const auto without = out.size() + result.spliced_bytes; // the pad is still empty
    const auto want = *faults.huge_bytes;
    result.splices[*pad].repeat = want > without ? want - without : 0;
    result.spliced_bytes += result.splices[*pad].repeat;
  }
  return result;
}

void build_page_start(const event_generator& g, event_writer& writer, const page_request& request,
                      byte_buffer& out) {
  const auto& timeline = g.timeline();
  out.clear();
  out.append(R"({"events":[)");
  if (timeline.events_per_day() == 0 || request.end <= request.start) return;
  const auto begin = request.cursor.value_or(timeline.lower_bound(request.start));
  if (timeline.distance(begin, timeline.lower_bound(request.end)) == 0) return;
  writer.append(out, begin);
  out.append(",", 1);
}

} // namespace secexport::event_source

// Writes one event's text: fixed-width id and created_at, then a memcpy of its body, with the
// fault variants (a member left out, a number where a string belongs, invalid UTF-8) spliced
// in only when asked for.
#include "event_generator.hpp"

#include "deterministic_hash.hpp"

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>

namespace secexport::event_source {
namespace {

constexpr std::uint64_t salt_body = 0x626f6479; // "body"
constexpr std::size_t max_prefix = 80;          // id and created_at members, either form
constexpr std::size_t max_defect = 64;          // what a defect adds

constexpr std::string_view utf8_pair_note = "\"note\":\"caf\xc3\x28 invalid pair\"";
constexpr std::string_view utf8_ff_note = "\"note\":\"lone \xff byte\"";

inline char* put_digits(char* out, std::uint64_t v, int width) noexcept {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return out + width;
}

inline char* put(char* out, std::string_view s) noexcept {
  std::memcpy(out, s.data(), s.size());
  return out + s.size();
}

std::uint32_t checked(std::uint32_t events_per_day) {
  if (events_per_day > max_events_per_day)
    throw std::invalid_argument("events per day must be at most " + std::to_string(max_events_per_day) +
                                ", not " + std::to_string(events_per_day));
  return events_per_day;
}

} // namespace

event_generator::event_generator(std::uint64_t seed, std::string_view tenant,
                                 std::uint32_t events_per_day)
    : tenant_(tenant), key_(mix(seed, hash_name(tenant))), timeline_(key_, checked(events_per_day)), pool_(key_) {}

const event_body& event_generator::body_of(event_position p) const noexcept {
  auto day = static_cast<std::uint64_t>(static_cast<std::int64_t>(p.day));
  return pool_.body(mix(key_, salt_body, day, p.index));
}

std::size_t event_generator::max_event_length() const noexcept {
  return max_prefix + pool_.max_length() + max_defect;
}

void event_writer::set_day(std::int32_t day) noexcept {
  using namespace std::chrono;
  year_month_day ymd{sys_days{days{day}}};
  auto y = static_cast<unsigned>(static_cast<int>(ymd.year()));
  auto m = static_cast<unsigned>(ymd.month());
  auto d = static_cast<unsigned>(ymd.day());
  char* o = put(id_prefix_, R"({"id":"evt-)");
  o = put_digits(o, y, 4);
  o = put_digits(o, m, 2);
  o = put_digits(o, d, 2);
  *o = '-';
  o = put_digits(date_, y, 4);
  *o++ = '-';
  o = put_digits(o, m, 2);
  *o++ = '-';
  o = put_digits(o, d, 2);
  *o = 'T';
  day_ = day;
}

// `{"id":"…","created_at":…,` (a number for numeric_created_at).
char* event_writer::put_prefix(char* o, event_position p, event_defect defect) noexcept {
  const auto time = generator_->timeline().time_of(p);
  o = put(o, {id_prefix_, sizeof id_prefix_});
  o = put_digits(o, p.index, 9);
  if (defect == event_defect::numeric_created_at) {
    auto ms = (std::int64_t{p.day} * day_us + time.us_of_day) / 1000;
    auto digits = std::to_string(ms);
    o = put(o, R"(","created_at":)");
    o = put(o, digits);
    *o++ = ',';
  } else {
    o = put(o, R"(","created_at":")");
    o = put(o, {date_, sizeof date_});
    auto us = static_cast<std::uint64_t>(time.us_of_day);
    auto secs = us / 1'000'000;
    o = put_digits(o, secs / 3600, 2);
    *o++ = ':';
    o = put_digits(o, secs / 60 % 60, 2);
    *o++ = ':';
    o = put_digits(o, secs % 60, 2);
    *o++ = '.';
    o = time.millis_text ? put_digits(o, us % 1'000'000 / 1000, 3) : put_digits(o, us % 1'000'000, 6);
    o = put(o, R"(Z",)");
  }
  return o;
}

void event_writer::append(byte_buffer& out, event_position p, event_defect defect) {
  if (p.day != day_) set_day(p.day);
  const auto& gen = *generator_;
  const auto& body = gen.body_of(p);
  const auto text = gen.pool().text(body);

  char* const start = out.prepare(max_prefix + text.size() + max_defect);
  char* o = put_prefix(start, p, defect);
  switch (defect) {
  case event_defect::missing_event_name:
    o = put(o, text.substr(0, body.event_name_begin));
    o = put(o, text.substr(body.event_name_end));
    break;
  case event_defect::invalid_utf8_pair:
  case event_defect::invalid_utf8_ff:
    o = put(o, text.substr(0, body.properties_inside));
    o = put(o, defect == event_defect::invalid_utf8_pair ? utf8_pair_note : utf8_ff_note);
    if (!body.properties_empty) *o++ = ',';
    o = put(o, text.substr(body.properties_inside));
    break;
  default:
    o = put(o, text);
    break;
  }
  out.commit(static_cast<std::size_t>(o - start));
}

// The slow path, for the one or two events of a page that a hostile fault changes: the body
// in pieces, so a defect and the extras can both apply to one event.
std::size_t event_writer::append(byte_buffer& out, event_position p, event_defect defect,
                                 const event_extras& extras) {
  if (p.day != day_) set_day(p.day);
  const auto& gen = *generator_;
  const auto& body = gen.body_of(p);
  const auto text = gen.pool().text(body);
  constexpr std::string_view name_key = R"("event_name":")";

  char* const start = out.prepare(max_prefix + text.size() + max_defect + extras.members.size() + 3);
  char* o = put_prefix(start, p, defect);
  o = put(o, text.substr(0, body.event_name_begin));
  if (defect != event_defect::missing_event_name) {
    auto name = text.substr(body.event_name_begin, body.event_name_end - body.event_name_begin);
    if (extras.raw_nul_in_name) {
      // Every event name is a non-empty plain ASCII string, so after its first character is
      // inside the string value.
      o = put(o, name.substr(0, name_key.size() + 1));
      *o++ = '\0';
      name.remove_prefix(name_key.size() + 1);
    }
    o = put(o, name);
  }
  o = put(o, text.substr(body.event_name_end, body.properties_inside - body.event_name_end));
  const bool more = !body.properties_empty; // a member follows what is inserted here
  const bool note = defect == event_defect::invalid_utf8_pair || defect == event_defect::invalid_utf8_ff;
  if (note) {
    o = put(o, defect == event_defect::invalid_utf8_pair ? utf8_pair_note : utf8_ff_note);
    if (more || !extras.members.empty()) *o++ = ',';
  }
  const auto members_at = out.size() + static_cast<std::size_t>(o - start);
  if (!extras.members.empty()) {
    o = put(o, extras.members);
    if (more) *o++ = ',';
  }
  o = put(o, text.substr(body.properties_inside));
  out.commit(static_cast<std::size_t>(o - start));
  return members_at;
}

} // namespace secexport::event_source

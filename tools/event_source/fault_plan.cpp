// Parsing `--fault` specs and deciding, request by request, which faults fire.
#include "fault_plan.hpp"

#include "deterministic_hash.hpp"

#include <array>
#include <charconv>
#include <cstdlib>
#include <stdexcept>

namespace secexport::event_source {
namespace {

struct kind_name {
  std::string_view name;
  fault_kind kind;
};
constexpr std::array<kind_name, 18> kind_names{{
    {"500", fault_kind::status_500}, {"503", fault_kind::status_503}, {"429", fault_kind::status_429},
    {"slow", fault_kind::slow}, {"truncate", fault_kind::truncate}, {"reset", fault_kind::reset},
    {"malformed", fault_kind::malformed}, {"duplicate", fault_kind::duplicate},
    {"outside", fault_kind::outside}, {"badevent", fault_kind::badevent}, {"badutf8", fault_kind::badutf8},
    {"huge", fault_kind::huge}, {"deep", fault_kind::deep}, {"bigstring", fault_kind::bigstring},
    {"nul", fault_kind::nul}, {"cursorloop", fault_kind::cursorloop}, {"endless", fault_kind::endless},
    {"html", fault_kind::html},
}};

constexpr std::string_view kind_list = "500, 503, 429, slow, truncate, reset, malformed, duplicate, outside, "
                                       "badevent, badutf8, huge, deep, bigstring, nul, cursorloop, endless, html";

// Bounds of the size options: far beyond what a test needs, small enough that sizes in bytes
// never overflow (the pages are streamed, so a large value costs time, not memory).
constexpr std::uint64_t max_bytes = 1'000'000'000'000;
constexpr std::uint64_t max_levels = 1'000'000'000;
constexpr std::uint64_t max_interval_ms = 3'600'000;

bool ends_request(fault_kind k) {
  return k == fault_kind::status_500 || k == fault_kind::status_503 || k == fault_kind::status_429 ||
         k == fault_kind::reset || k == fault_kind::endless || k == fault_kind::html;
}

[[noreturn]] void fail(std::string_view spec, const std::string& why) {
  throw std::invalid_argument("--fault '" + std::string(spec) + "': " + why);
}

std::uint64_t parse_count(std::string_view spec, std::string_view key, std::string_view value,
                          std::uint64_t minimum) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc{} || end != value.data() + value.size() || v < minimum)
    fail(spec, std::string(key) + " must be an integer >= " + std::to_string(minimum) + ", not '" +
                   std::string(value) + "'");
  return v;
}

std::uint64_t parse_bounded(std::string_view spec, std::string_view key, std::string_view value,
                            std::uint64_t minimum, std::uint64_t maximum) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc{} || end != value.data() + value.size() || v < minimum || v > maximum)
    fail(spec, std::string(key) + " must be an integer from " + std::to_string(minimum) + " to " +
                   std::to_string(maximum) + ", not '" + std::string(value) + "'");
  return v;
}

void keep_larger(std::optional<std::uint64_t>& slot, std::uint64_t v) {
  if (!slot || *slot < v) slot = v;
}

double parse_rate(std::string_view spec, std::string_view value) {
  // std::from_chars for double is missing from some standard libraries; strtod is enough here.
  std::string copy(value);
  char* end = nullptr;
  double v = std::strtod(copy.c_str(), &end);
  if (copy.empty() || end != copy.c_str() + copy.size() || !(v >= 0.0 && v <= 1.0))
    fail(spec, "rate must be a probability between 0 and 1, not '" + copy + "'");
  return v;
}

} // namespace

std::string_view to_string(fault_kind k) noexcept {
  for (const auto& n : kind_names)
    if (n.kind == k) return n.name;
  return "?";
}

fault_spec parse_fault(std::string_view text) {
  fault_spec f;
  f.text = std::string(text);
  auto colon = text.find(':');
  auto kind = text.substr(0, colon);
  bool known = false;
  for (const auto& n : kind_names)
    if (n.name == kind) {
      f.kind = n.kind;
      known = true;
    }
  if (!known) fail(text, "unknown kind '" + std::string(kind) + "' (expected one of " + std::string(kind_list) + ")");
  if (f.kind == fault_kind::huge) f.bytes = 200'000'000;
  if (f.kind == fault_kind::bigstring) f.bytes = 10'000'000;
  if (colon == std::string_view::npos) return f;

  auto options = text.substr(colon + 1);
  while (!options.empty()) {
    auto comma = options.find(',');
    auto item = options.substr(0, comma);
    options = comma == std::string_view::npos ? std::string_view{} : options.substr(comma + 1);
    auto eq = item.find('=');
    auto key = item.substr(0, eq);
    auto value = eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
    if (key.empty()) fail(text, "empty option");
    if (eq == std::string_view::npos && key != "retry_after")
      fail(text, "option '" + std::string(key) + "' needs a value (" + std::string(key) + "=...)");
    if (key == "request") f.request = parse_count(text, key, value, 1);
    else if (key == "first") f.first = parse_count(text, key, value, 1);
    else if (key == "every") f.every = parse_count(text, key, value, 1);
    else if (key == "times") f.times = parse_count(text, key, value, 1);
    else if (key == "rate") f.rate = parse_rate(text, value);
    else if (key == "retry_after") {
      if (f.kind != fault_kind::status_429 && f.kind != fault_kind::status_503)
        fail(text, "retry_after applies to 429 and 503 only");
      f.retry_after = eq == std::string_view::npos ? 1u : static_cast<unsigned>(parse_count(text, key, value, 0));
    } else if (key == "delay_ms") {
      if (f.kind != fault_kind::slow) fail(text, "delay_ms applies to slow only");
      f.delay = std::chrono::milliseconds(parse_count(text, key, value, 0));
    } else if (key == "bytes") {
      if (f.kind != fault_kind::huge && f.kind != fault_kind::bigstring)
        fail(text, "bytes applies to huge and bigstring only");
      // A huge page of 0 bytes would be a normal page; an empty big string is still a string.
      f.bytes = parse_bounded(text, key, value, f.kind == fault_kind::huge ? 1 : 0, max_bytes);
    } else if (key == "levels") {
      if (f.kind != fault_kind::deep) fail(text, "levels applies to deep only");
      f.levels = parse_bounded(text, key, value, 1, max_levels);
    } else if (key == "interval_ms") {
      if (f.kind != fault_kind::endless) fail(text, "interval_ms applies to endless only");
      // 0 would be a busy loop that floods the client.
      f.interval = std::chrono::milliseconds(parse_bounded(text, key, value, 1, max_interval_ms));
    } else {
      fail(text, "unknown option '" + std::string(key) +
                     "' (expected request, first, every, rate, times, retry_after, delay_ms, bytes, "
                     "levels, interval_ms)");
    }
  }
  return f;
}

fault_plan::fault_plan(std::vector<fault_spec> faults, std::uint64_t seed)
    : faults_(std::move(faults)), seed_(seed), fired_(faults_.size(), 0) {}

fault_decision fault_plan::next_request() {
  std::lock_guard lock(mutex_);
  fault_decision d;
  d.request_number = ++requests_;
  const auto k = d.request_number;
  for (std::size_t i = 0; i < faults_.size(); ++i) {
    const auto& f = faults_[i];
    if (f.request && k != *f.request) continue;
    if (f.first && k > *f.first) continue;
    if (f.every && k % *f.every != 0) continue;
    if (f.rate && static_cast<double>(mix(seed_, 0x6661756c74, i, k) >> 11) * 0x1p-53 >= *f.rate) continue;
    if (f.times && fired_[i] >= *f.times) continue;
    ++fired_[i];
    switch (f.kind) {
    case fault_kind::slow: d.extra_delay += f.delay; break;
    case fault_kind::truncate: d.truncate = true; break;
    case fault_kind::malformed: d.malformed = true; break;
    case fault_kind::duplicate: d.duplicate = true; break;
    case fault_kind::outside: d.outside = true; break;
    case fault_kind::badevent: d.badevent = true; break;
    case fault_kind::badutf8: d.badutf8 = true; break;
    case fault_kind::huge: keep_larger(d.huge_bytes, f.bytes); break;
    case fault_kind::deep: keep_larger(d.deep_levels, f.levels); break;
    case fault_kind::bigstring: keep_larger(d.bigstring_bytes, f.bytes); break;
    case fault_kind::nul: d.nul = true; break;
    case fault_kind::cursorloop: d.cursorloop = true; break;
    default: break;
    }
    if (ends_request(f.kind)) {
      d.ending = f.kind;
      d.retry_after = f.retry_after;
      if (f.kind == fault_kind::endless) d.endless_interval = f.interval;
      break;
    }
  }
  return d;
}

std::vector<fault_plan::fault_count> fault_plan::counts() const {
  std::lock_guard lock(mutex_);
  std::vector<fault_count> out;
  for (std::size_t i = 0; i < faults_.size(); ++i) out.push_back({faults_[i].text, faults_[i].kind, fired_[i]});
  return out;
}

std::uint64_t fault_plan::page_requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

} // namespace secexport::event_source

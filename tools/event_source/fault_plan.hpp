// Injected faults for tests: `--fault KIND[:key=value,...]`, repeatable.
//
// Page requests (authorised, well-formed GETs of the events endpoint) are numbered 1, 2, …
// in arrival order across all connections. For each one the plan decides, in command-line
// order, which faults fire: a fault fires when every condition it names holds (request=K,
// first=N, every=N, rate=P) and it has fired fewer than `times` times. The first fault that
// ends the request (500, 503, 429, reset, endless, html) stops the evaluation: faults after
// it neither fire nor count. Rate draws are a hash of (seed, fault, request number), not a
// shared RNG stream, so they do not depend on timing. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace secexport::event_source {

enum class fault_kind {
  status_500, status_503, status_429, slow, truncate, reset, malformed, duplicate, outside,
  badevent, badutf8,
  // Hostile sources: pages that are valid but enormous, deeply nested or never-ending, a NUL
  // where a C string would end, a cursor chain that never ends, a login page instead of JSON.
  huge, deep, bigstring, nul, cursorloop, endless, html
};

[[nodiscard]] std::string_view to_string(fault_kind k) noexcept;

struct fault_spec {
  std::string text; // as given, for messages and /_stats
  fault_kind kind = fault_kind::status_500;
  std::optional<std::uint64_t> request, first, every, times;
  std::optional<double> rate;
  std::optional<unsigned> retry_after;   // seconds; Retry-After only when given (429, 503)
  std::chrono::milliseconds delay{3000}; // slow
  std::uint64_t bytes = 0;               // huge (default 200000000), bigstring (default 10000000)
  std::uint64_t levels = 10000;          // deep
  std::chrono::milliseconds interval{200}; // endless: between two chunks
};

/// Parses `KIND[:key=value,...]`; throws std::invalid_argument naming the spec and the part
/// that is wrong.
[[nodiscard]] fault_spec parse_fault(std::string_view text);

/// What happens to one page request.
struct fault_decision {
  std::uint64_t request_number = 0;
  std::optional<fault_kind> ending;       // status_500, status_503, status_429, reset, endless or html
  std::optional<unsigned> retry_after;    // of the ending fault
  std::chrono::milliseconds endless_interval{0}; // when the ending fault is endless
  std::chrono::milliseconds extra_delay{0};
  bool truncate = false, malformed = false;
  bool duplicate = false, outside = false, badevent = false, badutf8 = false;
  // Several faults of one kind firing together: the largest value counts.
  std::optional<std::uint64_t> huge_bytes, deep_levels, bigstring_bytes;
  bool nul = false, cursorloop = false;

  [[nodiscard]] bool any() const noexcept {
    return ending || extra_delay.count() > 0 || truncate || malformed || duplicate || outside ||
           badevent || badutf8 || huge_bytes || deep_levels || bigstring_bytes || nul || cursorloop;
  }
};

class fault_plan {
public:
  fault_plan(std::vector<fault_spec> faults, std::uint64_t seed);

  /// Numbers the next page request and decides its faults.
  [[nodiscard]] fault_decision next_request();

  struct fault_count {
    std::string spec;
    fault_kind kind;
    std::uint64_t fired;
  };
  [[nodiscard]] std::vector<fault_count> counts() const;
  [[nodiscard]] std::uint64_t page_requests() const;

private:
  std::vector<fault_spec> faults_;
  std::uint64_t seed_;
  mutable std::mutex mutex_;
  std::uint64_t requests_ = 0;
  std::vector<std::uint64_t> fired_;
};

} // namespace secexport::event_source

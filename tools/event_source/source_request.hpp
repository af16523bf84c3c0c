// Reading a request to the event source: which endpoint the target names, the query
// parameters of the events endpoint, and the bearer token. Pure functions, no sockets.
#pragma once

#include "base/time.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace secexport::event_source {

enum class endpoint { events, stats, not_found };

struct routed_target {
  endpoint which = endpoint::not_found;
  std::string tenant;     // events: percent-decoded, non-empty
  std::string_view query; // after '?', undecoded
};

/// `/v1/tenants/{tenant}/security_events[?query]`, `/_stats`, or not_found.
[[nodiscard]] routed_target route(std::string_view target);

struct events_query {
  sys_us start;
  sys_us end;
  std::uint32_t limit = 1000;
  std::optional<std::string> cursor;
};

struct bad_request {
  std::string message; // names the parameter
};

/// Parses start, end (RFC 3339, any precision or offset), limit (1..max_limit, default
/// min(1000, max_limit)) and cursor. Unknown, repeated or empty parameters are errors.
[[nodiscard]] std::variant<events_query, bad_request> parse_events_query(std::string_view query,
                                                                         std::uint32_t max_limit);

/// Whether an Authorization header value is `Bearer <token>` (scheme case-insensitive),
/// compared in constant time.
[[nodiscard]] bool bearer_matches(std::string_view authorization, std::string_view token) noexcept;

/// Percent-decodes; '+' stays '+' (so an unencoded offset such as +01:00 survives).
[[nodiscard]] std::optional<std::string> percent_decode(std::string_view s);

} // namespace secexport::event_source

// UTC time points and the text forms secexport reads and writes: RFC 3339 (events, query
// parameters, manifests), SigV4's basic ISO 8601 (`20150830T123600Z`), HTTP dates (the
// `Date` header, for clock-skew correction) and calendar days (`2026-11-22`).
// Everything is UTC; the host's time zone is never consulted.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace secexport {

using sys_us = std::chrono::sys_time<std::chrono::microseconds>;
using sys_s = std::chrono::sys_seconds;

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`; `T`/`t`/space and `Z`/`z` both
/// accepted; fractions beyond microseconds are truncated. Returns nullopt for anything else
/// (including out-of-range fields such as month 13 or second 60).
[[nodiscard]] std::optional<sys_us> parse_rfc3339(std::string_view text) noexcept;

inline constexpr std::size_t rfc3339_ms_length = 24; // 2026-11-22T07:04:05.123Z

/// Writes exactly 24 bytes `YYYY-MM-DDTHH:MM:SS.mmmZ` (milliseconds truncated toward the
/// past) to `out`. Years must be 0..9999.
void write_rfc3339_ms(sys_us t, char* out) noexcept;
[[nodiscard]] std::string format_rfc3339_ms(sys_us t);
/// `2026-11-22T00:00:00Z`, or with `.ffffff` when `t` has a sub-second part.
[[nodiscard]] std::string format_rfc3339(sys_us t);

[[nodiscard]] std::string format_amz_date(sys_s t); // 20150830T123600Z
[[nodiscard]] std::string format_amz_day(sys_s t);  // 20150830
[[nodiscard]] std::optional<sys_s> parse_amz_date(std::string_view text) noexcept;
/// RFC 7231 IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
[[nodiscard]] std::optional<sys_s> parse_http_date(std::string_view text) noexcept;

[[nodiscard]] std::optional<std::chrono::sys_days> parse_iso_day(std::string_view text) noexcept;
[[nodiscard]] std::string format_iso_day(std::chrono::sys_days day); // 2026-11-22

} // namespace secexport

// UTF-8 validation and repair. Event pages are validated as a whole (simdjson's SIMD
// validator, chosen at run time for this CPU); a page that fails is repaired once, each
// invalid sequence becoming U+FFFD, so nothing invalid ever reaches the CSV.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace secexport {

inline constexpr std::string_view replacement_character = "\xEF\xBF\xBD"; // U+FFFD

[[nodiscard]] bool valid_utf8(std::string_view text) noexcept;

/// Appends `text` to `out` with every maximal invalid subsequence replaced by U+FFFD (the
/// Unicode "substitution of maximal subparts" practice); returns how many were replaced.
std::size_t repair_utf8(std::string_view text, std::string& out);

/// Appends the UTF-8 encoding of code point `cp` (must be a scalar value) to `out`.
void append_utf8(std::string& out, std::uint32_t cp);

} // namespace secexport

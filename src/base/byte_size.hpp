// Byte counts as people type them on a command line: `8MiB`, `256M`, `1GiB`, `65536`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace secexport {

/// Accepts a non-negative integer with an optional unit: B, K/KB/KiB, M/MB/MiB, G/GB/GiB,
/// T/TB/TiB (all binary: 1K = 1024), case-insensitive. nullopt on anything else or overflow.
[[nodiscard]] std::optional<std::uint64_t> parse_byte_size(std::string_view text) noexcept;

/// 8388608 -> "8 MiB", 1536 -> "1.5 KiB", 100 -> "100 B".
[[nodiscard]] std::string format_byte_size(std::uint64_t bytes);

} // namespace secexport

// How a report is compressed: the codec and its level, and the facts that follow from them
// (the key's suffix, the Content-Type, the levels). Pure; unit-tested. The compressor itself
// and its memory are compressing_writer.hpp.
//
// A compressed report is stored as a gzip or zstd *file*: `.csv.gz` / `.csv.zst`, Content-Type
// application/gzip / application/zstd and no Content-Encoding, so every client (aws s3 cp,
// boto3, the console, browsers, Go's HTTP transport) downloads exactly the bytes that the
// manifest's size and SHA-256 describe. With `Content-Encoding: gzip` some of them decode in
// transit and others do not, and a file named .csv.gz would then hold plain CSV for some users
// (docs/FORMATS.md).
#pragma once

#include "base/error.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace secexport::exporter {

enum class codec { none, gzip, zstd };

[[nodiscard]] std::string_view to_string(codec c) noexcept;
/// "none", "gzip" or "zstd".
[[nodiscard]] std::optional<codec> parse_codec(std::string_view text) noexcept;

struct compression {
  exporter::codec codec = exporter::codec::none;
  int level = 0; // 0: the codec's default (default_level)
};

/// The level used when none is given: zstd 1 and gzip 1, the fastest of each, measured on the
/// export benchmark (docs/PERFORMANCE.md): higher levels cost rows/s for a few percent of size.
[[nodiscard]] int default_level(codec c) noexcept;
/// The levels accepted: gzip 1..9, zstd 1..19 (20..22 need windows of up to 128 MiB).
[[nodiscard]] int min_level(codec c) noexcept;
[[nodiscard]] int max_level(codec c) noexcept;
/// `c` with its level resolved (0 -> the default), or exporter::errc::bad_settings naming the
/// range when the level is outside it.
[[nodiscard]] result<compression> resolve(compression c);

/// What the report's key gets after `.csv`: "", ".gz", ".zst".
[[nodiscard]] std::string_view key_suffix(codec c) noexcept;
/// The object's Content-Type: text/csv; charset=utf-8, application/gzip, application/zstd.
[[nodiscard]] std::string_view content_type(codec c) noexcept;

} // namespace secexport::exporter

#include "export/compression.hpp"

#include "export/error.hpp"

#include <string>

namespace secexport::exporter {

namespace {

// Everything that differs between the codecs, in one place.
struct codec_info {
  codec id;
  std::string_view name, key_suffix, content_type;
  int default_level, min_level, max_level;
};

constexpr codec_info codecs[] = {
    {codec::none, "none", "", "text/csv; charset=utf-8", 0, 0, 0},
    {codec::gzip, "gzip", ".gz", "application/gzip", 1, 1, 9},   // RFC 6713
    {codec::zstd, "zstd", ".zst", "application/zstd", 1, 1, 19}, // RFC 8878
};

const codec_info& info(codec c) noexcept {
  for (const auto& i : codecs)
    if (i.id == c) return i;
  return codecs[0];
}

} // namespace

std::string_view to_string(codec c) noexcept { return info(c).name; }

std::optional<codec> parse_codec(std::string_view text) noexcept {
  for (const auto& i : codecs)
    if (i.name == text) return i.id;
  return std::nullopt;
}

int default_level(codec c) noexcept { return info(c).default_level; }
int min_level(codec c) noexcept { return info(c).min_level; }
int max_level(codec c) noexcept { return info(c).max_level; }

result<compression> resolve(compression c) {
  if (c.codec == codec::none) {
    if (c.level != 0)
      return error{errc::bad_settings, "--compress-level " + std::to_string(c.level) +
                                           " needs a codec: --compress gzip or zstd"};
    return c;
  }
  if (c.level == 0) c.level = default_level(c.codec);
  if (c.level < min_level(c.codec) || c.level > max_level(c.codec))
    return error{errc::bad_settings, "--compress-level " + std::to_string(c.level) + " is not a " +
                                         std::string(to_string(c.codec)) + " level (" +
                                         std::to_string(min_level(c.codec)) + " to " +
                                         std::to_string(max_level(c.codec)) + ")"};
  return c;
}

std::string_view key_suffix(codec c) noexcept { return info(c).key_suffix; }
std::string_view content_type(codec c) noexcept { return info(c).content_type; }

} // namespace secexport::exporter

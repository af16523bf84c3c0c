#include "export/compression.hpp"

#include "export/error.hpp"

#include <string>

namespace secexport::exporter {

std::string_view to_string(codec c) noexcept {
  switch (c) {
  case codec::gzip: return "gzip";
  case codec::zstd: return "zstd";
  case codec::none: break;
  }
  return "none";
}

std::optional<codec> parse_codec(std::string_view text) noexcept {
  if (text == "none") return codec::none;
  if (text == "gzip") return codec::gzip;
  if (text == "zstd") return codec::zstd;
  return std::nullopt;
}

int default_level(codec c) noexcept {
  switch (c) {
  case codec::gzip: return 1;
  case codec::zstd: return 1;
  case codec::none: break;
  }
  return 0;
}

int min_level(codec c) noexcept { return c == codec::none ? 0 : 1; }

int max_level(codec c) noexcept {
  switch (c) {
  case codec::gzip: return 9;
  case codec::zstd: return 19;
  case codec::none: break;
  }
  return 0;
}

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

std::string_view key_suffix(codec c) noexcept {
  switch (c) {
  case codec::gzip: return ".gz";
  case codec::zstd: return ".zst";
  case codec::none: break;
  }
  return "";
}

std::string_view content_type(codec c) noexcept {
  switch (c) {
  case codec::gzip: return "application/gzip"; // RFC 6713
  case codec::zstd: return "application/zstd"; // RFC 8878
  case codec::none: break;
  }
  return "text/csv; charset=utf-8";
}

} // namespace secexport::exporter

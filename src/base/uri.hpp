// Percent-encoding as RFC 3986 and SigV4 want it: unreserved characters (A-Z a-z 0-9 - _ . ~)
// kept, everything else `%XX` with upper-case hex. Used for S3 keys and query strings, the
// event API's query, and STS form bodies.
#pragma once

#include <string>
#include <string_view>

namespace secexport {

/// The value of one hexadecimal digit (either case), or -1.
[[nodiscard]] constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Appends `in` encoded to `out`; `keep_slash` keeps '/' (paths).
void uri_encode(std::string& out, std::string_view in, bool keep_slash);
[[nodiscard]] std::string uri_encode(std::string_view in, bool keep_slash = false);
/// Encodes an object key for a request path: each segment once, '/' kept.
[[nodiscard]] inline std::string uri_encode_path(std::string_view key) { return uri_encode(key, true); }
/// Decodes `%XX` sequences; anything else (including a malformed `%`) is kept as is.
[[nodiscard]] std::string uri_decode(std::string_view in);

} // namespace secexport

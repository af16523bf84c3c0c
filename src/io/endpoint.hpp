// Where a service lives: scheme, host, port and an optional base path, parsed from a URL
// such as `https://127.0.0.1:9000` or `https://s3.eu-west-1.amazonaws.com`.
#pragma once

#include "base/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace secexport::io {

struct endpoint {
  bool tls = true;
  std::string host;      // without brackets for IPv6
  std::uint16_t port = 443;
  std::string base_path; // "" or "/prefix" (no trailing slash)

  /// The Host header value: host, plus ":port" unless it is the scheme's default.
  [[nodiscard]] std::string host_header() const;
  /// `https://host[:port][/base]`
  [[nodiscard]] std::string url() const;
  [[nodiscard]] bool is_ip_literal() const;
  friend bool operator==(const endpoint&, const endpoint&) = default;
};

/// Parses `http[s]://host[:port][/path]`. Anything else (other schemes, user information,
/// query strings, bad ports) is an io::errc error whose message says what is wrong, never
/// the user information itself.
[[nodiscard]] result<endpoint> parse_endpoint(std::string_view url);

/// `url` as it may be printed: user information (`user:password@`) masked as `***@`.
[[nodiscard]] std::string printable_url(std::string_view url);

} // namespace secexport::io

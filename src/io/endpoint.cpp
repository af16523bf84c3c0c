#include "io/endpoint.hpp"

#include "io/error.hpp"

#include <boost/asio/ip/address.hpp>

#include <charconv>

namespace secexport::io {

std::string endpoint::host_header() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (tls ? 443 : 80)) h += ":" + std::to_string(port);
  return h;
}

std::string endpoint::url() const { return (tls ? "https://" : "http://") + host_header() + base_path; }

bool endpoint::is_ip_literal() const {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

std::string printable_url(std::string_view url) {
  auto scheme = url.find("://");
  auto start = scheme == std::string_view::npos ? 0 : scheme + 3;
  auto end = url.find_first_of("/?#", start); // the authority ends there, as parse_endpoint reads it
  auto at = url.substr(0, end).rfind('@');
  if (at == std::string_view::npos || at < start) return std::string(url);
  return std::string(url.substr(0, start)) + "***" + std::string(url.substr(at));
}

result<endpoint> parse_endpoint(std::string_view url) {
  auto fail = [](const char* reason, errc code = errc::bad_url) -> result<endpoint> {
    return error{code, reason};
  };
  endpoint ep;
  if (url.starts_with("https://")) {
    ep.tls = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    ep.tls = false;
    ep.port = 80;
    url.remove_prefix(7);
  } else {
    return fail("the URL must start with https:// or http://");
  }
  for (unsigned char c : url)
    if (c <= 0x20 || c >= 0x7f)
      return fail("the URL must not contain spaces, control characters or non-ASCII bytes (percent-encode them)");
  auto end_of_authority = url.find_first_of("/?#");
  auto authority = url.substr(0, end_of_authority);
  if (end_of_authority != std::string_view::npos) {
    auto path = url.substr(end_of_authority);
    if (path.find_first_of("?#") != std::string_view::npos)
      return fail("the URL must not have a query or fragment");
    while (path.ends_with('/')) path.remove_suffix(1);
    ep.base_path = std::string(path);
  }
  if (authority.find('@') != std::string_view::npos)
    return fail("the URL must not contain user information (user:password@); give credentials another way",
                errc::url_has_userinfo);
  std::string_view host = authority, port;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return fail("unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return fail("unexpected text after the IPv6 address");
      port = rest.substr(1);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return fail("the URL has no host");
  const bool ipv6 = authority.starts_with('[');
  for (char c : host) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    const bool ok = ipv6 ? alnum || c == ':' || c == '.' : alnum || c == '-' || c == '.' || c == '_' || c == '~';
    if (!ok) return fail(ipv6 ? "the IPv6 address has a character an address cannot have"
                              : "the host name has a character host names cannot have");
  }
  ep.host = std::string(host);
  if (!port.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535)
      return fail("the port must be a number from 1 to 65535");
    ep.port = static_cast<std::uint16_t>(value);
  }
  return ep;
}

} // namespace secexport::io

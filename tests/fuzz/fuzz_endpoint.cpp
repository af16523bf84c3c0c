// Fuzzes endpoint URLs (io/endpoint.cpp): --source-url, --endpoint-url, AWS_ENDPOINT_URL and
// the tenant files' source-url are operator-written, and printable_url is what puts them in
// messages and logs.
//
// Input: the whole input is the URL.
//
// Checks:
//   - endpoint-roundtrip: when parse_endpoint accepts the URL, it also accepts ep.url() and
//     gives an equal endpoint (url() is how an endpoint is printed and passed on);
//   - endpoint-rejects: an accepted URL has a non-empty host and a port from 1 to 65535, and
//     has no user information, query or fragment: endpoint.hpp says those are errors, so
//     neither the host nor the base path may contain '@', '?' or '#' ('@' is allowed in a
//     path);
//   - printable-userinfo: printable_url leaves a URL without user information unchanged, and
//     never shows the user information of one that has it. Authority and user information
//     as the implementation defines them: the authority starts after the first "://" (or at
//     the start) and ends before the first '/', '?' or '#'; the user information is the part
//     of it before its last '@'. (Checked when that part has no '*' and occurs nowhere else
//     in the URL, so finding it in the output can only mean it was shown.)
#include "fuzz_check.hpp"

#include "io/endpoint.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

using namespace secexport;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view url(reinterpret_cast<const char*>(data), size);

  if (auto ep = io::parse_endpoint(url)) {
    FUZZ_CHECK("endpoint-rejects", !ep->host.empty() && ep->port != 0, "accepted " + fuzz::quoted(url));
    FUZZ_CHECK("endpoint-rejects", ep->host.find_first_of("@?#") == std::string::npos,
               "accepted " + fuzz::quoted(url) + " with host " + fuzz::quoted(ep->host));
    FUZZ_CHECK("endpoint-rejects", ep->base_path.find_first_of("?#") == std::string::npos,
               "accepted " + fuzz::quoted(url) + " with base path " + fuzz::quoted(ep->base_path));
    const std::string again = ep->url();
    auto back = io::parse_endpoint(again);
    if (!back)
      FUZZ_CHECK("endpoint-roundtrip", false,
                 fuzz::quoted(url) + " gives url() " + fuzz::quoted(again) + ", which does not parse: " +
                     back.error().message);
    else
      FUZZ_CHECK("endpoint-roundtrip", *back == *ep,
                 fuzz::quoted(url) + " gives url() " + fuzz::quoted(again) + ", which parses to host " +
                     fuzz::quoted(back->host) + " port " + std::to_string(back->port) + " path " +
                     fuzz::quoted(back->base_path) + " instead of host " + fuzz::quoted(ep->host) + " port " +
                     std::to_string(ep->port) + " path " + fuzz::quoted(ep->base_path));
  }

  const std::string shown = io::printable_url(url);
  const auto scheme = url.find("://");
  const std::size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  const auto authority = url.substr(start, url.find_first_of("/?#", start) - start);
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos) {
    FUZZ_CHECK("printable-userinfo", shown == url, "changed " + fuzz::quoted(url) + " to " + fuzz::quoted(shown));
  } else {
    const auto userinfo = authority.substr(0, at);
    const bool elsewhere = url.substr(0, start).find(userinfo) != std::string_view::npos ||
                           url.substr(start + at).find(userinfo) != std::string_view::npos;
    if (!userinfo.empty() && userinfo.find('*') == std::string_view::npos && !elsewhere)
      FUZZ_CHECK("printable-userinfo", shown.find(userinfo) == std::string::npos,
                 "showed the user information of " + fuzz::quoted(url) + ": " + fuzz::quoted(shown));
  }
  return 0;
}

#include "s3/addressing.hpp"

#include "base/uri.hpp"
#include "s3/error.hpp"

namespace secexport::s3 {

s3_address address_of(const std::optional<io::endpoint>& custom, const std::string& region,
                      const std::string& bucket, const std::string& key, bool bucket_level) {
  s3_address a;
  bool path_style = true;
  if (custom) {
    a.endpoint = *custom;
  } else {
    // Dotted names break the *.s3.REGION.amazonaws.com wildcard certificate: path style.
    path_style = bucket.find('.') != std::string::npos;
    a.endpoint.tls = true;
    a.endpoint.port = 443;
    a.endpoint.host = (path_style ? "" : bucket + ".") + "s3." + region + ".amazonaws.com";
  }
  a.path = path_style ? "/" + bucket : std::string();
  if (!bucket_level) a.path += "/" + uri_encode_path(key);
  if (a.path.empty()) a.path = "/";
  return a;
}

result<void> check_bucket_name(std::string_view name) {
  auto fail = [&](const std::string& rule) -> result<void> {
    return error{errc::bad_bucket_name, "bucket name '" + std::string(name) + "' " + rule +
                                            " (S3 bucket names: 3 to 63 lower-case letters, digits, '.' and '-')"};
  };
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (name.size() < 3 || name.size() > 63) return fail("must be 3 to 63 characters long");
  for (char c : name)
    if (!alnum(c) && c != '.' && c != '-') {
      if (c == '/') return fail("contains '/': give the bucket alone and put the rest in --prefix");
      return fail("may contain only lower-case letters, digits, '.' and '-'");
    }
  if (!alnum(name.front()) || !alnum(name.back())) return fail("must begin and end with a letter or digit");
  if (name.find("..") != std::string_view::npos) return fail("must not contain two adjacent periods");
  if (name.find(".-") != std::string_view::npos || name.find("-.") != std::string_view::npos)
    return fail("must not have '-' next to '.'");
  int dots = 0;
  bool ip_like = true;
  for (char c : name) {
    if (c == '.') ++dots;
    else if (c < '0' || c > '9') ip_like = false;
  }
  if (ip_like && dots == 3) return fail("must not be formatted as an IP address");
  for (std::string_view pre : {"xn--", "sthree-", "amzn-s3-demo-"})
    if (name.starts_with(pre)) return fail("must not begin with '" + std::string(pre) + "'");
  for (std::string_view suf : {"-s3alias", "--ol-s3", ".mrap", "--x-s3"})
    if (name.ends_with(suf)) return fail("must not end with '" + std::string(suf) + "'");
  return {};
}

} // namespace secexport::s3

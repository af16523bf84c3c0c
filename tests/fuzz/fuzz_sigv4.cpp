// Fuzzes the canonical forms of AWS Signature Version 4 (auth/sigv4.cpp): paths, queries and
// headers of S3 and STS requests carry object keys, prefixes and values that come from
// operators, tenants and listings.
//
// Input: a raw HTTP request in the form of the AWS signing test suite's request.txt
// (tests/data/sigv4/...): "METHOD TARGET HTTP/1.1", header lines "Name:value" (a line that
// starts with a space or tab continues the previous value; a line without ':' is a name
// with an empty value), an empty line, the body. TARGET is the path, then '?' and the query.
// The body's SHA-256 is the payload hash.
//
// Checks:
//   - s3-uri-as-sent: with s3_rules the canonical URI is the path exactly as sent ("/" for
//     an empty one);
//   - generic-uri-form: with generic_rules it starts with '/', has no empty, "." or ".."
//     segment (normalised) and only unreserved characters, '/' and %XX with upper-case hex
//     (encoded);
//   - query-sorted: canonical_query's parameters are name=value pairs, encoded the same way,
//     sorted by name, then value (sigv4.hpp: "Sorted, re-encoded query");
//   - request-shape: canonical_request, with either rule set, is method, canonical URI and
//     canonical query, one per line, the header lines, an empty line, the signed headers
//     (lower-case, sorted, each once) and the payload hash.
#include "fuzz_check.hpp"

#include "auth/sigv4.hpp"
#include "base/crypto.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

using namespace secexport;

namespace {

bool unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}
bool upper_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

// Unreserved characters, %XX, and the characters in `also`.
bool encoded(std::string_view s, std::string_view also) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (unreserved(s[i]) || also.find(s[i]) != std::string_view::npos) continue;
    if (s[i] != '%' || i + 2 >= s.size() || !upper_hex(s[i + 1]) || !upper_hex(s[i + 2])) return false;
    i += 2;
  }
  return true;
}

std::vector<std::string_view> split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  for (std::size_t pos = 0;;) {
    auto next = s.find(separator, pos);
    parts.push_back(s.substr(pos, next - pos));
    if (next == std::string_view::npos) return parts;
    pos = next + 1;
  }
}

bool generic_uri_ok(std::string_view uri) {
  if (!uri.starts_with('/') || !encoded(uri, "/")) return false;
  auto segments = split(uri.substr(1), '/');
  for (std::size_t i = 0; i < segments.size(); ++i) {
    auto s = segments[i];
    if (s == "." || s == "..") return false;
    if (s.empty() && i + 1 < segments.size()) return false; // only a trailing slash may leave one
  }
  return true;
}

bool query_ok(std::string_view query) {
  if (query.empty()) return true;
  std::string_view previous_name, previous_value;
  bool first = true;
  for (auto part : split(query, '&')) {
    auto eq = part.find('=');
    if (eq == std::string_view::npos) return false;
    auto name = part.substr(0, eq), value = part.substr(eq + 1);
    if (!encoded(name, "") || !encoded(value, "")) return false;
    if (!first && (name < previous_name || (name == previous_name && value < previous_value))) return false;
    previous_name = name;
    previous_value = value;
    first = false;
  }
  return true;
}

bool signed_headers_ok(std::string_view list) {
  auto names = split(list, ';');
  for (std::size_t i = 0; i < names.size(); ++i) {
    for (char c : names[i])
      if (c >= 'A' && c <= 'Z') return false;
    if (i > 0 && !(names[i - 1] < names[i])) return false;
  }
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto lines = split(input, '\n');
  for (auto& l : lines)
    if (l.ends_with('\r')) l.remove_suffix(1);

  std::string_view request_line = lines[0];
  auto sp = request_line.find(' ');
  std::string_view method = request_line.substr(0, sp);
  std::string_view target = sp == std::string_view::npos ? "" : request_line.substr(sp + 1);
  target = target.substr(0, target.find(' '));
  auto qm = target.find('?');
  std::string_view path = target.substr(0, qm);
  std::string_view query = qm == std::string_view::npos ? "" : target.substr(qm + 1);

  std::vector<auth::header_field> headers;
  bool names_have_semicolon = false;
  std::size_t i = 1;
  for (; i < lines.size() && !lines[i].empty(); ++i) {
    auto line = lines[i];
    if ((line[0] == ' ' || line[0] == '\t') && !headers.empty()) {
      headers.back().value.append("\n").append(line);
      continue;
    }
    auto colon = line.find(':');
    headers.push_back({std::string(line.substr(0, colon)),
                       colon == std::string_view::npos ? std::string() : std::string(line.substr(colon + 1))});
    names_have_semicolon = names_have_semicolon || headers.back().name.find(';') != std::string::npos;
  }
  std::string body;
  for (std::size_t k = i + 1; k < lines.size(); ++k) body.append(lines[k]).append(k + 1 < lines.size() ? "\n" : "");
  const std::string payload_hash = to_hex(sha256_of(body));

  const std::string s3_uri = auth::canonical_uri(path, auth::s3_rules);
  FUZZ_CHECK("s3-uri-as-sent", s3_uri == (path.empty() ? std::string_view("/") : path), "gave " + fuzz::quoted(s3_uri));
  const std::string generic_uri = auth::canonical_uri(path, auth::generic_rules);
  FUZZ_CHECK("generic-uri-form", generic_uri_ok(generic_uri),
             fuzz::quoted(path) + " gave " + fuzz::quoted(generic_uri));
  const std::string canonical_query = auth::canonical_query(query);
  FUZZ_CHECK("query-sorted", query_ok(canonical_query), fuzz::quoted(query) + " gave " + fuzz::quoted(canonical_query));

  const auth::request_to_sign req{method, path, query, headers, payload_hash};
  for (auto rules : {auth::s3_rules, auth::generic_rules}) {
    auto form = auth::canonical_request(req, rules);
    const std::string head = std::string(method) + "\n" + (rules.encode_path ? generic_uri : s3_uri) + "\n" +
                             canonical_query + "\n";
    const std::string tail = "\n" + form.signed_headers + "\n" + payload_hash;
    FUZZ_CHECK("request-shape", form.request.starts_with(head) && form.request.ends_with(tail),
               "canonical request " + fuzz::quoted(form.request));
    if (!names_have_semicolon)
      FUZZ_CHECK("request-shape", signed_headers_ok(form.signed_headers), "signed headers " + fuzz::quoted(form.signed_headers));
  }
  return 0;
}

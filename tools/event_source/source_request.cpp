// Routing, query parsing and the bearer check of the event source.
#include "source_request.hpp"

#include <openssl/crypto.h>

#include <charconv>

namespace secexport::event_source {
namespace {

constexpr std::string_view tenants_prefix = "/v1/tenants/";
constexpr std::string_view events_suffix = "/security_events";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto x = a[i] >= 'A' && a[i] <= 'Z' ? a[i] - 'A' + 'a' : a[i];
    auto y = b[i] >= 'A' && b[i] <= 'Z' ? b[i] - 'A' + 'a' : b[i];
    if (x != y) return false;
  }
  return true;
}

} // namespace

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

routed_target route(std::string_view target) {
  routed_target r;
  auto q = target.find('?');
  auto path = target.substr(0, q);
  if (q != std::string_view::npos) r.query = target.substr(q + 1);
  if (path == "/_stats") {
    r.which = endpoint::stats;
    return r;
  }
  if (path.size() <= tenants_prefix.size() + events_suffix.size() || !path.starts_with(tenants_prefix) ||
      !path.ends_with(events_suffix))
    return r;
  auto raw = path.substr(tenants_prefix.size(), path.size() - tenants_prefix.size() - events_suffix.size());
  if (raw.find('/') != std::string_view::npos) return r;
  auto tenant = percent_decode(raw);
  if (!tenant || tenant->empty()) return r;
  r.which = endpoint::events;
  r.tenant = std::move(*tenant);
  return r;
}

std::variant<events_query, bad_request> parse_events_query(std::string_view query,
                                                           std::uint32_t max_limit) {
  events_query q;
  bool have_start = false, have_end = false, have_limit = false;
  q.limit = std::min<std::uint32_t>(1000, max_limit);
  while (!query.empty()) {
    auto amp = query.find('&');
    auto item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (item.empty()) continue;
    auto eq = item.find('=');
    auto name = item.substr(0, eq);
    auto raw = eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
    auto value = percent_decode(raw);
    auto what = std::string(name);
    if (!value) return bad_request{"parameter '" + what + "' has an invalid percent-encoding"};
    if (value->empty()) return bad_request{"parameter '" + what + "' is empty"};

    if (name == "start" || name == "end") {
      bool& have = name == "start" ? have_start : have_end;
      if (have) return bad_request{"parameter '" + what + "' is given twice"};
      auto t = parse_rfc3339(*value);
      if (!t)
        return bad_request{"parameter '" + what + "' is not an RFC 3339 date-time (e.g. 2026-11-22T00:00:00Z): '" +
                           *value + "'"};
      (name == "start" ? q.start : q.end) = *t;
      have = true;
    } else if (name == "limit") {
      if (have_limit) return bad_request{"parameter 'limit' is given twice"};
      std::uint64_t v = 0;
      auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), v);
      if (ec != std::errc{} || end != value->data() + value->size() || v < 1 || v > max_limit)
        return bad_request{"parameter 'limit' must be an integer from 1 to " + std::to_string(max_limit) +
                           ", not '" + *value + "'"};
      q.limit = static_cast<std::uint32_t>(v);
      have_limit = true;
    } else if (name == "cursor") {
      if (q.cursor) return bad_request{"parameter 'cursor' is given twice"};
      q.cursor = std::move(*value);
    } else {
      return bad_request{"unknown parameter '" + what + "' (expected start, end, limit, cursor)"};
    }
  }
  if (!have_start) return bad_request{"parameter 'start' is required"};
  if (!have_end) return bad_request{"parameter 'end' is required"};
  if (q.end < q.start) return bad_request{"parameter 'end' is before 'start'"};
  return q;
}

bool bearer_matches(std::string_view authorization, std::string_view token) noexcept {
  constexpr std::string_view scheme = "bearer ";
  if (authorization.size() < scheme.size() || !iequals(authorization.substr(0, scheme.size()), scheme))
    return false;
  auto given = authorization.substr(scheme.size());
  while (!given.empty() && given.front() == ' ') given.remove_prefix(1);
  while (!given.empty() && given.back() == ' ') given.remove_suffix(1);
  if (given.size() != token.size() || token.empty()) return false;
  return CRYPTO_memcmp(given.data(), token.data(), token.size()) == 0;
}

} // namespace secexport::event_source

#include "auth/sigv4.hpp"

#include <openssl/crypto.h>

#include <algorithm>

namespace secexport::auth {
namespace {

char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Header values: trim, and fold every run of whitespace (including line breaks of
// obsolete multi-line values) into one space.
void append_normalized_value(std::string& out, std::string_view value) {
  bool pending_space = false;
  bool any = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      pending_space = any;
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    any = true;
    out.push_back(c);
  }
}

std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t pos = 0;
  bool trailing_slash = false;
  while (pos <= path.size()) {
    auto next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    auto seg = path.substr(pos, next - pos);
    bool last = next == path.size();
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
      trailing_slash = last;
    } else if (seg == ".") {
      trailing_slash = last;
    } else if (seg.empty()) {
      trailing_slash = last;
    } else {
      segments.push_back(seg);
      trailing_slash = false;
    }
    pos = next + 1;
  }
  std::string out;
  for (auto s : segments) out.append("/").append(s);
  if (out.empty() || trailing_slash) out.push_back('/');
  return out;
}

struct query_param {
  std::string name;  // encoded
  std::string value; // encoded
};

void split_query(std::string_view query, std::vector<query_param>& out) {
  std::size_t pos = 0;
  while (pos < query.size()) {
    auto amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    auto part = query.substr(pos, amp - pos);
    if (!part.empty()) {
      auto eq = part.find('=');
      auto name = part.substr(0, eq);
      auto value = eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1);
      out.push_back({uri_encode(uri_decode(name)), uri_encode(uri_decode(value))});
    }
    pos = amp + 1;
  }
}

std::string join_query(std::vector<query_param>& params) {
  std::sort(params.begin(), params.end(), [](const query_param& a, const query_param& b) {
    return a.name != b.name ? a.name < b.name : a.value < b.value;
  });
  std::string out;
  for (const auto& p : params) {
    if (!out.empty()) out.push_back('&');
    out.append(p.name).push_back('=');
    out.append(p.value);
  }
  return out;
}

std::string hmac_hex(const sha256_digest& key, std::string_view data) {
  auto d = hmac_sha256(key, data);
  return to_hex(d);
}

} // namespace

std::string signing_scope::credential_scope() const {
  std::string s = format_amz_day(time);
  s.append("/").append(region).append("/").append(service).append("/aws4_request");
  return s;
}

std::string canonical_uri(std::string_view path, sigv4_rules rules) {
  if (path.empty()) return "/";
  std::string p = rules.normalize_path ? normalize_path(path) : std::string(path);
  return rules.encode_path ? uri_encode(p, true) : p;
}

std::string canonical_query(std::string_view query, std::span<const header_field> extra) {
  std::vector<query_param> params;
  split_query(query, params);
  for (const auto& e : extra) params.push_back({uri_encode(e.name), uri_encode(e.value)});
  return join_query(params);
}

canonical_form canonical_request(const request_to_sign& req, sigv4_rules rules,
                                 std::span<const header_field> extra_query) {
  // Lower-case names, keep the order of repeated headers, sort by name (stable).
  std::vector<std::pair<std::string, std::string_view>> headers;
  headers.reserve(req.headers.size());
  for (const auto& h : req.headers) {
    std::string name(h.name);
    std::transform(name.begin(), name.end(), name.begin(), ascii_lower);
    headers.emplace_back(std::move(name), h.value);
  }
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });

  canonical_form out;
  auto& c = out.request;
  c.reserve(256);
  c.append(req.method).push_back('\n');
  c.append(canonical_uri(req.path, rules)).push_back('\n');
  c.append(canonical_query(req.query, extra_query)).push_back('\n');
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (i > 0 && headers[i].first == headers[i - 1].first) {
      c.back() = ','; // replace the previous line's '\n': repeated header values join with ','
    } else {
      c.append(headers[i].first).push_back(':');
      if (!out.signed_headers.empty()) out.signed_headers.push_back(';');
      out.signed_headers.append(headers[i].first);
    }
    append_normalized_value(c, headers[i].second);
    c.push_back('\n');
  }
  c.push_back('\n');
  c.append(out.signed_headers).push_back('\n');
  c.append(req.payload_hash);
  return out;
}

std::string string_to_sign(const signing_scope& scope, std::string_view canonical) {
  std::string s;
  s.reserve(160);
  s.append(sigv4_algorithm).push_back('\n');
  s.append(scope.amz_date()).push_back('\n');
  s.append(scope.credential_scope()).push_back('\n');
  s.append(to_hex(sha256_of(canonical)));
  return s;
}

sha256_digest derive_signing_key(std::string_view secret_access_key, std::string_view day,
                                 std::string_view region, std::string_view service) {
  std::string k = "AWS4";
  k.append(secret_access_key);
  auto k_date = hmac_sha256(k, day);
  OPENSSL_cleanse(k.data(), k.size());
  auto k_region = hmac_sha256(k_date, region);
  auto k_service = hmac_sha256(k_region, service);
  return hmac_sha256(k_service, "aws4_request");
}

sha256_digest signer::signing_key(std::string_view secret_access_key, const signing_scope& scope) {
  auto day = format_amz_day(scope.time);
  auto fingerprint = to_hex(sha256_of(secret_access_key));
  std::lock_guard lock(mutex_);
  for (const auto& e : cache_)
    if (e.day == day && e.region == scope.region && e.service == scope.service &&
        e.secret_fingerprint == fingerprint)
      return e.key;
  auto key = derive_signing_key(secret_access_key, day, scope.region, scope.service);
  if (cache_.size() >= 16) cache_.erase(cache_.begin()); // old days and rotated credentials
  cache_.push_back({std::move(fingerprint), std::move(day), std::string(scope.region),
                    std::string(scope.service), key});
  return key;
}

header_signature signer::sign(const request_to_sign& req, const signing_identity& id,
                              const signing_scope& scope, sigv4_rules rules) {
  header_signature out;
  auto canonical = canonical_request(req, rules);
  out.canonical_request = std::move(canonical.request);
  out.string_to_sign = string_to_sign(scope, out.canonical_request);
  out.signature = hmac_hex(signing_key(id.secret_access_key->reveal(), scope), out.string_to_sign);
  auto& a = out.authorization;
  a.reserve(200);
  a.append(sigv4_algorithm).append(" Credential=").append(id.access_key_id).push_back('/');
  a.append(scope.credential_scope()).append(", SignedHeaders=").append(canonical.signed_headers);
  a.append(", Signature=").append(out.signature);
  return out;
}

header_signature signer::sign_headers(std::string_view method, std::string_view path,
                                      std::string_view query, std::vector<header_field>& headers,
                                      std::string_view payload_hash,
                                      std::string_view content_sha256_header,
                                      const signing_identity& id, const signing_scope& scope,
                                      sigv4_rules rules, bool sign_token) {
  headers.push_back({"X-Amz-Date", scope.amz_date()});
  bool has_token = id.session_token && !id.session_token->empty();
  if (has_token && sign_token)
    headers.push_back({"X-Amz-Security-Token", std::string(id.session_token->reveal())});
  if (!content_sha256_header.empty())
    headers.push_back({"x-amz-content-sha256", std::string(content_sha256_header)});
  return sign({method, path, query, headers, payload_hash}, id, scope, rules);
}

signer::presigned signer::presign(std::string_view method, std::string_view path,
                                  std::string_view query, std::span<const header_field> headers,
                                  std::string_view payload_hash, std::chrono::seconds expires,
                                  const signing_identity& id, const signing_scope& scope,
                                  sigv4_rules rules, bool sign_token) {
  // Signed-headers list first: it is one of the signed query parameters.
  request_to_sign probe{method, path, {}, headers, payload_hash};
  auto signed_headers = canonical_request(probe, rules).signed_headers;

  std::vector<header_field> params{
      {"X-Amz-Algorithm", std::string(sigv4_algorithm)},
      {"X-Amz-Credential", std::string(id.access_key_id) + "/" + scope.credential_scope()},
      {"X-Amz-Date", scope.amz_date()},
      {"X-Amz-SignedHeaders", signed_headers},
      {"X-Amz-Expires", std::to_string(expires.count())},
  };
  bool has_token = id.session_token && !id.session_token->empty();
  if (has_token && sign_token)
    params.push_back({"X-Amz-Security-Token", std::string(id.session_token->reveal())});

  presigned out;
  out.canonical_request =
      canonical_request({method, path, query, headers, payload_hash}, rules, params).request;
  out.string_to_sign = string_to_sign(scope, out.canonical_request);
  out.signature = hmac_hex(signing_key(id.secret_access_key->reveal(), scope), out.string_to_sign);

  if (has_token && !sign_token)
    params.push_back({"X-Amz-Security-Token", std::string(id.session_token->reveal())});
  params.push_back({"X-Amz-Signature", out.signature});
  out.query = std::string(query);
  for (const auto& p : params) {
    if (!out.query.empty()) out.query.push_back('&');
    out.query.append(p.name).push_back('=');
    uri_encode(out.query, p.value, false);
  }
  return out;
}

std::string chunk_signature(const sha256_digest& signing_key, const signing_scope& scope,
                            std::string_view previous_signature, std::string_view chunk_sha256_hex) {
  std::string s = "AWS4-HMAC-SHA256-PAYLOAD\n";
  s.append(scope.amz_date()).push_back('\n');
  s.append(scope.credential_scope()).push_back('\n');
  s.append(previous_signature).push_back('\n');
  s.append(empty_sha256_hex).push_back('\n');
  s.append(chunk_sha256_hex);
  return hmac_hex(signing_key, s);
}

std::string trailer_signature(const sha256_digest& signing_key, const signing_scope& scope,
                              std::string_view previous_signature,
                              std::string_view canonical_trailers) {
  std::string s = "AWS4-HMAC-SHA256-TRAILER\n";
  s.append(scope.amz_date()).push_back('\n');
  s.append(scope.credential_scope()).push_back('\n');
  s.append(previous_signature).push_back('\n');
  s.append(to_hex(sha256_of(canonical_trailers)));
  return hmac_hex(signing_key, s);
}

} // namespace secexport::auth

// AWS Signature Version 4: canonical request, string to sign, signing key, Authorization
// header, presigned (query) URLs and aws-chunked chunk/trailer signatures.
//
// Two rule sets matter: S3 (the path is used exactly as sent: each key segment encoded once,
// no dot-segment normalisation) and every other service (the path is normalised and encoded
// again). `sigv4_rules` switches between them; the official test suites run with
// `generic_rules`, S3 requests with `s3_rules`.
//
// All functions are pure apart from `signer`, which caches derived signing keys; a `signer`
// is thread-safe.
#pragma once

#include "base/crypto.hpp"
#include "base/secret.hpp"
#include "base/uri.hpp"
#include "io/http_header.hpp"
#include "base/time.hpp"

#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace secexport::auth {

using header_field = io::http_header;

struct sigv4_rules {
  bool normalize_path; // remove `.`/`..` segments and empty segments
  bool encode_path;    // URI-encode the path as given (S3: false, it is already encoded once)
};
inline constexpr sigv4_rules s3_rules{false, false};
inline constexpr sigv4_rules generic_rules{true, true};

inline constexpr std::string_view unsigned_payload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view sigv4_algorithm = "AWS4-HMAC-SHA256";

/// A request as it goes on the wire.
struct request_to_sign {
  std::string_view method;
  std::string_view path;  // as sent (S3: key segments already encoded by uri_encode_path)
  std::string_view query; // as sent, without '?'; may be empty
  std::span<const header_field> headers; // exactly the headers to sign; must include host
  std::string_view payload_hash;         // hex SHA-256 of the body, or UNSIGNED-PAYLOAD, ...
};

struct signing_scope {
  sys_s time;
  std::string_view region;
  std::string_view service;

  [[nodiscard]] std::string amz_date() const { return format_amz_date(time); }
  [[nodiscard]] std::string credential_scope() const; // 20150830/us-east-1/s3/aws4_request
};

[[nodiscard]] std::string canonical_uri(std::string_view path, sigv4_rules rules);
/// Sorted, re-encoded query; `extra` parameters (already decoded) are merged in.
[[nodiscard]] std::string canonical_query(std::string_view query,
                                          std::span<const header_field> extra = {});

struct canonical_form {
  std::string request;        // the canonical request
  std::string signed_headers; // host;x-amz-date;...
};
[[nodiscard]] canonical_form canonical_request(const request_to_sign& req, sigv4_rules rules,
                                               std::span<const header_field> extra_query = {});

[[nodiscard]] std::string string_to_sign(const signing_scope& scope, std::string_view canonical);

[[nodiscard]] sha256_digest derive_signing_key(std::string_view secret_access_key,
                                               std::string_view day, std::string_view region,
                                               std::string_view service);

/// What the signer needs of a set of credentials.
struct signing_identity {
  std::string_view access_key_id;
  const secret* secret_access_key;
  const secret* session_token; // may be empty
};

struct header_signature {
  std::string authorization; // value of the Authorization header
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature; // hex
};

/// Signs with the caches a long-running process wants: the derived key per
/// (secret, day, region, service). Thread-safe.
class signer {
public:
  /// Signs `req`, whose headers must already hold every header to sign (host, x-amz-date,
  /// x-amz-content-sha256, x-amz-security-token as the caller chose).
  [[nodiscard]] header_signature sign(const request_to_sign& req, const signing_identity& id,
                                      const signing_scope& scope, sigv4_rules rules);

  /// Adds `X-Amz-Date`, `X-Amz-Security-Token` (when the identity has one and
  /// `sign_token` is true) and, unless empty, `x-amz-content-sha256` to `headers`, signs them
  /// all and returns the signature; the caller sends `headers` plus Authorization (plus the
  /// token header afterwards when `sign_token` is false).
  [[nodiscard]] header_signature sign_headers(std::string_view method, std::string_view path,
                                              std::string_view query,
                                              std::vector<header_field>& headers,
                                              std::string_view payload_hash,
                                              std::string_view content_sha256_header,
                                              const signing_identity& id,
                                              const signing_scope& scope, sigv4_rules rules,
                                              bool sign_token = true);

  struct presigned {
    std::string query; // the full query string to send, signature last
    std::string canonical_request;
    std::string string_to_sign;
    std::string signature;
  };
  /// Query-string signing (presigned URL). `sign_token` false appends the token after signing.
  [[nodiscard]] presigned presign(std::string_view method, std::string_view path,
                                  std::string_view query, std::span<const header_field> headers,
                                  std::string_view payload_hash, std::chrono::seconds expires,
                                  const signing_identity& id, const signing_scope& scope,
                                  sigv4_rules rules, bool sign_token = true);

  [[nodiscard]] sha256_digest signing_key(std::string_view secret_access_key,
                                          const signing_scope& scope);

private:
  struct cached_key {
    std::string secret_fingerprint; // SHA-256 of the secret, never the secret itself
    std::string day, region, service;
    sha256_digest key;
  };
  std::mutex mutex_;
  std::vector<cached_key> cache_; // a handful of entries: one per (credential, day, region, service)
};

/// aws-chunked payload signing (STREAMING-AWS4-HMAC-SHA256-PAYLOAD): the signature of one
/// chunk, chained from the previous signature (the seed is the header signature).
[[nodiscard]] std::string chunk_signature(const sha256_digest& signing_key,
                                          const signing_scope& scope,
                                          std::string_view previous_signature,
                                          std::string_view chunk_sha256_hex);
/// The trailer signature (AWS4-HMAC-SHA256-TRAILER) over canonical trailing headers.
[[nodiscard]] std::string trailer_signature(const sha256_digest& signing_key,
                                            const signing_scope& scope,
                                            std::string_view previous_signature,
                                            std::string_view canonical_trailers);

} // namespace secexport::auth

// The JSON documents that carry credentials: the instance metadata service's role document,
// the container credentials endpoint's answer and `credential_process` output. They share
// field names (AccessKeyId, SecretAccessKey, Expiration) and differ in what is required, so
// one reader takes the fields and each caller says what it needs. Pure; the values read are
// registered as secrets (base/secret.hpp) as soon as they are parsed.
#pragma once

#include "auth/credentials.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace secexport::auth {

/// The string fields of a credentials document (absent or not a string: nullopt).
struct credentials_document {
  std::optional<std::string> code;              // IMDS: "Success"
  std::optional<std::int64_t> version;          // credential_process: 1
  std::optional<std::string> access_key_id;
  std::optional<std::string> secret_access_key;
  std::optional<std::string> token;             // IMDS and containers
  std::optional<std::string> session_token;     // credential_process
  std::optional<std::string> expiration;        // RFC 3339
  std::optional<std::string> role_arn;          // containers (ECS) may say which role
};

/// nullopt when `json` is not a JSON object.
[[nodiscard]] std::optional<credentials_document> read_credentials_document(std::string_view json);

/// Credentials from the fields; nullopt when a key is missing, the expiration is required and
/// missing, or it is present and not an RFC 3339 time.
[[nodiscard]] std::optional<credentials> make_credentials(const std::optional<std::string>& access_key_id,
                                                          const std::optional<std::string>& secret_access_key,
                                                          const std::optional<std::string>& token,
                                                          const std::optional<std::string>& expiration,
                                                          bool expiration_required);

} // namespace secexport::auth

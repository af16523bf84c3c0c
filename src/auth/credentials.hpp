// AWS credentials as the rest of secexport sees them.
#pragma once

#include "auth/sigv4.hpp"
#include "base/secret.hpp"
#include "base/time.hpp"

#include <optional>
#include <string>

namespace secexport::auth {

struct credentials {
  std::string access_key_id;
  secret secret_access_key;
  secret session_token;            // empty for long-term keys
  std::optional<sys_s> expiration; // set for temporary credentials
  std::string source;              // where they came from, for messages ("environment", ...)

  [[nodiscard]] signing_identity identity() const {
    return {access_key_id, &secret_access_key, &session_token};
  }
  [[nodiscard]] bool temporary() const noexcept { return expiration.has_value(); }
};

} // namespace secexport::auth

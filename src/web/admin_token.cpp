#include "web/admin_token.hpp"

#include "base/crypto.hpp"

#include <openssl/crypto.h>

namespace secexport::web {

bool bearer_matches(std::string_view authorization, const secret& token) {
  constexpr std::string_view scheme = "Bearer ";
  if (token.empty()) return false;
  std::string_view given;
  if (authorization.size() > scheme.size()) {
    // The scheme is case-insensitive (RFC 9110); its name is not a secret.
    bool is_bearer = true;
    for (std::size_t i = 0; i < scheme.size(); ++i)
      if ((authorization[i] | 0x20) != (scheme[i] | 0x20)) is_bearer = false;
    if (is_bearer) given = authorization.substr(scheme.size());
  }
  const auto a = sha256_of(given);
  const auto b = sha256_of(token.reveal());
  const bool equal = CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
  return equal && !given.empty();
}

bool acceptable_token(std::string_view token) noexcept {
  if (token.size() < 16 || token.size() > 4096) return false;
  for (char c : token)
    if (c <= ' ' || c > '~') return false;
  return true;
}

} // namespace secexport::web

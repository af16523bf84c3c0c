// The admin bearer token that every API call must carry ("Authorization: Bearer TOKEN").
// The token comes from a 0600 file the operator makes (the command reads it); it is a
// `secret`, so it is redacted from every log line.
#pragma once

#include "base/secret.hpp"

#include <string_view>

namespace secexport::web {

/// Whether `authorization` (the header's value) is "Bearer " followed by exactly `token`.
/// Constant time in the token's content: both sides are hashed (SHA-256) and the digests
/// compared with CRYPTO_memcmp, so neither the length nor a prefix of the token leaks
/// through timing. An empty token never matches.
[[nodiscard]] bool bearer_matches(std::string_view authorization, const secret& token);

/// A token an operator may use: at least 16 characters, printable ASCII without spaces
/// (what `openssl rand -hex 32` makes). False for anything else.
[[nodiscard]] bool acceptable_token(std::string_view token) noexcept;

} // namespace secexport::web

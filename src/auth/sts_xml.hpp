// The XML of the STS answers secexport reads (AssumeRole, AssumeRoleWithWebIdentity,
// GetCallerIdentity) and the session-name rules. Pure; fuzzed.
#pragma once

#include "auth/credentials.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace secexport::auth {

struct assumed_role {
  credentials session; // the temporary credentials of the role session
  std::string assumed_role_arn; // arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION
};

struct caller_identity {
  std::string account;
  std::string arn;
  std::string user_id;
};
/// STS RoleSessionName rules: 2..64 of [A-Za-z0-9+=,.@_-]; anything else becomes '-'.
[[nodiscard]] std::string sanitize_session_name(std::string_view name);

/// Parses the body of an AssumeRole response; nullopt if it lacks any credential field.
[[nodiscard]] std::optional<assumed_role> parse_assume_role_response(std::string_view xml);
/// The same for AssumeRoleWithWebIdentity.
[[nodiscard]] std::optional<assumed_role> parse_assume_role_with_web_identity_response(std::string_view xml);
[[nodiscard]] std::optional<caller_identity> parse_caller_identity_response(std::string_view xml);

} // namespace secexport::auth

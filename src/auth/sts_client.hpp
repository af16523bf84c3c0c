// The two STS actions secexport uses, over an aws_client whose credentials are the caller's:
// AssumeRole (role method: the exporter's identity assumes the customer's role with the
// tenant's external ID) and GetCallerIdentity (to show customers which principal to trust).
#pragma once

#include "auth/aws_client.hpp"
#include "auth/aws_config.hpp"
#include "auth/credentials.hpp"

#include <boost/asio/awaitable.hpp>

namespace secexport::auth {

struct assumed_role {
  credentials session; // the temporary credentials of the role session
  std::string assumed_role_arn; // arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION
};

/// Throws aws_call_error whose message names the role ARN and the external ID (not secret:
/// customers see it) and says what to check in the role's trust policy.
[[nodiscard]] boost::asio::awaitable<assumed_role> assume_role(aws_client& sts,
                                                               const assume_role_spec& role);

struct caller_identity {
  std::string account;
  std::string arn;
  std::string user_id;
};
[[nodiscard]] boost::asio::awaitable<caller_identity> get_caller_identity(aws_client& sts);

/// STS RoleSessionName rules: 2..64 of [A-Za-z0-9+=,.@_-]; anything else becomes '-'.
[[nodiscard]] std::string sanitize_session_name(std::string_view name);

/// Parses the body of an AssumeRole response; nullopt if it lacks any credential field.
[[nodiscard]] std::optional<assumed_role> parse_assume_role_response(std::string_view xml);
[[nodiscard]] std::optional<caller_identity> parse_caller_identity_response(std::string_view xml);

} // namespace secexport::auth

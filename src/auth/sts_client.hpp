// The STS actions secexport uses, over an aws_client whose credentials are the caller's:
// AssumeRole (role method: the exporter's identity assumes the customer's role with the
// tenant's external ID), AssumeRoleWithWebIdentity (EKS IRSA and other OIDC identities) and
// GetCallerIdentity (to show customers which principal to trust, and `whoami`).
#pragma once

#include "auth/aws_client.hpp"
#include "auth/aws_config.hpp"
#include "auth/credentials.hpp"
#include "auth/sts_xml.hpp"

#include <boost/asio/awaitable.hpp>

namespace secexport::auth {

/// Throws aws_call_error whose message names the role ARN and the external ID (not secret:
/// customers see it) and says what to check in the role's trust policy.
[[nodiscard]] boost::asio::awaitable<assumed_role> assume_role(aws_client& sts,
                                                               const assume_role_spec& role);

/// Web identity: `sts` must be an unsigned client (null credentials). The token is sent in
/// the body only; messages name the role and the token file, never the token.
[[nodiscard]] boost::asio::awaitable<assumed_role>
assume_role_with_web_identity(aws_client& sts, const web_identity_spec& spec, const secret& token);

[[nodiscard]] boost::asio::awaitable<caller_identity> get_caller_identity(aws_client& sts);

} // namespace secexport::auth

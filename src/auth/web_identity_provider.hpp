// Web identity credentials (EKS IRSA, GitHub Actions OIDC, any OIDC provider): STS
// AssumeRoleWithWebIdentity with the token in `web_identity_spec::token_file`, sent unsigned
// (the token is the proof). The token file is read again at every refresh, because
// Kubernetes rotates the projected token; the token is a secret (registered for redaction,
// never logged, never in a message). Refreshed before expiry (credentials_provider.hpp).
#pragma once

#include "auth/aws_client.hpp"
#include "auth/aws_config.hpp"
#include "auth/credentials_provider.hpp"
#include "io/endpoint.hpp"

namespace secexport::auth {

[[nodiscard]] std::shared_ptr<refreshing_provider>
web_identity_credentials(aws_context& context, io::endpoint sts_endpoint, std::string region, web_identity_spec spec,
                         refresh_options options = {});

} // namespace secexport::auth

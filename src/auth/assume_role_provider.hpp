// Temporary credentials from STS AssumeRole: the role-arn method (the exporter's identity
// assumes the customer's role with the tenant's external ID) and `role_arn` in profiles.
// Refreshed before they expire (credentials_provider.hpp).
#pragma once

#include "auth/aws_client.hpp"
#include "auth/aws_config.hpp"
#include "auth/credentials_provider.hpp"

namespace secexport::auth {

/// Assumes `role` (with its external ID) using credentials from `source`, through STS at
/// `sts_endpoint` in `region`.
[[nodiscard]] std::shared_ptr<refreshing_provider>
assume_role_credentials(aws_context& context, io::endpoint sts_endpoint, std::string region,
                        std::shared_ptr<credentials_provider> source, assume_role_spec role,
                        refresh_options options = {});

} // namespace secexport::auth

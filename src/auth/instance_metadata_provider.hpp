// Credentials from the EC2 instance metadata service (IMDSv2), the last link of the
// credential chain: the instance profile's role credentials, fetched with a session token
// (PUT /latest/api/token, then GET /latest/meta-data/iam/security-credentials/[ROLE]) and
// refreshed before they expire like any temporary credentials. Plain HTTP on a link-local
// address; short deadlines (1 s to connect, 2 s per response), so a machine without the
// service fails fast with a message that says what was looked for.
#pragma once

#include "auth/aws_client.hpp"
#include "auth/credentials_provider.hpp"
#include "io/endpoint.hpp"

#include <optional>
#include <string_view>

namespace secexport::auth {

/// The JSON document IMDS returns for a role; nullopt unless Code is Success and every
/// field is present.
[[nodiscard]] std::optional<credentials> parse_instance_credentials(std::string_view json);

[[nodiscard]] std::shared_ptr<refreshing_provider>
instance_metadata_credentials(aws_context& context, io::endpoint imds, refresh_options options = {});

} // namespace secexport::auth

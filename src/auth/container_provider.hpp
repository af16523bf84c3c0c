// Container credentials: the endpoint ECS gives a task (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
// at http://169.254.170.2) and EKS Pod Identity gives a pod (AWS_CONTAINER_CREDENTIALS_FULL_URI,
// http://169.254.170.23/v1/credentials, with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE). A GET
// with the authorization token, if any, in the `Authorization` header; the answer is JSON with
// AccessKeyId, SecretAccessKey, Token and Expiration, refreshed before it expires like any
// temporary credentials (credentials_provider.hpp).
//
// Host rules, as the AWS SDKs apply them (botocore's ContainerMetadataFetcher): https to any
// host; plain http only to a loopback address (127.0.0.0/8, ::1, `localhost`) or to the
// documented link-local addresses 169.254.170.2 (ECS), 169.254.170.23 and fd00:ec2::23 (EKS
// Pod Identity), so the token is never sent in clear across a network. The token file is
// read again at every fetch (the agent rotates it); a token with CR or LF inside is refused
// (it would end the header); trailing white space and line ends are dropped.
#pragma once

#include "auth/aws_client.hpp"
#include "auth/aws_config.hpp"
#include "auth/credentials_provider.hpp"
#include "io/endpoint.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace secexport::auth {

struct container_target {
  io::endpoint endpoint; // scheme, host, port
  std::string target;    // path and query, as sent
};

/// The URL checked against the host rules above; errc::bad_config naming the rule otherwise.
[[nodiscard]] result<container_target> container_endpoint(std::string_view url);

/// The endpoint's JSON answer; nullopt unless AccessKeyId, SecretAccessKey, Token and an RFC
/// 3339 Expiration are all present.
[[nodiscard]] std::optional<credentials> parse_container_credentials(std::string_view json);

/// Throws config_error when the URL breaks the host rules.
[[nodiscard]] std::shared_ptr<refreshing_provider>
container_credentials(aws_context& context, container_spec spec, refresh_options options = {});

} // namespace secexport::auth

// Resolves what the AWS CLI would use, from flags, the environment and the shared files:
// the credentials (static keys, or a chain of roles to assume on top of them), the region,
// and the S3 and STS endpoints. Resolution is synchronous and pure (the environment and the
// files are inputs), so every precedence rule is unit-tested; assuming the roles happens
// later, in credentials_provider.
//
// Credential precedence: the AWS CLI's (botocore's) chain, first link that is configured wins:
//   0. explicit keys (secexport's own configuration, a tenant's settings);
//   1. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN (skipped when --profile
//      names a profile explicitly, as in the AWS CLI);
//   2. the profile's `role_arn` with `source_profile` or `credential_source`
//      (Environment, EcsContainer, Ec2InstanceMetadata): AssumeRole, chained;
//   3. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (+ AWS_ROLE_SESSION_NAME), or
//      the profile's `web_identity_token_file` + `role_arn` (+ `role_session_name`); each key
//      from the environment first (unless --profile), then the profile;
//   4. (SSO: `sso_session` / `sso_start_url` profiles are refused: not supported);
//   5. the profile's keys in the shared credentials file;
//   6. the profile's `credential_process`;
//   7. the profile's keys in the config file;
//   8. container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (http://169.254.170.2 +
//      path) or AWS_CONTAINER_CREDENTIALS_FULL_URI, with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
//      or AWS_CONTAINER_AUTHORIZATION_TOKEN (ECS tasks, EKS Pod Identity);
//   9. the EC2 instance metadata service (IMDSv2), unless AWS_EC2_METADATA_DISABLED=true;
//      AWS_EC2_METADATA_SERVICE_ENDPOINT moves it (default http://169.254.169.254);
// then `--role-arn` (with --external-id ...) is assumed on top of whatever that produced.
// The profile is --profile, else AWS_PROFILE, else "default"; a profile that exists but has
// none of the keys above lets the chain go on to 8 and 9, as in the AWS CLI.
#pragma once

#include "auth/credentials.hpp"
#include "auth/shared_config.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace secexport::auth {

struct assume_role_spec {
  std::string role_arn;
  std::string external_id;  // empty: none sent
  std::string session_name; // empty: "secexport-<unix time>"
  std::chrono::seconds duration{3600};
  std::string source;       // where the role was configured, for messages
};

/// STS AssumeRoleWithWebIdentity with a token read from a file at every refresh.
struct web_identity_spec {
  std::string token_file;
  std::string role_arn;
  std::string session_name; // empty: "secexport-<unix time>"
  std::string source;       // "AWS_WEB_IDENTITY_TOKEN_FILE=/path" or "profile 'p' (...)"
};

/// The ECS / EKS Pod Identity credentials endpoint.
struct container_spec {
  std::string url;          // checked by container_endpoint() (container_provider.hpp)
  std::string variable;     // which variable named it, for messages
  std::string token_file;   // AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: read at every fetch
  secret token;             // else AWS_CONTAINER_AUTHORIZATION_TOKEN (may be empty: no header)
};

/// A profile's `credential_process`.
struct process_spec {
  std::string command;      // as written in the profile; split by split_command_line()
  std::string profile;      // for messages
};

/// Where the base credentials come from: exactly one of `web_identity`, `container`,
/// `process`, `instance_metadata`, else the static `base` keys.
struct credential_plan {
  credentials base;                    // long-term (or environment session) credentials
  std::string instance_metadata;       // else: the IMDS endpoint to fetch role credentials from
  std::optional<web_identity_spec> web_identity;
  std::optional<container_spec> container;
  std::optional<process_spec> process;

  std::vector<assume_role_spec> roles; // assumed in order, each with the previous as source
  [[nodiscard]] std::string describe() const;
};

struct aws_options {
  std::optional<std::string> profile;           // --profile
  std::optional<credentials> explicit_keys;     // from configuration
  std::optional<assume_role_spec> role;         // --role-arn ...
  std::optional<std::string> region;            // --region
  std::optional<std::string> endpoint_url;      // --endpoint-url (S3)
  std::optional<std::string> sts_endpoint_url;  // --sts-endpoint-url
  bool need_credentials = true;
};

struct aws_settings {
  credential_plan credentials;
  std::string region;
  std::string s3_endpoint;  // empty: AWS, virtual-hosted per bucket
  std::string sts_endpoint; // always set (regional AWS endpoint by default)
  std::string profile_name; // the profile consulted ("default" if none was named)
};

/// Throws config_error with a message naming the profile/file/variable that is wrong, never
/// a secret value.
[[nodiscard]] aws_settings resolve_aws_settings(const aws_options& options, const environment& env,
                                                const shared_config& files);

} // namespace secexport::auth

// Resolves what the AWS CLI would use, from flags, the environment and the shared files:
// the credentials (static keys, or a chain of roles to assume on top of them), the region,
// and the S3 and STS endpoints. Resolution is synchronous and pure (the environment and the
// files are inputs), so every precedence rule is unit-tested; assuming the roles happens
// later, in credentials_provider.
//
// Credential precedence, as in the AWS CLI:
//   1. explicit keys (secexport's own configuration, a tenant's settings),
//   2. an explicit --profile,
//   3. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN,
//   4. the profile named by AWS_PROFILE, else "default", in the shared files,
//   5. the EC2 instance metadata service (IMDSv2: the instance profile's role credentials,
//      refreshed before they expire), unless AWS_EC2_METADATA_DISABLED=true;
//      AWS_EC2_METADATA_SERVICE_ENDPOINT moves it (default http://169.254.169.254),
// then `--role-arn` (with --external-id ...) is assumed on top of whatever that produced.
// A profile with `role_arn` assumes that role from its `source_profile` (or
// `credential_source = Environment`), with `external_id`, `role_session_name` and
// `duration_seconds`, exactly like ~/.aws/config written for the AWS CLI.
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

struct credential_plan {
  credentials base;                    // long-term (or environment session) credentials
  std::string instance_metadata;       // else: the IMDS endpoint to fetch role credentials from

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

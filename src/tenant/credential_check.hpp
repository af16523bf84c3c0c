// "Test credentials": proves, with the tenant's own credentials, every permission an export
// needs, one S3 (or STS) call per IAM action, and reports each step with the action it needs.
//
//   AssumeRole         sts:AssumeRole (role-arn method: trust policy + external ID)
//   GetBucketLocation  s3:GetBucketLocation
//   ListObjectsV2      s3:ListBucket (on the tenant's prefix)
//   PutObject          s3:PutObject (a small probe object under the prefix)
//   GetObject          s3:GetObject (the probe, content compared)
//   DeleteObject       s3:DeleteObject (the probe; never left behind when this is allowed)
//
// A step that cannot run because an earlier one failed is "skipped", not failed, so exactly
// the missing permission's step fails.
#pragma once

#include "auth/credentials_provider.hpp"
#include "s3/s3_client.hpp"

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <string>
#include <vector>

namespace secexport::tenant {

enum class step_status { passed, failed, skipped };

struct check_step {
  std::string name;   // "PutObject"
  std::string action; // "s3:PutObject"
  step_status status = step_status::skipped;
  std::string code;   // S3/STS error code when failed ("AccessDenied")
  std::string detail; // one line: what was done, or why it failed/was skipped
  bool denied = false; // failed for want of `action` (else the cause is in code and detail)
};

struct check_report {
  std::vector<check_step> steps;
  [[nodiscard]] bool passed() const noexcept;
  /// The first failed step, or nullptr.
  [[nodiscard]] const check_step* first_failure() const noexcept;
};

struct check_request {
  std::string tenant;
  std::string bucket, prefix;
  bool assume_role = false;    // role-arn method: the provider assumes the role on first use
  std::string role_arn, external_id; // for messages
  /// Called with each step as soon as its outcome is known, in the report's order (a page
  /// shows the steps as they arrive). Optional.
  std::function<boost::asio::awaitable<void>(const check_step&)> on_step;
};

/// Runs the steps with `s3`, whose credentials provider is `credentials` (the tenant's). The probe key is
/// PREFIX/.secexport-credential-check/<random>.txt.
[[nodiscard]] boost::asio::awaitable<check_report> check_credentials(s3::s3_client& s3,
                                                                   auth::credentials_provider& credentials,
                                                                   check_request request);

/// One line per step: "  pass  PutObject          s3:PutObject         wrote s3://b/k (96 bytes)".
[[nodiscard]] std::string format_report(const check_report& report);

} // namespace secexport::tenant

// The IAM documents secexport shows customers: the least-privilege permissions policy for
// their bucket (the spec's, with the object resource correctly written as BUCKET/*), the
// optional extra that lets a failed multipart upload be cleaned up, and the trust policy of
// the role they create for the role-arn method. All pure; JSON is printed indented, ready to
// paste into the IAM console.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace secexport::tenant {

/// ListBucket + GetBucketLocation on arn:aws:s3:::BUCKET; GetObject, PutObject, DeleteObject on
/// arn:aws:s3:::BUCKET/* (or BUCKET/PREFIX/* when the tenant has a prefix).
[[nodiscard]] std::string permissions_policy(std::string_view bucket, std::string_view prefix,
                                             std::string_view partition = "aws");

/// s3:AbortMultipartUpload on the objects and s3:ListBucketMultipartUploads on the bucket.
[[nodiscard]] std::string cleanup_policy(std::string_view bucket, std::string_view prefix,
                                         std::string_view partition = "aws");

/// Allows `principal_arn` to sts:AssumeRole when sts:ExternalId equals `external_id`.
[[nodiscard]] std::string trust_policy(std::string_view principal_arn, std::string_view external_id);

/// The principal a role's trust policy should name for the identity GetCallerIdentity
/// returned: an IAM user or role ARN as is; an assumed-role session
/// (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION) as its role, arn:aws:iam::ACCOUNT:role/ROLE.
/// nullopt for an ARN it does not recognise. (A role with a path loses the path: STS does not
/// report it; IAM matches role principals by unique ID, so the console fixes it up.)
[[nodiscard]] std::optional<std::string> trust_principal_for(std::string_view caller_arn);

/// arn:PARTITION:iam::ACCOUNT:root, the whole account, as the product page describes.
[[nodiscard]] std::string account_principal(std::string_view caller_arn, std::string_view account);

} // namespace secexport::tenant

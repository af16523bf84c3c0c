// Where S3 requests go and what may be named: virtual-hosted or path-style addresses, and
// S3's bucket naming rules. Pure.
#pragma once

#include "base/error.hpp"
#include "io/endpoint.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace secexport::s3 {

/// Where a request for `bucket`/`key` goes: virtual-hosted style on AWS
/// (BUCKET.s3.REGION.amazonaws.com/KEY), path style for dotted bucket names on AWS
/// (s3.REGION.amazonaws.com/BUCKET/KEY) and always on a custom endpoint. The key is encoded
/// once per segment; `bucket_level` requests have no key.
struct s3_address {
  io::endpoint endpoint;
  std::string path;
};
[[nodiscard]] s3_address address_of(const std::optional<io::endpoint>& custom, const std::string& region,
                                    const std::string& bucket, const std::string& key, bool bucket_level);

/// S3's bucket naming rules (general purpose buckets): the one check every command uses.
/// s3::errc::bad_bucket_name naming the bucket and the rule it breaks.
[[nodiscard]] result<void> check_bucket_name(std::string_view name);

} // namespace secexport::s3

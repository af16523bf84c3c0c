// The XML of the S3 actions secexport uses: what it sends (CompleteMultipartUpload) and
// what it reads from responses. Pure; fuzzed (tests/fuzz).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace secexport::s3 {

struct completed_part {
  std::uint32_t number = 0;
  std::string etag;
  std::optional<std::uint32_t> crc32c;
};

struct listed_object {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;
};

struct list_result {
  std::vector<listed_object> objects;
  std::vector<std::string> common_prefixes;
  std::string next_token; // empty on the last page
};

/// Upload ID from a CreateMultipartUpload response body.
[[nodiscard]] std::string parse_upload_id(std::string_view xml);
/// LocationConstraint from GetBucketLocation ("" means us-east-1).
[[nodiscard]] std::optional<std::string> parse_bucket_location(std::string_view xml);
[[nodiscard]] std::optional<list_result> parse_list_objects(std::string_view xml);
/// The XML body of CompleteMultipartUpload.
[[nodiscard]] std::string complete_multipart_body(const std::vector<completed_part>& parts);
/// A multipart upload in progress, as ListMultipartUploads reports it.
struct open_upload {
  std::string key;
  std::string upload_id;
  std::string initiated; // RFC 3339, as the store wrote it
};
[[nodiscard]] std::optional<std::vector<open_upload>> parse_list_uploads(std::string_view xml);

/// The whole-object ChecksumCRC32C of a CompleteMultipartUpload result ("base64-N"), if any.
[[nodiscard]] std::string parse_completed_crc32c(std::string_view xml);

/// The ETag of a CompleteMultipartUpload result (AWS: CompleteMultipartUploadResult, moto:
/// ...Response); empty when there is none.
[[nodiscard]] std::string parse_completed_etag(std::string_view xml);

} // namespace secexport::s3

// The S3 operations secexport uses, each one signed, retried and addressed correctly:
// virtual-hosted style on AWS (path style for bucket names with dots, which TLS wildcard
// certificates cannot cover), path style on a custom endpoint (S3-compatible servers).
// A 301/PermanentRedirect naming the bucket's region (x-amz-bucket-region) is followed once,
// with a warning, and remembered for the bucket.
//
// Failures come back as values in `aws_response::error`. Runs on the aws_context's
// executor; not thread-safe.
#pragma once

#include "auth/aws_client.hpp"
#include "base/error.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace secexport::s3 {

struct s3_settings {
  std::string region = "us-east-1";
  std::optional<io::endpoint> endpoint; // custom endpoint: path style; none: AWS
};

/// How a body is protected: its SHA-256 in the signature (S3 verifies it), or unsigned
/// with an optional CRC32C that S3 verifies and stores.
struct payload_protection {
  std::string sha256_hex;            // empty: UNSIGNED-PAYLOAD
  std::optional<std::uint32_t> crc32c;
};

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

class s3_client {
public:
  /// Retries are counted in `counters` when given (an export makes its own client with its
  /// own counters, on the shared context: connections, budget and clock are shared).
  s3_client(auth::aws_context& context, s3_settings settings,
            std::shared_ptr<auth::credentials_provider> credentials, io::retry_counters* counters = nullptr);
  ~s3_client();

  boost::asio::awaitable<auth::aws_response> put_object(const std::string& bucket, const std::string& key,
                                                        std::span<const char> body,
                                                        const payload_protection& protection,
                                                        std::vector<auth::header_field> extra = {});
  /// `crc32c`: ask S3 to verify and keep a CRC32C per part (x-amz-checksum-algorithm).
  boost::asio::awaitable<auth::aws_response> create_multipart_upload(const std::string& bucket,
                                                                     const std::string& key, bool crc32c,
                                                                     std::vector<auth::header_field> extra = {});
  boost::asio::awaitable<auth::aws_response> upload_part(const std::string& bucket, const std::string& key,
                                                         const std::string& upload_id, std::uint32_t number,
                                                         std::span<const char> body,
                                                         const payload_protection& protection);
  boost::asio::awaitable<auth::aws_response> complete_multipart_upload(const std::string& bucket,
                                                                       const std::string& key,
                                                                       const std::string& upload_id,
                                                                       const std::vector<completed_part>& parts);
  boost::asio::awaitable<auth::aws_response> abort_multipart_upload(const std::string& bucket,
                                                                    const std::string& key,
                                                                    const std::string& upload_id);
  boost::asio::awaitable<auth::aws_response> get_object(const std::string& bucket, const std::string& key);
  boost::asio::awaitable<auth::aws_response> head_object(const std::string& bucket, const std::string& key);
  boost::asio::awaitable<auth::aws_response> delete_object(const std::string& bucket, const std::string& key);
  boost::asio::awaitable<auth::aws_response> get_bucket_location(const std::string& bucket);
  boost::asio::awaitable<auth::aws_response> list_objects_v2(const std::string& bucket, const std::string& prefix,
                                                             const std::string& continuation_token = {},
                                                             unsigned max_keys = 1000,
                                                             const std::string& delimiter = {});

  [[nodiscard]] const s3_settings& settings() const noexcept { return settings_; }
  [[nodiscard]] auth::aws_context& context() noexcept { return context_; }
  [[nodiscard]] const std::shared_ptr<auth::credentials_provider>& credentials() const noexcept {
    return credentials_;
  }
  /// "s3://bucket/key" for messages.
  [[nodiscard]] static std::string url(const std::string& bucket, const std::string& key);

private:
  struct route;
  route& route_for(const std::string& bucket);
  boost::asio::awaitable<auth::aws_response> call(const std::string& bucket, const std::string& key,
                                                  auth::aws_request request, bool bucket_level = false);

  auth::aws_context& context_;
  s3_settings settings_;
  std::shared_ptr<auth::credentials_provider> credentials_;
  io::retry_counters* counters_;
  std::map<std::string, std::unique_ptr<route>> routes_;
};

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

/// Upload ID from a CreateMultipartUpload response body.
[[nodiscard]] std::string parse_upload_id(std::string_view xml);
/// LocationConstraint from GetBucketLocation ("" means us-east-1).
[[nodiscard]] std::optional<std::string> parse_bucket_location(std::string_view xml);
[[nodiscard]] std::optional<list_result> parse_list_objects(std::string_view xml);
/// The XML body of CompleteMultipartUpload.
[[nodiscard]] std::string complete_multipart_body(const std::vector<completed_part>& parts);
/// S3's bucket naming rules (general purpose buckets): the one check every command uses.
/// s3::errc::bad_bucket_name naming the bucket and the rule it breaks.
[[nodiscard]] result<void> check_bucket_name(std::string_view name);

} // namespace secexport::s3

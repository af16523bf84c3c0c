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
#include "base/crypto.hpp"
#include "base/error.hpp"
#include "s3/addressing.hpp"
#include "s3/s3_xml.hpp"

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

/// How a body is protected: its SHA-256 in the signature (S3 verifies it), a CRC32C that S3
/// verifies, stores and echoes, an MD5 (Content-MD5) that S3, MinIO and radosgw verify; and
/// the caller's check of the answer (auth::aws_request::verify).
struct payload_protection {
  std::string sha256_hex;            // empty: UNSIGNED-PAYLOAD
  std::optional<std::uint32_t> crc32c;
  std::optional<md5_digest> md5;
  std::function<std::optional<secexport::error>(const auth::aws_response&)> verify;
};

/// A small body (a manifest, a probe): its SHA-256 signed, its MD5 as Content-MD5, and an
/// ETag that is an MD5 must be the body's (else it is sent again).
[[nodiscard]] payload_protection small_body_protection(std::string_view body);

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
  /// The multipart uploads in progress under `prefix` (ListMultipartUploads, one page of up to
  /// 1000: enough for the one key an export looks at).
  boost::asio::awaitable<auth::aws_response> list_multipart_uploads(const std::string& bucket, const std::string& prefix);
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

} // namespace secexport::s3

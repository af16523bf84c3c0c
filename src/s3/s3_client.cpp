#include "s3/s3_client.hpp"

#include "base/log.hpp"
#include "s3/crc32c.hpp"
#include "s3/error.hpp"
#include "s3/integrity.hpp"


#include <charconv>

namespace secexport::s3 {

namespace net = boost::asio;
namespace http = boost::beast::http;
using auth::aws_request;
using auth::aws_response;
using auth::header_field;

struct s3_client::route {
  std::string region;
  std::unique_ptr<auth::aws_client> client;
};

namespace {

void add_query(std::string& q, std::string_view name, std::string_view value) {
  if (!q.empty()) q.push_back('&');
  q.append(name).push_back('=');
  uri_encode(q, value, false);
}

void protect(aws_request& r, const payload_protection& p) {
  r.payload_hash = p.sha256_hex.empty() ? std::string(auth::unsigned_payload) : p.sha256_hex;
  if (p.crc32c) r.headers.push_back({"x-amz-checksum-crc32c", crc32c_base64(*p.crc32c)});
  if (p.md5) r.headers.push_back({"content-md5", base64_encode(*p.md5)});
  r.verify = p.verify;
}

} // namespace

payload_protection small_body_protection(std::string_view body) {
  payload_protection p;
  p.sha256_hex = to_hex(sha256_of(body));
  p.md5 = md5_of(body);
  p.verify = [expected = to_hex(*p.md5)](const auth::aws_response& r) -> std::optional<secexport::error> {
    auto etag = unquoted(r.header("ETag"));
    const bool md5_shaped =
        etag.size() == 32 && etag.find_first_not_of("0123456789abcdef") == std::string_view::npos;
    if (!md5_shaped || etag == expected) return std::nullopt;
    return secexport::error{errc::integrity_mismatch,
                            "the store's ETag " + std::string(etag) + " is not the MD5 of the body sent, " + expected};
  };
  return p;
}

s3_client::s3_client(auth::aws_context& context, s3_settings settings,
                     std::shared_ptr<auth::credentials_provider> credentials, io::retry_counters* counters)
    : context_(context), settings_(std::move(settings)), credentials_(std::move(credentials)), counters_(counters) {}

s3_client::~s3_client() = default;

std::string s3_client::url(const std::string& bucket, const std::string& key) {
  return "s3://" + bucket + "/" + key;
}

s3_client::route& s3_client::route_for(const std::string& bucket) {
  auto it = routes_.find(bucket);
  if (it != routes_.end()) return *it->second;
  auto r = std::make_unique<route>();
  r->region = settings_.region;
  r->client = std::make_unique<auth::aws_client>(
      context_, address_of(settings_.endpoint, r->region, bucket, {}, true).endpoint, "s3", r->region, credentials_,
      counters_);
  return *routes_.emplace(bucket, std::move(r)).first->second;
}

net::awaitable<aws_response> s3_client::call(const std::string& bucket, const std::string& key,
                                             aws_request request, bool bucket_level) {
  for (int redirects = 0;; ++redirects) {
    auto& r = route_for(bucket);
    request.path = address_of(settings_.endpoint, r.region, bucket, key, bucket_level).path;
    request.target = bucket_level ? "s3://" + bucket : url(bucket, key);
    auto response = co_await r.client->call(request);
    const auto& e = response.error;
    if (e.kind != io::retry_class::redirect_region || redirects > 0 || e.bucket_region.empty() ||
        e.bucket_region == r.region) {
      if (e.kind == io::retry_class::redirect_region && e.bucket_region.empty())
        response.error.message += " (the bucket is in another region; pass it with --region)";
      co_return response;
    }
    log_warn("bucket is in another region; following the redirect",
             {{"bucket", bucket}, {"configured_region", r.region}, {"bucket_region", e.bucket_region}});
    auto moved = std::make_unique<route>();
    moved->region = e.bucket_region;
    moved->client = std::make_unique<auth::aws_client>(
        context_, address_of(settings_.endpoint, moved->region, bucket, {}, true).endpoint, "s3", moved->region,
        credentials_, counters_);
    routes_[bucket] = std::move(moved);
  }
}

net::awaitable<aws_response> s3_client::put_object(const std::string& bucket, const std::string& key,
                                                   std::span<const char> body,
                                                   const payload_protection& protection,
                                                   std::vector<header_field> extra) {
  aws_request r;
  r.operation = "PutObject";
  r.method = http::verb::put;
  r.headers = std::move(extra);
  r.body = body;
  protect(r, protection);
  co_return co_await call(bucket, key, std::move(r));
}

net::awaitable<aws_response> s3_client::create_multipart_upload(const std::string& bucket,
                                                                const std::string& key, bool crc32c,
                                                                std::vector<header_field> extra) {
  aws_request r;
  r.operation = "CreateMultipartUpload";
  r.method = http::verb::post;
  r.query = "uploads=";
  r.headers = std::move(extra);
  if (crc32c) r.headers.push_back({"x-amz-checksum-algorithm", "CRC32C"});
  co_return co_await call(bucket, key, std::move(r));
}

net::awaitable<aws_response> s3_client::upload_part(const std::string& bucket, const std::string& key,
                                                    const std::string& upload_id, std::uint32_t number,
                                                    std::span<const char> body,
                                                    const payload_protection& protection) {
  aws_request r;
  r.operation = "UploadPart";
  r.method = http::verb::put;
  add_query(r.query, "partNumber", std::to_string(number));
  add_query(r.query, "uploadId", upload_id);
  r.body = body;
  protect(r, protection);
  co_return co_await call(bucket, key, std::move(r));
}

net::awaitable<aws_response> s3_client::complete_multipart_upload(const std::string& bucket,
                                                                  const std::string& key,
                                                                  const std::string& upload_id,
                                                                  const std::vector<completed_part>& parts) {
  auto body = complete_multipart_body(parts);
  aws_request r;
  r.operation = "CompleteMultipartUpload";
  r.method = http::verb::post;
  add_query(r.query, "uploadId", upload_id);
  r.headers.push_back({"content-type", "application/xml"});
  r.body = {body.data(), body.size()};
  r.check_body_for_error = true; // S3 may fail a completion inside a 200 response
  co_return co_await call(bucket, key, std::move(r));
}

net::awaitable<aws_response> s3_client::abort_multipart_upload(const std::string& bucket,
                                                               const std::string& key,
                                                               const std::string& upload_id) {
  aws_request r;
  r.operation = "AbortMultipartUpload";
  r.method = http::verb::delete_;
  add_query(r.query, "uploadId", upload_id);
  co_return co_await call(bucket, key, std::move(r));
}

net::awaitable<aws_response> s3_client::list_multipart_uploads(const std::string& bucket, const std::string& prefix) {
  aws_request r;
  r.operation = "ListMultipartUploads";
  add_query(r.query, "prefix", prefix);
  add_query(r.query, "uploads", "");
  co_return co_await call(bucket, {}, std::move(r), true);
}

net::awaitable<aws_response> s3_client::get_object(const std::string& bucket, const std::string& key) {
  aws_request r;
  r.operation = "GetObject";
  co_return co_await call(bucket, key, std::move(r));
}

net::awaitable<aws_response> s3_client::head_object(const std::string& bucket, const std::string& key) {
  aws_request r;
  r.operation = "HeadObject";
  r.method = http::verb::head;
  co_return co_await call(bucket, key, std::move(r));
}

net::awaitable<aws_response> s3_client::delete_object(const std::string& bucket, const std::string& key) {
  aws_request r;
  r.operation = "DeleteObject";
  r.method = http::verb::delete_;
  co_return co_await call(bucket, key, std::move(r));
}

net::awaitable<aws_response> s3_client::get_bucket_location(const std::string& bucket) {
  aws_request r;
  r.operation = "GetBucketLocation";
  r.query = "location";
  co_return co_await call(bucket, {}, std::move(r), true);
}

net::awaitable<aws_response> s3_client::list_objects_v2(const std::string& bucket, const std::string& prefix,
                                                        const std::string& continuation_token,
                                                        unsigned max_keys, const std::string& delimiter) {
  aws_request r;
  r.operation = "ListObjectsV2";
  add_query(r.query, "list-type", "2");
  add_query(r.query, "max-keys", std::to_string(max_keys));
  add_query(r.query, "prefix", prefix);
  if (!delimiter.empty()) add_query(r.query, "delimiter", delimiter);
  if (!continuation_token.empty()) add_query(r.query, "continuation-token", continuation_token);
  co_return co_await call(bucket, {}, std::move(r), true);
}

} // namespace secexport::s3

#include "s3/s3_client.hpp"

#include "base/log.hpp"
#include "s3/crc32c.hpp"
#include "s3/error.hpp"

#include <pugixml.hpp>

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
}

} // namespace

s3_client::s3_client(auth::aws_context& context, s3_settings settings,
                     std::shared_ptr<auth::credentials_provider> credentials, io::retry_counters* counters)
    : context_(context), settings_(std::move(settings)), credentials_(std::move(credentials)), counters_(counters) {}

s3_client::~s3_client() = default;

std::string s3_client::url(const std::string& bucket, const std::string& key) {
  return "s3://" + bucket + "/" + key;
}

s3_address address_of(const std::optional<io::endpoint>& custom, const std::string& region,
                      const std::string& bucket, const std::string& key, bool bucket_level) {
  s3_address a;
  bool path_style = true;
  if (custom) {
    a.endpoint = *custom;
  } else {
    // Dotted names break the *.s3.REGION.amazonaws.com wildcard certificate: path style.
    path_style = bucket.find('.') != std::string::npos;
    a.endpoint.tls = true;
    a.endpoint.port = 443;
    a.endpoint.host = (path_style ? "" : bucket + ".") + "s3." + region + ".amazonaws.com";
  }
  a.path = path_style ? "/" + bucket : std::string();
  if (!bucket_level) a.path += "/" + uri_encode_path(key);
  if (a.path.empty()) a.path = "/";
  return a;
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

std::string parse_upload_id(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return {};
  return doc.child("InitiateMultipartUploadResult").child_value("UploadId");
}

std::optional<std::string> parse_bucket_location(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return std::nullopt;
  auto node = doc.child("LocationConstraint");
  if (!node) return std::nullopt;
  return std::string(node.child_value());
}

std::optional<list_result> parse_list_objects(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return std::nullopt;
  auto root = doc.child("ListBucketResult");
  if (!root) return std::nullopt;
  list_result out;
  for (auto c : root.children("Contents")) {
    listed_object o;
    o.key = c.child_value("Key");
    std::string_view size = c.child_value("Size");
    std::from_chars(size.data(), size.data() + size.size(), o.size);
    o.etag = c.child_value("ETag");
    out.objects.push_back(std::move(o));
  }
  for (auto p : root.children("CommonPrefixes")) out.common_prefixes.emplace_back(p.child_value("Prefix"));
  if (std::string_view(root.child_value("IsTruncated")) == "true")
    out.next_token = root.child_value("NextContinuationToken");
  return out;
}

std::string complete_multipart_body(const std::vector<completed_part>& parts) {
  std::string body = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  body.reserve(64 + parts.size() * 120);
  for (const auto& p : parts) {
    body += "<Part><PartNumber>" + std::to_string(p.number) + "</PartNumber><ETag>";
    for (char c : p.etag) { // ETags are quoted hex; escape what XML requires anyway
      if (c == '&') body += "&amp;";
      else if (c == '<') body += "&lt;";
      else body.push_back(c);
    }
    body += "</ETag>";
    if (p.crc32c) body += "<ChecksumCRC32C>" + crc32c_base64(*p.crc32c) + "</ChecksumCRC32C>";
    body += "</Part>";
  }
  body += "</CompleteMultipartUpload>";
  return body;
}

result<void> check_bucket_name(std::string_view name) {
  auto fail = [&](const std::string& rule) -> result<void> {
    return error{errc::bad_bucket_name, "bucket name '" + std::string(name) + "' " + rule +
                                            " (S3 bucket names: 3 to 63 lower-case letters, digits, '.' and '-')"};
  };
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (name.size() < 3 || name.size() > 63) return fail("must be 3 to 63 characters long");
  for (char c : name)
    if (!alnum(c) && c != '.' && c != '-') {
      if (c == '/') return fail("contains '/': give the bucket alone and put the rest in --prefix");
      return fail("may contain only lower-case letters, digits, '.' and '-'");
    }
  if (!alnum(name.front()) || !alnum(name.back())) return fail("must begin and end with a letter or digit");
  if (name.find("..") != std::string_view::npos) return fail("must not contain two adjacent periods");
  if (name.find(".-") != std::string_view::npos || name.find("-.") != std::string_view::npos)
    return fail("must not have '-' next to '.'");
  int dots = 0;
  bool ip_like = true;
  for (char c : name) {
    if (c == '.') ++dots;
    else if (c < '0' || c > '9') ip_like = false;
  }
  if (ip_like && dots == 3) return fail("must not be formatted as an IP address");
  for (std::string_view pre : {"xn--", "sthree-", "amzn-s3-demo-"})
    if (name.starts_with(pre)) return fail("must not begin with '" + std::string(pre) + "'");
  for (std::string_view suf : {"-s3alias", "--ol-s3", ".mrap", "--x-s3"})
    if (name.ends_with(suf)) return fail("must not end with '" + std::string(suf) + "'");
  return {};
}

} // namespace secexport::s3

#include "s3/error.hpp"
#include "s3/multipart_upload.hpp"
#include "s3/s3_client.hpp"

#include <gtest/gtest.h>

namespace secexport::s3 {
namespace {

TEST(s3_xml, upload_id_location_and_listing) {
  EXPECT_EQ(parse_upload_id("<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
                            "<UploadId>VXBsb2FkIElE</UploadId></InitiateMultipartUploadResult>"),
            "VXBsb2FkIElE");
  EXPECT_EQ(parse_bucket_location("<LocationConstraint>eu-west-1</LocationConstraint>"), "eu-west-1");
  EXPECT_EQ(parse_bucket_location("<LocationConstraint/>"), "");
  EXPECT_FALSE(parse_bucket_location("<Other/>"));
  auto l = parse_list_objects(
      "<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>tok</NextContinuationToken>"
      "<Contents><Key>a/b.csv</Key><Size>12</Size><ETag>&quot;abc&quot;</ETag></Contents>"
      "<CommonPrefixes><Prefix>a/c/</Prefix></CommonPrefixes></ListBucketResult>");
  ASSERT_TRUE(l);
  ASSERT_EQ(l->objects.size(), 1u);
  EXPECT_EQ(l->objects[0].key, "a/b.csv");
  EXPECT_EQ(l->objects[0].size, 12u);
  EXPECT_EQ(l->objects[0].etag, "\"abc\"");
  EXPECT_EQ(l->common_prefixes, std::vector<std::string>{"a/c/"});
  EXPECT_EQ(l->next_token, "tok");
}

TEST(s3_xml, complete_body_lists_parts_in_order_with_checksums) {
  auto body = complete_multipart_body({{1, "\"e1\"", 0xE3069283u}, {2, "\"e2\"", std::nullopt}});
  EXPECT_EQ(body,
            "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "<Part><PartNumber>1</PartNumber><ETag>\"e1\"</ETag><ChecksumCRC32C>4waSgw==</ChecksumCRC32C></Part>"
            "<Part><PartNumber>2</PartNumber><ETag>\"e2\"</ETag></Part></CompleteMultipartUpload>");
}

TEST(s3_addressing, virtual_hosted_on_aws_path_style_for_dots_and_custom_endpoints) {
  auto a = address_of(std::nullopt, "eu-west-1", "reports", "security-events/a b+c.csv", false);
  EXPECT_EQ(a.endpoint.host, "reports.s3.eu-west-1.amazonaws.com");
  EXPECT_TRUE(a.endpoint.tls);
  EXPECT_EQ(a.path, "/security-events/a%20b%2Bc.csv");
  EXPECT_EQ(address_of(std::nullopt, "eu-west-1", "reports", "", true).path, "/");

  a = address_of(std::nullopt, "us-east-1", "my.dotted.bucket", "k//x", false);
  EXPECT_EQ(a.endpoint.host, "s3.us-east-1.amazonaws.com");
  EXPECT_EQ(a.path, "/my.dotted.bucket/k//x");

  std::optional<io::endpoint> custom = io::parse_endpoint("https://127.0.0.1:9443").value();
  a = address_of(custom, "us-east-1", "bucket", "dir/ü.csv", false);
  EXPECT_EQ(a.endpoint.host_header(), "127.0.0.1:9443");
  EXPECT_EQ(a.path, "/bucket/dir/%C3%BC.csv");
  EXPECT_EQ(address_of(custom, "us-east-1", "bucket", "", true).path, "/bucket");
}

TEST(s3_names, bucket_name_rules) {
  for (auto ok : {"secexport-test", "my.bucket.name", "abc", "a1-b2", "acme-security-exports"})
    EXPECT_TRUE(check_bucket_name(ok)) << ok;
  for (const std::string& bad :
       std::vector<std::string>{"ab", "UPPER", "AcmeAudit", "under_score", "acme_audit", "-start", "-acme", "end-", "a..b",
                                "a.-b", "192.168.0.1", "xn--abc", "x-s3alias", "acme/audit", std::string(64, 'a'),
                                std::string(70, 'b')}) {
    auto r = check_bucket_name(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, errc::bad_bucket_name);
    EXPECT_TRUE(r.error().is(condition::bad_input));
    EXPECT_NE(r.error().message.find("'" + bad + "'"), std::string::npos) << r.error().message;
  }
  EXPECT_NE(check_bucket_name("acme/audit").error().message.find("--prefix"), std::string::npos);
}

TEST(upload_options, unsigned_over_https_signed_over_http_crc32c_unless_none) {
  using enum payload_mode;
  auto o = make_upload_options(automatic, checksum_mode::automatic, true);
  EXPECT_FALSE(o.signed_payload);
  EXPECT_TRUE(o.crc32c);
  o = make_upload_options(automatic, checksum_mode::automatic, false);
  EXPECT_TRUE(o.signed_payload);
  EXPECT_TRUE(o.crc32c); // nearly free: it lets the store confirm each part
  o = make_upload_options(signed_payload, checksum_mode::crc32c, true);
  EXPECT_TRUE(o.signed_payload);
  EXPECT_TRUE(o.crc32c);
  o = make_upload_options(unsigned_payload, checksum_mode::none, false);
  EXPECT_FALSE(o.signed_payload);
  EXPECT_FALSE(o.crc32c);
  EXPECT_EQ(parse_payload_mode("signed"), signed_payload);
  EXPECT_FALSE(parse_payload_mode("SIGNED"));
  EXPECT_EQ(parse_checksum_mode("none"), checksum_mode::none);
}

} // namespace
} // namespace secexport::s3

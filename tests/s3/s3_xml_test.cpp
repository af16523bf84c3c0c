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

  auto custom = io::parse_endpoint("https://127.0.0.1:9443");
  a = address_of(custom, "us-east-1", "bucket", "dir/ü.csv", false);
  EXPECT_EQ(a.endpoint.host_header(), "127.0.0.1:9443");
  EXPECT_EQ(a.path, "/bucket/dir/%C3%BC.csv");
  EXPECT_EQ(address_of(custom, "us-east-1", "bucket", "", true).path, "/bucket");
}

TEST(s3_names, bucket_name_rules) {
  for (auto ok : {"secexport-test", "my.bucket.name", "abc", "a1-b2"}) EXPECT_TRUE(valid_bucket_name(ok)) << ok;
  std::string why;
  for (const std::string& bad : std::vector<std::string>{"ab", "UPPER", "under_score", "-start", "end-", "a..b",
                                                         "192.168.0.1", "xn--abc", "x-s3alias", std::string(64, 'a')}) {
    EXPECT_FALSE(valid_bucket_name(bad, &why)) << bad;
    EXPECT_FALSE(why.empty());
  }
}

} // namespace
} // namespace secexport::s3

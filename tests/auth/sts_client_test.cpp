#include "auth/error.hpp"
#include "auth/sts_client.hpp"
#include "auth/aws_client.hpp"

#include <gtest/gtest.h>

namespace secexport::auth {
namespace {

TEST(sts_parse, assume_role_response_from_aws_and_moto) {
  auto r = parse_assume_role_response(R"(<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>ASIAEXAMPLE</AccessKeyId>
      <SecretAccessKey>secret/with+chars</SecretAccessKey>
      <SessionToken>FwoGZXIvYXdzEXAMPLE</SessionToken>
      <Expiration>2026-11-25T16:20:11.123456Z</Expiration>
    </Credentials>
    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>
  </AssumeRoleResult>
</AssumeRoleResponse>)");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->session.access_key_id, "ASIAEXAMPLE");
  EXPECT_EQ(r->session.secret_access_key.reveal(), "secret/with+chars");
  EXPECT_EQ(r->session.session_token.reveal(), "FwoGZXIvYXdzEXAMPLE");
  EXPECT_EQ(format_rfc3339(*r->session.expiration), "2026-11-25T16:20:11Z");
  EXPECT_EQ(r->assumed_role_arn, "arn:aws:sts::123456789012:assumed-role/r/s");
}

TEST(sts_parse, assume_role_with_web_identity_response) {
  const char* xml = R"(<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>system:serviceaccount:jobs:secexport</SubjectFromWebIdentityToken>
    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/irsa/pod</Arn><AssumedRoleId>AROA:pod</AssumedRoleId></AssumedRoleUser>
    <Credentials>
      <SessionToken>IQoJb3JpZ2luX2VjEXAMPLE</SessionToken>
      <SecretAccessKey>web/identity+secret</SecretAccessKey>
      <Expiration>2026-11-25T17:00:00Z</Expiration>
      <AccessKeyId>ASIAWEBIDENTITY</AccessKeyId>
    </Credentials>
    <Provider>arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE</Provider>
    <Audience>sts.amazonaws.com</Audience>
  </AssumeRoleWithWebIdentityResult>
</AssumeRoleWithWebIdentityResponse>)";
  auto r = parse_assume_role_with_web_identity_response(xml);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->session.access_key_id, "ASIAWEBIDENTITY");
  EXPECT_EQ(r->session.secret_access_key.reveal(), "web/identity+secret");
  EXPECT_EQ(format_rfc3339(*r->session.expiration), "2026-11-25T17:00:00Z");
  EXPECT_EQ(r->assumed_role_arn, "arn:aws:sts::123456789012:assumed-role/irsa/pod");
  EXPECT_FALSE(parse_assume_role_response(xml)) << "each action's answer has its own root";
  EXPECT_FALSE(parse_assume_role_with_web_identity_response("<AssumeRoleWithWebIdentityResponse/>"));
}

TEST(sts_parse, rgw_style_nanosecond_expiration) {
  auto r = parse_assume_role_response(
      "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>K</AccessKeyId>"
      "<SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken>"
      "<Expiration>2026-11-25T16:20:11.123456789Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->session.expiration);
}

TEST(sts_parse, incomplete_responses_are_rejected) {
  EXPECT_FALSE(parse_assume_role_response("<AssumeRoleResponse/>"));
  EXPECT_FALSE(parse_assume_role_response("not xml"));
}

TEST(sts_parse, caller_identity) {
  auto id = parse_caller_identity_response(
      "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/exporter</Arn>"
      "<UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->account, "123456789012");
  EXPECT_EQ(id->arn, "arn:aws:iam::123456789012:user/exporter");
}

TEST(sts_parse, session_names_follow_sts_rules) {
  EXPECT_EQ(sanitize_session_name("secexport-acme corp/2026-11-22"), "secexport-acme-corp-2026-11-22");
  EXPECT_EQ(sanitize_session_name("x"), "x-");
  EXPECT_EQ(sanitize_session_name(std::string(100, 'a')).size(), 64u);
}

TEST(aws_error_parse, s3_and_sts_bodies) {
  auto e = parse_aws_error("<Error><Code>AccessDenied</Code><Message>Access Denied</Message>"
                           "<RequestId>R1</RequestId></Error>",
                           403);
  EXPECT_EQ(e.code, service_errc::access_denied);
  EXPECT_EQ(e.code_text, "AccessDenied");
  EXPECT_TRUE(e.code == condition::denied);
  EXPECT_EQ(e.describe(), "AccessDenied (HTTP 403): Access Denied [request id R1]");
  e = parse_aws_error("<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>no</Message>"
                      "</Error><RequestId>R2</RequestId></ErrorResponse>",
                      403);
  EXPECT_EQ(e.code, service_errc::access_denied);
  EXPECT_EQ(e.request_id, "R2");
  EXPECT_EQ(parse_aws_error("", 404).code, service_errc::not_found);
  EXPECT_FALSE(parse_aws_error("<CompleteMultipartUploadResult/>", 200).code);
  EXPECT_EQ(parse_aws_error("<Error><Code>InternalError</Code></Error>", 200).code, service_errc::internal_error);
  // Unknown codes keep their text for messages and compare as `other`.
  auto odd = parse_aws_error("<Error><Code>SomethingNew</Code></Error>", 400);
  EXPECT_EQ(odd.code, service_errc::other);
  EXPECT_EQ(odd.code_text, "SomethingNew");
}

TEST(service_codes, every_spelling_parses_to_its_code_and_the_code_to_its_condition) {
  EXPECT_EQ(parse_service_code("ExpiredTokenException"), service_errc::expired_token);
  EXPECT_EQ(parse_service_code("ThrottlingException"), service_errc::throttling);
  EXPECT_EQ(parse_service_code("XAmzContentSHA256Mismatch"), service_errc::content_sha256_mismatch);
  EXPECT_FALSE(parse_service_code(""));
  EXPECT_TRUE(parse_service_code("SlowDown") == condition::transient);
  EXPECT_TRUE(parse_service_code("BadDigest") == condition::integrity);
  EXPECT_TRUE(parse_service_code("NoSuchKey") == condition::not_found);
  EXPECT_TRUE(parse_service_code("RequestTimeTooSkewed") == condition::clock_skewed);
  EXPECT_TRUE(parse_service_code("PermanentRedirect") == condition::wrong_region);
  EXPECT_FALSE(parse_service_code("NoSuchUpload") == condition::transient);
  EXPECT_EQ(to_string(service_errc::slow_down), "SlowDown");
}

} // namespace
} // namespace secexport::auth

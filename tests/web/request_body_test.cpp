// The API's request bodies: every problem names its field; secrets become `secret`s.
#include "web/request_body.hpp"

#include "base/secret.hpp"
#include "web/error.hpp"

#include <gtest/gtest.h>

namespace {

using namespace secexport;
using namespace secexport::web;

std::string field_of(std::string_view body, bool allow_enabled = true) {
  try {
    (void)parse_settings_request(body, allow_enabled);
  } catch (const api_error& e) {
    EXPECT_EQ(e.code_enum(), web::errc::bad_request);
    EXPECT_EQ(std::string(e.what()).rfind(e.field(), 0), 0u) << "the message begins with the field: " << e.what();
    return e.field();
  }
  return "(accepted)";
}

TEST(request_body, parses_every_settings_field) {
  auto r = parse_settings_request(R"({"method":"access-key","bucket":"b-1","prefix":"/audit//x/","region":"eu-west-1",
      "access_key_id":"AKIAIOSFODNN7EXAMPLE","secret_access_key":"s3cr3t-value-xyz","source_url":"https://e",
      "source_token_env":"TOKEN_VAR","session_duration":3600,"enabled":false})",
                                  true);
  EXPECT_EQ(r.change.method, tenant::auth_method::access_key);
  EXPECT_EQ(r.change.bucket, "b-1");
  EXPECT_EQ(r.change.prefix, "audit/x") << "normalised as the CLI does";
  EXPECT_EQ(r.change.region, "eu-west-1");
  ASSERT_TRUE(r.change.secret_access_key);
  EXPECT_EQ(r.change.secret_access_key->reveal(), "s3cr3t-value-xyz");
  EXPECT_EQ(redact("key s3cr3t-value-xyz"), "key ***") << "a posted secret is registered for redaction";
  EXPECT_EQ(r.change.session_duration, 3600u);
  EXPECT_EQ(r.enabled, false);
  EXPECT_FALSE(r.change.role_arn);
  auto empty = parse_settings_request("{}", false);
  EXPECT_FALSE(empty.change.method);
  EXPECT_FALSE(empty.enabled);
}

TEST(request_body, names_the_field_of_each_problem) {
  EXPECT_EQ(field_of("{"), "body");
  EXPECT_EQ(field_of(""), "body");
  EXPECT_EQ(field_of("[]"), "body");
  EXPECT_EQ(field_of(R"("text")"), "body");
  EXPECT_EQ(field_of(R"({"bucket":7})"), "bucket");
  EXPECT_EQ(field_of(R"({"method":"none"})"), "method");
  EXPECT_EQ(field_of(R"({"method":"password"})"), "method");
  EXPECT_EQ(field_of(R"({"session_duration":"3600"})"), "session_duration");
  EXPECT_EQ(field_of(R"({"session_duration":899})"), "session_duration");
  EXPECT_EQ(field_of(R"({"session_duration":-1})"), "session_duration");
  EXPECT_EQ(field_of(R"({"secret_access_key":""})"), "secret_access_key");
  EXPECT_EQ(field_of(R"({"secret_access_key":null})"), "secret_access_key");
  EXPECT_EQ(field_of(R"({"prefix":"a/../b"})"), "prefix");
  EXPECT_EQ(field_of(R"({"enabled":"yes"})"), "enabled");
  EXPECT_EQ(field_of(R"({"enabled":true})", false), "enabled") << "only PUT takes enabled";
  EXPECT_EQ(field_of(R"({"role":"x"})"), "role");
  EXPECT_EQ(field_of(R"({"bucket":"b"} trailing)"), "body");
}

TEST(request_body, export_requests_and_days) {
  EXPECT_EQ(parse_export_request(R"({"date":"2026-11-22"})"), parse_iso_day("2026-11-22").value());
  for (auto bad : {"{}", R"({"date":"22/11/2026"})", R"({"date":1})", R"({"day":"2026-11-22"})", "x"}) {
    try {
      (void)parse_export_request(bad);
      ADD_FAILURE() << bad;
    } catch (const api_error& e) {
      EXPECT_EQ(e.code_enum(), web::errc::bad_request);
      EXPECT_FALSE(e.field().empty()) << bad;
    }
  }
  EXPECT_EQ(parse_days(std::nullopt), 7u);
  EXPECT_EQ(parse_days(std::string("30")), 30u);
  for (auto bad : {"0", "93", "-1", "7x", "", "99999999999"})
    EXPECT_THROW((void)parse_days(std::string(bad)), api_error) << bad;
  EXPECT_THROW(check_tenant_param("a/b"), api_error);
  EXPECT_NO_THROW(check_tenant_param("acme-1"));
}

TEST(web_errors, each_code_has_its_status_and_a_json_body) {
  EXPECT_EQ(http_status(web::errc::bad_request), 400u);
  EXPECT_EQ(http_status(web::errc::unauthorized), 401u);
  EXPECT_EQ(http_status(web::errc::not_found), 404u);
  EXPECT_EQ(http_status(web::errc::conflict), 409u);
  EXPECT_EQ(http_status(web::errc::check_failed), 422u);
  EXPECT_EQ(http_status(web::errc::internal), 500u);
  EXPECT_EQ(error_json("bad_request", "bucket: no \"x\"", "bucket"),
            R"({"error":{"code":"bad_request","message":"bucket: no \"x\"","field":"bucket"}})");
  EXPECT_EQ(error_json("not_found", "no tenant x"), R"({"error":{"code":"not_found","message":"no tenant x"}})");
}

} // namespace

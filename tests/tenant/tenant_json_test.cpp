// The JSON renderings the CLI (--output json) and the settings API share: secrets only as
// set / not set, masked key IDs, steps with action and permission, the trust policy as JSON.
#include "tenant/tenant_json.hpp"

#include "support/scratch_dir.hpp"

#include <gtest/gtest.h>

#include <simdjson.h>

namespace {

using namespace secexport;
using namespace secexport::tenant;

constexpr std::string_view secret_value = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzJSONSECRET";

simdjson::dom::element parse(simdjson::dom::parser& p, const std::string& text) {
  static std::vector<simdjson::padded_string> keep; // the DOM points into its input
  keep.emplace_back(text);
  return p.parse(keep.back());
}

tenant_settings key_tenant() {
  tenant_settings t;
  t.id = "beta";
  t.enabled = true;
  t.method = auth_method::access_key;
  t.bucket = "beta-audit";
  t.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  t.secret_access_key = secret(std::string(secret_value));
  t.source_url = "https://events.internal";
  return t;
}

TEST(tenant_json, settings_show_the_secret_only_as_set_and_mask_the_key_id) {
  json_writer w;
  write_settings(w, key_tenant());
  const auto& text = w.str();
  EXPECT_EQ(text.find(secret_value), std::string::npos);
  EXPECT_EQ(text.find("AKIAIOSFODNN7EXAMPLE"), std::string::npos);
  simdjson::dom::parser p;
  auto doc = parse(p, text);
  EXPECT_EQ(std::string_view(doc["tenant"]), "beta");
  EXPECT_EQ(std::string_view(doc["method"]), "access-key");
  EXPECT_TRUE(bool(doc["secret_access_key_set"]));
  EXPECT_EQ(std::string_view(doc["access_key_id"]).substr(0, 4), "AKIA");
  EXPECT_TRUE(bool(doc["ready"]));
  EXPECT_EQ(simdjson::dom::array(doc["problems"]).size(), 0u);

  tenant_settings bare;
  bare.id = "new";
  json_writer w2;
  write_settings(w2, bare);
  auto doc2 = parse(p, w2.str());
  EXPECT_FALSE(bool(doc2["secret_access_key_set"]));
  EXPECT_FALSE(bool(doc2["ready"]));
  auto first = simdjson::dom::array(doc2["problems"]).at(0);
  EXPECT_EQ(std::string_view(first["field"]), "method");
}

TEST(tenant_json, a_check_report_names_action_permission_status_and_the_failed_step) {
  check_report r;
  check_step ok{"GetBucketLocation", "s3:GetBucketLocation", step_status::passed, "", "bucket is in eu-west-1", false};
  check_step denied{"PutObject", "s3:PutObject", step_status::failed, "AccessDenied", "PutObject of s3://b/k", true};
  check_step skipped{"GetObject", "s3:GetObject", step_status::skipped, "", "no probe object to read", false};
  r.steps = {ok, denied, skipped};
  json_writer w;
  write_check_report(w, r);
  simdjson::dom::parser p;
  auto doc = parse(p, w.str());
  EXPECT_FALSE(bool(doc["passed"]));
  EXPECT_EQ(std::string_view(doc["failed_action"]), "PutObject");
  auto steps = simdjson::dom::array(doc["steps"]);
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(std::string_view(steps.at(1)["permission"]), "s3:PutObject");
  EXPECT_EQ(std::string_view(steps.at(1)["status"]), "fail");
  EXPECT_EQ(std::string_view(steps.at(1)["code"]), "AccessDenied");
  EXPECT_TRUE(bool(steps.at(1)["denied"]));
  EXPECT_EQ(std::string_view(steps.at(0)["status"]), "pass");
  EXPECT_EQ(std::string_view(steps.at(2)["status"]), "skip");
  EXPECT_TRUE(steps.at(0)["code"].error() == simdjson::NO_SUCH_FIELD);

  check_report all_pass;
  all_pass.steps = {ok};
  json_writer w2;
  write_check_report(w2, all_pass);
  auto doc2 = parse(p, w2.str());
  EXPECT_TRUE(bool(doc2["passed"]));
  EXPECT_TRUE(doc2["failed_action"].is_null());
}

TEST(tenant_json, the_external_id_carries_the_trust_policy_as_json) {
  external_id_info info{"acme", "sx-abc", true, {"123456789012", "arn:aws:iam::123456789012:user/exporter",
                                                 "arn:aws:iam::123456789012:user/exporter"}};
  json_writer w;
  write_external_id(w, info);
  simdjson::dom::parser p;
  auto doc = parse(p, w.str());
  EXPECT_EQ(std::string_view(doc["account_id"]), "123456789012");
  EXPECT_TRUE(bool(doc["issued_now"]));
  auto condition = doc["trust_policy"]["Statement"].at(0)["Condition"]["StringEquals"]["sts:ExternalId"];
  EXPECT_EQ(std::string_view(condition), "sx-abc");
}

TEST(tenant_json, every_field_has_a_json_name_the_api_accepts) {
  for (auto f : {field::method, field::bucket, field::prefix, field::region, field::role_arn, field::external_id,
                 field::session_duration, field::access_key_id, field::secret_access_key, field::source_url,
                 field::source_token_env})
    EXPECT_NE(json_name(f), "unknown");
  EXPECT_EQ(json_name(field::role_arn), "role_arn");
}

TEST(tenant_store, try_lock_refuses_while_another_holder_has_the_tenant) {
  secexport::testing::scratch_dir dir("tenant_json");
  tenant_store store(dir.path() / "tenants");
  auto first = store.try_lock_tenant("acme");
  ASSERT_TRUE(first);
  EXPECT_FALSE(store.try_lock_tenant("acme")) << "a second writer must not get the lock";
  EXPECT_TRUE(store.try_lock_tenant("other"));
  first.reset();
  EXPECT_TRUE(store.try_lock_tenant("acme"));
}

} // namespace

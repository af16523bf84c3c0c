// Tenant settings: the file format, the store's permissions rules, input validation and the
// IAM documents shown to customers.
#include "tenant/policies.hpp"
#include "tenant/tenant_settings.hpp"
#include "support/scratch_dir.hpp"

#include <gtest/gtest.h>

#include <simdjson.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

namespace {

using namespace secexport;
using namespace secexport::tenant;
namespace fs = std::filesystem;

constexpr const char* secret_value = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRETKEY";

tenant_settings role_tenant() {
  tenant_settings t;
  t.id = "acme";
  t.enabled = true;
  t.method = auth_method::role_arn;
  t.bucket = "acme-security";
  t.prefix = "audit/exports";
  t.region = "eu-west-1";
  t.role_arn = "arn:aws:iam::210987654321:role/secexport";
  t.external_id = "sx-abcdefghijklmnopqrstuvwx";
  t.session_duration = 7200;
  t.source_url = "https://events.internal";
  return t;
}

class store_test : public ::testing::Test {
protected:
  secexport::testing::scratch_dir scratch_{"tenant_store_test"};
  const fs::path& dir_ = scratch_.path();
};

TEST_F(store_test, round_trips_every_field_with_owner_only_permissions) {
  tenant_store store(dir_ / "tenants");
  auto t = role_tenant();
  store.save(t);
  struct stat st {};
  ASSERT_EQ(::stat(store.path_of("acme").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ / "tenants").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto back = store.load("acme");
  ASSERT_TRUE(back);
  EXPECT_EQ(serialize(*back), serialize(t));
  EXPECT_EQ(back->session_duration, 7200u);

  tenant_settings k;
  k.id = "beta";
  k.method = auth_method::access_key;
  k.bucket = "beta-bucket";
  k.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  k.secret_access_key = secret(secret_value);
  k.source_url = "https://events.internal";
  store.save(k);
  auto kb = store.load("beta");
  ASSERT_TRUE(kb);
  EXPECT_EQ(kb->secret_access_key.reveal(), secret_value);
  EXPECT_FALSE(kb->enabled);
  EXPECT_EQ(store.list(), (std::vector<std::string>{"acme", "beta"}));
  EXPECT_FALSE(store.load("nobody"));
  EXPECT_TRUE(store.remove("beta"));
  EXPECT_FALSE(store.remove("beta"));
  EXPECT_EQ(store.list(), (std::vector<std::string>{"acme"}));
}

TEST_F(store_test, refuses_a_file_that_others_can_read_without_showing_its_secret) {
  tenant_store store(dir_);
  auto t = role_tenant();
  t.method = auth_method::access_key;
  t.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  t.secret_access_key = secret(secret_value);
  store.save(t);
  ::chmod(store.path_of("acme").c_str(), 0644);
  try {
    (void)store.load("acme");
    FAIL() << "loaded a world-readable secrets file";
  } catch (const store_error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find(store.path_of("acme").string()), std::string::npos) << m;
    EXPECT_NE(m.find("chmod 600"), std::string::npos) << m;
    EXPECT_EQ(m.find(secret_value), std::string::npos);
  }
}

TEST_F(store_test, a_malformed_file_names_the_file_and_line_never_a_value) {
  fs::create_directories(dir_);
  auto write = [&](const std::string& text) {
    std::ofstream(dir_ / "acme.conf") << text;
    ::chmod((dir_ / "acme.conf").c_str(), 0600);
  };
  tenant_store store(dir_);
  write(std::string("[tenant]\nmethod = access-key\nsecret-access-key ") + secret_value + "\n");
  try {
    (void)store.load("acme");
    FAIL();
  } catch (const store_error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("acme.conf:3"), std::string::npos) << m;
    EXPECT_EQ(m.find(secret_value), std::string::npos) << m;
  }
  write("[tenant]\nbukket = x\n");
  EXPECT_THROW((void)store.load("acme"), store_error);
  write("[tenant]\nmethod = carrier-pigeon\n");
  EXPECT_THROW((void)store.load("acme"), store_error);
  write("[other]\nbucket = x\n");
  EXPECT_THROW((void)store.load("acme"), store_error);
  EXPECT_THROW((void)store.path_of("../etc/passwd"), store_error);
  EXPECT_THROW((void)store.path_of(".."), store_error);
}

TEST(tenant_problems, name_what_is_missing_for_each_method) {
  EXPECT_TRUE(role_tenant().problems().empty());
  auto t = role_tenant();
  t.external_id.clear();
  auto p = t.problems();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].field, field::external_id);
  EXPECT_NE(p[0].message.find("secexport tenant external-id acme"), std::string::npos);
  t = role_tenant();
  t.method = auth_method::access_key;
  p = t.problems();
  ASSERT_EQ(p.size(), 2u); // no key ID, no secret
  EXPECT_EQ(p[0].field, field::access_key_id);
  EXPECT_EQ(p[1].field, field::secret_access_key);
  t.source_url.clear();
  EXPECT_EQ(t.problems().back().field, field::source_url);
  t.method = auth_method::none;
  EXPECT_FALSE(t.problems().empty());
}

TEST(validation, a_tenant_with_a_bad_bucket_names_the_s3_rule) {
  auto t = role_tenant();
  t.bucket = "Acme_Audit";
  auto p = t.problems();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].field, field::bucket);
  EXPECT_NE(p[0].message.find("'Acme_Audit'"), std::string::npos) << p[0].message;
}

TEST(settings_change, switching_method_drops_the_other_methods_credentials) {
  auto t = role_tenant();
  settings_change to_keys;
  to_keys.method = auth_method::access_key;
  to_keys.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  to_keys.secret_access_key = secret(secret_value);
  apply(t, to_keys);
  EXPECT_EQ(t.method, auth_method::access_key);
  EXPECT_TRUE(t.role_arn.empty());
  EXPECT_EQ(t.external_id, "sx-abcdefghijklmnopqrstuvwx"); // issued for the tenant: kept
  EXPECT_EQ(t.access_key_id, "AKIAIOSFODNN7EXAMPLE");
  EXPECT_TRUE(t.problems().empty());

  settings_change back;
  back.method = auth_method::role_arn;
  back.role_arn = "arn:aws:iam::210987654321:role/other";
  apply(t, back);
  EXPECT_TRUE(t.access_key_id.empty());
  EXPECT_TRUE(t.secret_access_key.empty());
  EXPECT_EQ(t.role_arn, "arn:aws:iam::210987654321:role/other");

  settings_change same; // the same method again keeps everything; unset fields are untouched
  same.method = auth_method::role_arn;
  same.bucket = "other-bucket";
  apply(t, same);
  EXPECT_EQ(t.role_arn, "arn:aws:iam::210987654321:role/other");
  EXPECT_EQ(t.bucket, "other-bucket");
  EXPECT_EQ(t.prefix, "audit/exports");
}

TEST(validation, role_arns_regions_and_keys) {
  EXPECT_TRUE(check_role_arn("arn:aws:iam::123456789012:role/secexport"));
  EXPECT_TRUE(check_role_arn("arn:aws-cn:iam::123456789012:role/path/to/Role_name+=,.@-"));
  for (const char* bad : {"arn:aws:iam::12345678901:role/x", "arn:aws:iam::123456789012:user/x",
                          "arn:aws:s3:::bucket", "arn:foo:iam::123456789012:role/x", "role/x",
                          "arn:aws:iam::123456789012:role/", "arn:aws:iam::123456789012:role/a b"})
    EXPECT_FALSE(check_role_arn(bad)) << bad;
  for (const char* ok : {"us-east-1", "eu-central-2", "ap-southeast-4", "us-gov-west-1", "cn-north-1"})
    EXPECT_TRUE(check_region(ok)) << ok;
  for (const char* bad : {"us-east", "US-EAST-1", "useast1", "us--east-1", "eu-west-1a", ""})
    EXPECT_FALSE(check_region(bad)) << bad;
  EXPECT_TRUE(check_access_key_id("AKIAIOSFODNN7EXAMPLE"));
  EXPECT_FALSE(check_access_key_id("akiaiosfodnn7example"));
  EXPECT_FALSE(check_access_key_id("AKIA"));
}

TEST(external_ids, are_random_url_safe_and_at_least_128_bits) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto id = new_external_id();
    EXPECT_EQ(id.size(), 3u + 24u); // "sx-" + 144 bits in base64url
    EXPECT_TRUE(check_external_id(id)) << id;
    for (char c : id.substr(3)) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 200u);
}

// Parses a policy document printed for customers; returns its statements as
// (actions, resource) pairs.
std::vector<std::pair<std::vector<std::string>, std::string>> statements(const std::string& json) {
  simdjson::dom::parser parser;
  auto doc = parser.parse(json);
  EXPECT_EQ(std::string_view(doc["Version"].get_string().value()), "2012-10-17");
  std::vector<std::pair<std::vector<std::string>, std::string>> out;
  for (auto s : doc["Statement"].get_array()) {
    EXPECT_EQ(std::string_view(s["Effect"].get_string().value()), "Allow");
    std::vector<std::string> actions;
    for (auto a : s["Action"].get_array()) actions.emplace_back(std::string_view(a.get_string().value()));
    out.emplace_back(actions, std::string(std::string_view(s["Resource"].get_string().value())));
  }
  return out;
}

TEST(policies, the_permissions_policy_is_the_specs_with_bucket_slash_star) {
  using v = std::vector<std::string>;
  auto s = statements(permissions_policy("acme-security", ""));
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].first, (v{"s3:ListBucket", "s3:GetBucketLocation"}));
  EXPECT_EQ(s[0].second, "arn:aws:s3:::acme-security");
  EXPECT_EQ(s[1].first, (v{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}));
  EXPECT_EQ(s[1].second, "arn:aws:s3:::acme-security/*");
  EXPECT_EQ(statements(permissions_policy("b-1", "audit/x/"))[1].second, "arn:aws:s3:::b-1/audit/x/*");
  auto c = statements(cleanup_policy("b-1", ""));
  EXPECT_EQ(c[0].first, (v{"s3:ListBucketMultipartUploads"}));
  EXPECT_EQ(c[1].first, (v{"s3:AbortMultipartUpload"}));
  EXPECT_EQ(c[1].second, "arn:aws:s3:::b-1/*");
}

TEST(policies, the_trust_policy_names_the_principal_and_requires_the_external_id) {
  simdjson::dom::parser parser;
  auto doc = parser.parse(trust_policy("arn:aws:iam::123456789012:user/exporter", "sx-abc\"d"));
  auto st = doc["Statement"].at(0);
  EXPECT_EQ(std::string_view(st["Principal"]["AWS"].get_string().value()), "arn:aws:iam::123456789012:user/exporter");
  EXPECT_EQ(std::string_view(st["Action"].get_string().value()), "sts:AssumeRole");
  EXPECT_EQ(std::string_view(st["Condition"]["StringEquals"]["sts:ExternalId"].get_string().value()), "sx-abc\"d");
}

TEST(policies, trust_principals_for_each_kind_of_caller) {
  EXPECT_EQ(trust_principal_for("arn:aws:iam::123456789012:user/exporter"), "arn:aws:iam::123456789012:user/exporter");
  EXPECT_EQ(trust_principal_for("arn:aws:iam::123456789012:user/ops/exporter"),
            "arn:aws:iam::123456789012:user/ops/exporter");
  EXPECT_EQ(trust_principal_for("arn:aws:sts::123456789012:assumed-role/exporter-role/i-0abc"),
            "arn:aws:iam::123456789012:role/exporter-role");
  EXPECT_EQ(trust_principal_for("arn:aws-cn:sts::123456789012:assumed-role/r/s"), "arn:aws-cn:iam::123456789012:role/r");
  EXPECT_FALSE(trust_principal_for("arn:aws:sts::123456789012:federated-user/bob"));
  EXPECT_FALSE(trust_principal_for("not an arn"));
  EXPECT_EQ(account_principal("arn:aws:iam::123456789012:user/x", "123456789012"), "arn:aws:iam::123456789012:root");
}

// Found by the tenant_file fuzz target: what a file says must survive being saved again.
TEST(tenant_file, parse_then_serialize_round_trips_what_the_file_says) {
  auto t = parse_tenant_file("[tenant]\nmethod = access-key\nsession-duration = 900\n", "t.conf", "acme");
  EXPECT_EQ(t.session_duration, 900u);
  auto again = parse_tenant_file(serialize(t), "t.conf", "acme");
  EXPECT_EQ(again.session_duration, 900u);
  EXPECT_THROW((void)parse_tenant_file("[tenant]\nsource-token-env =\n", "t.conf", "acme"), store_error);
}

} // namespace

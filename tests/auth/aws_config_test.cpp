#include "auth/aws_config.hpp"
#include "auth/instance_metadata_provider.hpp"

#include <gtest/gtest.h>

#include <map>

namespace secexport::auth {
namespace {

struct fake_env final : environment {
  std::map<std::string, std::string, std::less<>> vars;
  std::optional<std::string> get(std::string_view name) const override {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  }
};

const char* credentials_file = R"([default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = default-secret-key
[dev]
aws_access_key_id = AKIDDEV
aws_secret_access_key = dev-secret-key
aws_session_token = dev-session-token
)";

const char* config_file = R"([default]
region = eu-central-1
[profile dev]
region = ap-south-1
[profile customer]
role_arn = arn:aws:iam::111122223333:role/secexport
source_profile = dev
external_id = ext-123
role_session_name = nightly
duration_seconds = 7200
[profile chained]
role_arn = arn:aws:iam::444455556666:role/second
source_profile = customer
[profile env-sourced]
role_arn = arn:aws:iam::111122223333:role/r
credential_source = Environment
[profile loop-a]
role_arn = arn:aws:iam::1:role/a
source_profile = loop-b
[profile loop-b]
role_arn = arn:aws:iam::1:role/b
source_profile = loop-a
[profile sso]
sso_session = corp
[profile endpoints]
aws_access_key_id = AKIDE
aws_secret_access_key = e-secret-key
endpoint_url = https://everything.local
sts =
  endpoint_url = https://sts.local
)";

struct aws_config_test : ::testing::Test {
  fake_env env;
  shared_config files = shared_config::from_text(credentials_file, config_file);
  aws_settings resolve(aws_options o = {}) { return resolve_aws_settings(o, env, files); }
};

TEST_F(aws_config_test, default_profile_when_nothing_else_is_set) {
  auto s = resolve();
  EXPECT_EQ(s.credentials.base.access_key_id, "AKIDDEFAULT");
  EXPECT_EQ(s.region, "eu-central-1");
  EXPECT_EQ(s.sts_endpoint, "https://sts.eu-central-1.amazonaws.com");
  EXPECT_TRUE(s.s3_endpoint.empty());
}

TEST_F(aws_config_test, environment_keys_beat_aws_profile_but_not_an_explicit_profile) {
  env.vars = {{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "env-secret"},
              {"AWS_SESSION_TOKEN", "env-token"}, {"AWS_PROFILE", "dev"}};
  auto s = resolve();
  EXPECT_EQ(s.credentials.base.access_key_id, "AKIDENV");
  EXPECT_EQ(s.credentials.base.session_token.reveal(), "env-token");
  EXPECT_EQ(s.region, "ap-south-1"); // AWS_PROFILE still selects the profile's region
  aws_options o;
  o.profile = "dev";
  s = resolve(o);
  EXPECT_EQ(s.credentials.base.access_key_id, "AKIDDEV");
  EXPECT_EQ(s.credentials.base.session_token.reveal(), "dev-session-token");
}

TEST_F(aws_config_test, explicit_keys_beat_everything) {
  env.vars = {{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "env-secret"}};
  aws_options o;
  o.profile = "dev";
  credentials c;
  c.access_key_id = "AKIDTENANT";
  c.secret_access_key = secret("tenant-secret");
  o.explicit_keys = c;
  EXPECT_EQ(resolve(o).credentials.base.access_key_id, "AKIDTENANT");
}

TEST_F(aws_config_test, region_precedence) {
  aws_options o;
  env.vars = {{"AWS_DEFAULT_REGION", "us-west-1"}};
  EXPECT_EQ(resolve(o).region, "us-west-1");
  env.vars["AWS_REGION"] = "us-west-2";
  EXPECT_EQ(resolve(o).region, "us-west-2");
  o.region = "sa-east-1";
  EXPECT_EQ(resolve(o).region, "sa-east-1");
}

TEST_F(aws_config_test, role_profile_written_for_the_aws_cli_works_unchanged) {
  aws_options o;
  o.profile = "customer";
  auto s = resolve(o);
  EXPECT_EQ(s.credentials.base.access_key_id, "AKIDDEV");
  ASSERT_EQ(s.credentials.roles.size(), 1u);
  const auto& r = s.credentials.roles[0];
  EXPECT_EQ(r.role_arn, "arn:aws:iam::111122223333:role/secexport");
  EXPECT_EQ(r.external_id, "ext-123");
  EXPECT_EQ(r.session_name, "nightly");
  EXPECT_EQ(r.duration, std::chrono::seconds(7200));
}

TEST_F(aws_config_test, role_chains_and_flag_roles_stack_in_order) {
  aws_options o;
  o.profile = "chained";
  assume_role_spec flag_role;
  flag_role.role_arn = "arn:aws:iam::777788889999:role/third";
  o.role = flag_role;
  auto s = resolve(o);
  ASSERT_EQ(s.credentials.roles.size(), 3u);
  EXPECT_EQ(s.credentials.roles[0].role_arn, "arn:aws:iam::111122223333:role/secexport");
  EXPECT_EQ(s.credentials.roles[1].role_arn, "arn:aws:iam::444455556666:role/second");
  EXPECT_EQ(s.credentials.roles[2].role_arn, "arn:aws:iam::777788889999:role/third");
}

TEST_F(aws_config_test, credential_source_environment) {
  env.vars = {{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "env-secret"}};
  aws_options o;
  o.profile = "env-sourced";
  auto s = resolve(o);
  EXPECT_EQ(s.credentials.base.access_key_id, "AKIDENV");
  EXPECT_EQ(s.credentials.roles.size(), 1u);
}

TEST_F(aws_config_test, endpoints_from_environment_and_profile) {
  aws_options o;
  o.profile = "endpoints";
  auto s = resolve(o);
  EXPECT_EQ(s.s3_endpoint, "https://everything.local");
  EXPECT_EQ(s.sts_endpoint, "https://sts.local");
  env.vars = {{"AWS_ENDPOINT_URL", "https://env.local"}};
  s = resolve(o);
  EXPECT_EQ(s.s3_endpoint, "https://env.local");
  EXPECT_EQ(s.sts_endpoint, "https://env.local");
  env.vars["AWS_ENDPOINT_URL_S3"] = "https://s3.env.local";
  env.vars["AWS_ENDPOINT_URL_STS"] = "https://sts.env.local";
  s = resolve(o);
  EXPECT_EQ(s.s3_endpoint, "https://s3.env.local");
  EXPECT_EQ(s.sts_endpoint, "https://sts.env.local");
  o.endpoint_url = "https://flag.local";
  EXPECT_EQ(resolve(o).s3_endpoint, "https://flag.local");
  env.vars = {{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}};
  o.endpoint_url.reset();
  EXPECT_EQ(resolve(o).s3_endpoint, "");
}

TEST_F(aws_config_test, clear_errors_without_secrets) {
  auto expect_error = [&](aws_options o, std::string_view fragment) {
    try {
      (void)resolve(o);
      ADD_FAILURE() << "no error, expected: " << fragment;
    } catch (const config_error& e) {
      std::string what = e.what();
      EXPECT_NE(what.find(fragment), std::string::npos) << what;
      for (auto s : {"default-secret-key", "dev-secret-key", "dev-session-token", "env-secret", "e-secret-key"})
        EXPECT_EQ(what.find(s), std::string::npos) << what;
    }
  };
  aws_options o;
  o.profile = "missing";
  expect_error(o, "'missing' (--profile) does not exist");
  o.profile = "loop-a";
  expect_error(o, "loops back");
  o.profile = "sso";
  expect_error(o, "not supported by secexport");
  o.profile = "env-sourced";
  expect_error(o, "AWS_ACCESS_KEY_ID is not set");
  env.vars = {{"AWS_ACCESS_KEY_ID", "AKIDENV"}};
  expect_error({}, "must be set together");

  fake_env disabled_env;
  disabled_env.vars = {{"AWS_EC2_METADATA_DISABLED", "true"}};
  auto none = shared_config::from_text("", "");
  EXPECT_THROW((void)resolve_aws_settings({}, disabled_env, none), config_error);
}

TEST_F(aws_config_test, the_instance_metadata_service_is_the_last_resort) {
  fake_env bare;
  auto none = shared_config::from_text("", "");
  auto s = resolve_aws_settings({}, bare, none);
  EXPECT_EQ(s.credentials.instance_metadata, "http://169.254.169.254");
  EXPECT_EQ(s.credentials.describe(), "instance metadata (http://169.254.169.254)");
  bare.vars = {{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1338"}};
  EXPECT_EQ(resolve_aws_settings({}, bare, none).credentials.instance_metadata, "http://127.0.0.1:1338");
  // Anything configured comes first: environment keys, then profiles.
  bare.vars["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  bare.vars["AWS_SECRET_ACCESS_KEY"] = "env-secret-key";
  EXPECT_TRUE(resolve_aws_settings({}, bare, none).credentials.instance_metadata.empty());
  EXPECT_TRUE(resolve_aws_settings({}, env, files).credentials.instance_metadata.empty());
}

TEST(instance_metadata, parses_the_role_credentials_document) {
  auto c = parse_instance_credentials(R"({"Code":"Success","LastUpdated":"2026-11-25T10:00:00Z","Type":"AWS-HMAC",
    "AccessKeyId":"ASIAIMDSEXAMPLE","SecretAccessKey":"imds-secret-key-value","Token":"imds-session-token",
    "Expiration":"2026-11-25T16:00:00Z"})");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "ASIAIMDSEXAMPLE");
  EXPECT_EQ(c->secret_access_key.reveal(), "imds-secret-key-value");
  EXPECT_EQ(c->session_token.reveal(), "imds-session-token");
  EXPECT_EQ(format_rfc3339(sys_us{*c->expiration}), "2026-11-25T16:00:00Z");
  EXPECT_EQ(redact("key imds-secret-key-value"), "key ***") << "registered as a secret";
  EXPECT_FALSE(parse_instance_credentials(R"({"Code":"AssumeRoleUnauthorizedAccess","Message":"..."})"));
  EXPECT_FALSE(parse_instance_credentials(R"({"Code":"Success","AccessKeyId":"A"})"));
  EXPECT_FALSE(parse_instance_credentials("not json"));
}

} // namespace
} // namespace secexport::auth

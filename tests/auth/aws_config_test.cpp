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


// ---------------------------------------------------------------- the chain's order (botocore's)

namespace chain {

const char* credentials_text = R"([keys-both]
aws_access_key_id = AKIDCREDFILE
aws_secret_access_key = cred-file-secret
)";

const char* config_text = R"([profile keys-both]
aws_access_key_id = AKIDCONFIG
aws_secret_access_key = config-secret
credential_process = /usr/bin/creds --profile 'keys both'
[profile process-over-config]
aws_access_key_id = AKIDCONFIG
aws_secret_access_key = config-secret
credential_process = /usr/bin/creds
[profile irsa]
web_identity_token_file = /var/run/secrets/token
role_arn = arn:aws:iam::111122223333:role/irsa
role_session_name = pod
[profile irsa-no-role]
web_identity_token_file = /var/run/secrets/token
[profile role-over-web-identity-source]
role_arn = arn:aws:iam::111122223333:role/target
source_profile = irsa
[profile role-from-container]
role_arn = arn:aws:iam::111122223333:role/target
credential_source = EcsContainer
[profile role-from-imds]
role_arn = arn:aws:iam::111122223333:role/target
credential_source = Ec2InstanceMetadata
[profile region-only]
region = eu-west-3
)";

struct chain_test : ::testing::Test {
  fake_env env;
  shared_config files = shared_config::from_text(credentials_text, config_text);
  credential_plan plan(std::optional<std::string> profile = std::nullopt) {
    aws_options o;
    o.profile = std::move(profile);
    return resolve_aws_settings(o, env, files).credentials;
  }
  void web_identity_env() {
    env.vars["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/var/run/secrets/eks/token";
    env.vars["AWS_ROLE_ARN"] = "arn:aws:iam::111122223333:role/from-env";
    env.vars["AWS_ROLE_SESSION_NAME"] = "env-session";
  }
  void container_env() { env.vars["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/task-id"; }
};

TEST_F(chain_test, web_identity_from_the_environment_names_file_and_role) {
  web_identity_env();
  auto p = plan();
  ASSERT_TRUE(p.web_identity);
  EXPECT_EQ(p.web_identity->token_file, "/var/run/secrets/eks/token");
  EXPECT_EQ(p.web_identity->role_arn, "arn:aws:iam::111122223333:role/from-env");
  EXPECT_EQ(p.web_identity->session_name, "env-session");
  EXPECT_EQ(p.describe(), "web identity (AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks/token, role "
                          "arn:aws:iam::111122223333:role/from-env)");
}

TEST_F(chain_test, environment_keys_come_before_web_identity) {
  web_identity_env();
  env.vars["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  env.vars["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  auto p = plan();
  EXPECT_FALSE(p.web_identity);
  EXPECT_EQ(p.base.access_key_id, "AKIDENV");
}

TEST_F(chain_test, web_identity_profile_keys_and_the_environment_mix_per_key) {
  auto p = plan("irsa");
  ASSERT_TRUE(p.web_identity);
  EXPECT_EQ(p.web_identity->token_file, "/var/run/secrets/token");
  EXPECT_EQ(p.web_identity->role_arn, "arn:aws:iam::111122223333:role/irsa");
  EXPECT_EQ(p.web_identity->session_name, "pod");
  EXPECT_TRUE(p.roles.empty()) << "role_arn beside web_identity_token_file is the web identity role, not AssumeRole";
  // An explicit --profile ignores the environment's web identity variables (botocore's
  // disable_env_vars); AWS_PROFILE does not.
  web_identity_env();
  EXPECT_EQ(plan("irsa").web_identity->role_arn, "arn:aws:iam::111122223333:role/irsa");
  env.vars["AWS_PROFILE"] = "irsa";
  EXPECT_EQ(plan().web_identity->role_arn, "arn:aws:iam::111122223333:role/from-env");
}

TEST_F(chain_test, web_identity_without_a_role_is_a_clear_error) {
  EXPECT_THROW((void)plan("irsa-no-role"), config_error);
  fake_env only_file;
  only_file.vars["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/t";
  try {
    (void)resolve_aws_settings({}, only_file, shared_config::from_text("", ""));
    ADD_FAILURE() << "no error";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("AWS_ROLE_ARN"), std::string::npos) << e.what();
  }
}

TEST_F(chain_test, a_role_profile_may_take_its_source_from_web_identity_or_a_container) {
  auto p = plan("role-over-web-identity-source");
  ASSERT_TRUE(p.web_identity);
  EXPECT_EQ(p.web_identity->role_arn, "arn:aws:iam::111122223333:role/irsa");
  ASSERT_EQ(p.roles.size(), 1u);
  EXPECT_EQ(p.roles[0].role_arn, "arn:aws:iam::111122223333:role/target");

  EXPECT_THROW((void)plan("role-from-container"), config_error) << "EcsContainer without the variables";
  container_env();
  p = plan("role-from-container");
  ASSERT_TRUE(p.container);
  EXPECT_EQ(p.container->url, "http://169.254.170.2/v2/credentials/task-id");
  EXPECT_EQ(p.roles.size(), 1u);
  p = plan("role-from-imds");
  EXPECT_EQ(p.instance_metadata, "http://169.254.169.254");
  EXPECT_EQ(p.roles.size(), 1u);
}

TEST_F(chain_test, credentials_file_keys_then_credential_process_then_config_file_keys) {
  auto p = plan("keys-both");
  EXPECT_FALSE(p.process);
  EXPECT_EQ(p.base.access_key_id, "AKIDCREDFILE");
  p = plan("process-over-config");
  ASSERT_TRUE(p.process);
  EXPECT_EQ(p.process->command, "/usr/bin/creds");
  EXPECT_EQ(p.process->profile, "process-over-config");
  EXPECT_EQ(p.describe(), "credential_process of profile 'process-over-config'");
}

TEST_F(chain_test, profiles_and_web_identity_come_before_the_container_and_the_container_before_imds) {
  container_env();
  env.vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "container-token";
  EXPECT_TRUE(plan("process-over-config").process);
  web_identity_env();
  EXPECT_TRUE(plan().web_identity);
  env.vars.erase("AWS_WEB_IDENTITY_TOKEN_FILE");
  // A profile without credentials (region only) lets the chain go on, as in the AWS CLI.
  auto p = plan("region-only");
  ASSERT_TRUE(p.container);
  EXPECT_EQ(p.container->token.reveal(), "container-token");
  EXPECT_TRUE(p.instance_metadata.empty());
  EXPECT_EQ(p.describe(), "container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI="
                          "http://169.254.170.2/v2/credentials/task-id)");
}

TEST_F(chain_test, full_uri_and_the_token_file_which_wins_over_the_token) {
  env.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://169.254.170.23/v1/credentials";
  env.vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "container-token";
  env.vars["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = "/var/run/secrets/pods.eks.amazonaws.com/token";
  auto p = plan();
  ASSERT_TRUE(p.container);
  EXPECT_EQ(p.container->variable, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
  EXPECT_EQ(p.container->token_file, "/var/run/secrets/pods.eks.amazonaws.com/token");
  EXPECT_TRUE(p.container->token.empty());
  // The relative URI wins over the full one (botocore).
  container_env();
  EXPECT_EQ(plan().container->url, "http://169.254.170.2/v2/credentials/task-id");
}

TEST_F(chain_test, sso_is_refused_by_name) {
  auto sso = shared_config::from_text("", "[profile corp]\nsso_session = corp\n");
  aws_options o;
  o.profile = "corp";
  try {
    (void)resolve_aws_settings(o, env, sso);
    ADD_FAILURE() << "no error";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("not supported"), std::string::npos) << e.what();
  }
}

} // namespace chain

} // namespace
} // namespace secexport::auth

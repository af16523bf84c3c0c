// The pure parts of the credential sources that batch jobs use: the container endpoint's
// host rules and answer, credential_process's command line and output.
#include "auth/container_provider.hpp"
#include "auth/process_provider.hpp"

#include <gtest/gtest.h>

namespace secexport::auth {
namespace {

TEST(container_endpoint, plain_http_only_to_loopback_and_the_documented_link_local_hosts) {
  struct row {
    const char* url;
    bool allowed;
  };
  const row table[] = {
      {"http://169.254.170.2/v2/credentials/abc", true},   // ECS
      {"http://169.254.170.23/v1/credentials", true},      // EKS Pod Identity, IPv4
      {"http://[fd00:ec2::23]/v1/credentials", true},      // EKS Pod Identity, IPv6
      {"http://[fd00:ec2:0::23]/v1/credentials", true},    // the same address written longer
      {"http://127.0.0.1:8080/creds", true},
      {"http://127.1.2.3/creds", true},                    // all of 127/8 is loopback
      {"http://[::1]:9000/creds", true},
      {"http://localhost:9000/creds", true},
      {"https://credentials.example.com/creds", true},      // https: any host
      {"https://10.0.0.5/creds", true},
      {"http://169.254.169.254/creds", false},             // the EC2 metadata address is not one of them
      {"http://169.254.170.3/creds", false},
      {"http://10.0.0.5/creds", false},
      {"http://credentials.example.com/creds", false},
      {"http://localhost.example.com/creds", false},
      {"http://[fd00:ec2::24]/creds", false},
      {"ftp://127.0.0.1/creds", false},
      {"http://user:pw@127.0.0.1/creds", false},           // user information is refused
  };
  for (const auto& r : table) {
    auto ep = container_endpoint(r.url);
    EXPECT_EQ(ep.has_value(), r.allowed) << r.url;
    if (!ep) {
      EXPECT_EQ(ep.error().code, make_error_code(errc::bad_config)) << r.url;
      EXPECT_EQ(ep.error().message.find("pw@"), std::string::npos) << ep.error().message;
    }
  }
  auto refused = container_endpoint("http://10.0.0.5/creds");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("neither a loopback address nor 169.254.170.2"), std::string::npos);
}

TEST(container_endpoint, keeps_the_path_and_query_as_the_request_target) {
  auto ep = container_endpoint("http://169.254.170.2/v2/credentials/0a1b-2c");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->endpoint.host, "169.254.170.2");
  EXPECT_EQ(ep->endpoint.port, 80);
  EXPECT_FALSE(ep->endpoint.tls);
  EXPECT_EQ(ep->target, "/v2/credentials/0a1b-2c");
  ep = container_endpoint("https://creds.internal:8443/get?role=x");
  ASSERT_TRUE(ep);
  EXPECT_TRUE(ep->endpoint.tls);
  EXPECT_EQ(ep->endpoint.port, 8443);
  EXPECT_EQ(ep->target, "/get?role=x");
  ep = container_endpoint("http://127.0.0.1:1234");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->target, "/");
}

TEST(container_credentials, parses_the_answer_of_ecs_and_eks_pod_identity) {
  auto c = parse_container_credentials(R"({"AccessKeyId":"ASIACONTAINER","SecretAccessKey":"container-secret-key",
    "Token":"container-session-token","Expiration":"2026-11-25T16:00:00Z","RoleArn":"arn:aws:iam::1:role/task",
    "AccountId":"123456789012"})");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "ASIACONTAINER");
  EXPECT_EQ(c->secret_access_key.reveal(), "container-secret-key");
  EXPECT_EQ(c->session_token.reveal(), "container-session-token");
  EXPECT_EQ(format_rfc3339(*c->expiration), "2026-11-25T16:00:00Z");
  EXPECT_EQ(redact("x container-session-token y"), "x *** y") << "registered as a secret";
  // Every field is required, as in botocore.
  EXPECT_FALSE(parse_container_credentials(R"({"AccessKeyId":"A","SecretAccessKey":"S","Token":"T"})"));
  EXPECT_FALSE(parse_container_credentials(R"({"AccessKeyId":"A","SecretAccessKey":"S","Expiration":"2026-11-25T16:00:00Z"})"));
  EXPECT_FALSE(parse_container_credentials(R"({"AccessKeyId":"A","SecretAccessKey":"S","Token":"T","Expiration":"soon"})"));
  EXPECT_FALSE(parse_container_credentials(R"({"code":"AccessDenied","message":"no"})"));
  EXPECT_FALSE(parse_container_credentials("[]"));
  EXPECT_FALSE(parse_container_credentials("<html>"));
}

TEST(credential_process, output_version_1_with_and_without_expiration) {
  auto c = parse_process_output(R"({"Version":1,"AccessKeyId":"ASIAPROC","SecretAccessKey":"process-secret-key",
    "SessionToken":"process-session-token","Expiration":"2026-11-25T16:00:00+01:00"})");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->access_key_id, "ASIAPROC");
  EXPECT_EQ(c->session_token.reveal(), "process-session-token");
  EXPECT_EQ(format_rfc3339(*c->expiration), "2026-11-25T15:00:00Z");
  EXPECT_TRUE(c->temporary());

  auto forever = parse_process_output(R"({"Version":1,"AccessKeyId":"AKIAPROC","SecretAccessKey":"process-secret-2"})");
  ASSERT_TRUE(forever);
  EXPECT_FALSE(forever->temporary()) << "no Expiration: static credentials, never refreshed";
  EXPECT_TRUE(forever->session_token.empty());
}

TEST(credential_process, bad_output_names_the_field_never_a_value) {
  struct row {
    const char* output;
    const char* says;
  };
  const row table[] = {
      {"", "not a JSON object"},
      {"AccessKeyId=x", "not a JSON object"},
      {R"({"AccessKeyId":"A","SecretAccessKey":"secret-value-1"})", "no \"Version\""},
      {R"({"Version":2,"AccessKeyId":"A","SecretAccessKey":"secret-value-1"})", "\"Version\": 2"},
      {R"({"Version":1,"SecretAccessKey":"secret-value-1"})", "no \"AccessKeyId\""},
      {R"({"Version":1,"AccessKeyId":"A"})", "no \"SecretAccessKey\""},
      {R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":"secret-value-1","Expiration":"tomorrow"})",
       "\"Expiration\" is not an RFC 3339 time"},
  };
  for (const auto& r : table) {
    auto c = parse_process_output(r.output);
    ASSERT_FALSE(c) << r.output;
    EXPECT_NE(c.error().message.find(r.says), std::string::npos) << c.error().message;
    EXPECT_EQ(c.error().message.find("secret-value-1"), std::string::npos) << c.error().message;
  }
}

TEST(credential_process, command_lines_split_like_the_aws_cli_without_a_shell) {
  using words = std::vector<std::string>;
  EXPECT_EQ(split_command_line("/usr/bin/creds --profile prod"), (words{"/usr/bin/creds", "--profile", "prod"}));
  EXPECT_EQ(split_command_line("  a\t b  "), (words{"a", "b"}));
  EXPECT_EQ(split_command_line("'/opt/my tools/creds' --name 'a b'"), (words{"/opt/my tools/creds", "--name", "a b"}));
  EXPECT_EQ(split_command_line(R"(creds "a \"quoted\" word" "back\\slash" "keep\n")"),
            (words{"creds", "a \"quoted\" word", "back\\slash", "keep\\n"}));
  EXPECT_EQ(split_command_line(R"(creds a\ b \'x)"), (words{"creds", "a b", "'x"}));
  EXPECT_EQ(split_command_line("creds ''"), (words{"creds", ""}));
  EXPECT_EQ(split_command_line("creds x'y'\"z\""), (words{"creds", "xyz"}));
  // No shell: these are plain words, never expanded or interpreted.
  EXPECT_EQ(split_command_line("creds $HOME *.json | tee x; rm -rf /"),
            (words{"creds", "$HOME", "*.json", "|", "tee", "x;", "rm", "-rf", "/"}));
  EXPECT_FALSE(split_command_line("creds 'unclosed"));
  EXPECT_FALSE(split_command_line("creds \"unclosed"));
  EXPECT_FALSE(split_command_line("creds trailing\\"));
  EXPECT_EQ(split_command_line("   "), words{});
}

} // namespace
} // namespace secexport::auth

// `secexport whoami`: which link of the credential chain answered (environment keys, a
// profile, a role, web identity, container credentials, credential_process, instance
// metadata) and who AWS says the caller is (STS GetCallerIdentity). The first thing to run
// where a batch job will run (a pod, a task, a CI job), before any tenant exists. Never
// prints a secret: the source names files and variables, not their contents.
#include "auth/sts_client.hpp"
#include "base/json_writer.hpp"
#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "io/endpoint.hpp"
#include "io/run_coroutine.hpp"
#include "tenant/external_id.hpp"

#include <boost/asio/io_context.hpp>

#include <cstdio>

namespace secexport::cli {

namespace net = boost::asio;

namespace {

struct whoami_args {
  aws_flags aws;
  output_format output = output_format::text;
};

struct whoami_answer {
  auth::caller_identity id;
  std::optional<sys_s> expires;
};

int run_whoami(const whoami_args& a) {
  net::io_context ioc(1);
  auto session = open_session(ioc.get_executor(), a.aws);
  auto answer = io::run_to_completion<whoami_answer>(ioc, [&]() -> net::awaitable<whoami_answer> {
    auto creds = co_await session.credentials->get();
    whoami_answer w;
    w.expires = creds->expiration;
    w.id = co_await tenant::exporter_identity(session);
    session.context->close_idle();
    co_return w;
  });

  const auto source = session.settings.credentials.describe();
  if (a.output == output_format::json) {
    json_writer j;
    j.begin_object().key("credentials").begin_object().member("source", source);
    j.member("temporary", answer.expires.has_value());
    if (answer.expires) j.member("expires", format_rfc3339(*answer.expires));
    j.end_object();
    j.member("account", answer.id.account).member("arn", answer.id.arn).member("user_id", answer.id.user_id);
    j.member("region", session.settings.region)
        .member("sts_endpoint", io::printable_url(session.settings.sts_endpoint));
    j.end_object();
    std::printf("%s\n", j.str().c_str());
    return exit_ok;
  }
  std::printf("Credentials: %s\n", source.c_str());
  if (answer.expires) std::printf("Expires:     %s (refreshed before then)\n", format_rfc3339(*answer.expires).c_str());
  std::printf("Account:     %s\n", answer.id.account.c_str());
  std::printf("ARN:         %s\n", answer.id.arn.c_str());
  std::printf("User ID:     %s\n", answer.id.user_id.c_str());
  return exit_ok;
}

} // namespace

command add_whoami_command(CLI::App& parent) {
  auto args = std::make_shared<whoami_args>();
  auto* app = parent.add_subcommand(
      "whoami",
      "Show which link of the AWS credential chain answered (environment keys, profile, role, web identity, "
      "container credentials, credential_process, instance metadata) and the caller identity from STS "
      "GetCallerIdentity (account, ARN, user ID). Prints no secret");
  args->aws.add_to(*app);
  add_output_option(*app, args->output, "{credentials: {source, temporary, expires}, account, arn, user_id, region, "
                                        "sts_endpoint}");
  return {app, [args] { return run_whoami(*args); }};
}

} // namespace secexport::cli

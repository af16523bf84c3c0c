#include "auth/instance_metadata_provider.hpp"

#include "auth/aws_client.hpp"
#include "auth/credentials_json.hpp"
#include "auth/metadata_request.hpp"
#include "base/log.hpp"

namespace secexport::auth {

namespace net = boost::asio;
namespace http = boost::beast::http;

std::optional<credentials> parse_instance_credentials(std::string_view json) {
  auto d = read_credentials_document(json);
  if (!d || !d->code || *d->code != "Success" || !d->token) return std::nullopt;
  return make_credentials(d->access_key_id, d->secret_access_key, d->token, d->expiration, true);
}

namespace {

class instance_metadata_provider final : public refreshing_provider {
public:
  instance_metadata_provider(aws_context& context, io::endpoint imds, std::function<sys_s()> clock,
                             std::chrono::seconds window)
      : refreshing_provider(context.executor(), std::move(clock), window), imds_(imds),
        http_(context.executor(), std::move(imds), nullptr, metadata_http_options()), context_(context) {}

  std::string describe() const override { return "instance metadata (" + imds_.url() + ")"; }

protected:
  net::awaitable<credentials> fetch() override {
    auto token = co_await step(http::verb::put, "/latest/api/token", header("x-aws-ec2-metadata-token-ttl-seconds", "21600"));
    register_secret(token);
    auto auth = header("x-aws-ec2-metadata-token", token);
    auto roles = co_await step(http::verb::get, "/latest/meta-data/iam/security-credentials/", auth);
    auto role = roles.substr(0, roles.find('\n'));
    if (role.empty()) fail("no instance profile role is attached to this instance");
    auto doc = co_await step(http::verb::get, "/latest/meta-data/iam/security-credentials/" + role, auth);
    auto c = parse_instance_credentials(doc);
    if (!c) fail("the credentials document for role " + role + " is incomplete or not Success");
    c->source = "instance metadata role " + role;
    log_fetched(role, *c->expiration);
    co_return std::move(*c);
  }

private:
  // (Brace lists outside the coroutine: GCC 12 miscompiles them inside coroutine frames.)
  static std::vector<header_field> header(std::string name, std::string value) {
    std::vector<header_field> h;
    h.push_back({std::move(name), std::move(value)});
    return h;
  }
  static void log_fetched(const std::string& role, sys_s expires) {
    log_info("instance credentials", {{"role", role}, {"expires", format_rfc3339(expires)}});
  }

  [[noreturn]] void fail(const std::string& why) const {
    aws_error e;
    e.transport = why;
    e.code = make_error_code(errc::no_credentials);
    throw aws_call_error("no AWS credentials found: nothing in the environment or the shared files, and the "
                             "instance metadata service at " + imds_.url() + " failed: " + why +
                             ". Set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile (--profile, AWS_PROFILE); "
                             "AWS_EC2_METADATA_DISABLED=true skips the metadata service",
                         e);
  }

  net::awaitable<std::string> step(http::verb method, std::string target, std::vector<header_field> headers) {
    io::http_request req;
    req.method = method;
    req.target = std::move(target);
    req.headers = std::move(headers);
    auto r = co_await send_metadata_request(http_, context_, req, "instance metadata");
    if (r.error) fail(r.describe_error(imds_));
    if (r.response.status != 200)
      fail(std::string(to_string(method)) + " " + req.target + " answered HTTP " + std::to_string(r.response.status));
    co_return std::move(r.response.body);
  }

  io::endpoint imds_;
  io::http_client http_;
  aws_context& context_;
};

} // namespace

std::shared_ptr<refreshing_provider> instance_metadata_credentials(aws_context& context, io::endpoint imds,
                                                                   refresh_options options) {
  return std::make_shared<instance_metadata_provider>(context, std::move(imds), refresh_clock(context, options),
                                                      options.window);
}

} // namespace secexport::auth

#include "auth/container_provider.hpp"

#include "auth/credentials_json.hpp"
#include "auth/metadata_request.hpp"
#include "base/log.hpp"

#include <boost/asio/ip/address.hpp>

#include <fstream>
#include <sstream>

namespace secexport::auth {

namespace net = boost::asio;
namespace http = boost::beast::http;

namespace {

bool plain_http_allowed(const std::string& host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (ec) return false;
  if (address.is_loopback()) return true;
  for (const char* allowed : {"169.254.170.2", "169.254.170.23", "fd00:ec2::23"})
    if (address == net::ip::make_address(allowed)) return true;
  return false;
}

} // namespace

result<container_target> container_endpoint(std::string_view url) {
  const auto scheme_end = url.find("://");
  const auto path_start = scheme_end == std::string_view::npos ? std::string_view::npos
                                                               : url.find_first_of("/?", scheme_end + 3);
  auto origin = url.substr(0, path_start);
  auto ep = io::parse_endpoint(origin);
  const std::string printable = io::printable_url(url);
  if (!ep) return error{errc::bad_config, "the container credentials URL '" + printable + "' is not usable: " + ep.error().message};
  if (!ep->tls && !plain_http_allowed(ep->host))
    return error{errc::bad_config,
                 "the container credentials URL '" + printable + "' is plain http to " + ep->host +
                     ", which is neither a loopback address nor 169.254.170.2, 169.254.170.23 or fd00:ec2::23: "
                     "the authorization token would cross the network in clear. Use https, or one of those hosts"};
  container_target t;
  t.endpoint = std::move(*ep);
  t.target = path_start == std::string_view::npos ? "/" : std::string(url.substr(path_start));
  if (t.target.starts_with('?')) t.target.insert(0, "/");
  return t;
}

std::optional<credentials> parse_container_credentials(std::string_view json) {
  auto d = read_credentials_document(json);
  if (!d || !d->token) return std::nullopt;
  return make_credentials(d->access_key_id, d->secret_access_key, d->token, d->expiration, true);
}

namespace {

class container_provider final : public refreshing_provider {
public:
  container_provider(aws_context& context, container_spec spec, container_target where,
                     std::function<sys_s()> clock, std::chrono::seconds window)
      : refreshing_provider(context.executor(), std::move(clock), window), spec_(std::move(spec)),
        where_(std::move(where)),
        http_(context.executor(), where_.endpoint, where_.endpoint.tls ? context.tls() : nullptr, http_options()),
        context_(context) {}

  std::string describe() const override { return "container credentials (" + spec_.variable + "=" + spec_.url + ")"; }

protected:
  net::awaitable<credentials> fetch() override {
    io::http_request req;
    req.method = http::verb::get;
    req.target = where_.target;
    if (auto token = authorization(); !token.empty()) req.headers.push_back(header("Authorization", std::move(token)));
    auto r = co_await send_metadata_request(http_, context_, req, "container credentials");
    if (r.error) fail(r.describe_error(where_.endpoint));
    if (r.response.status != 200) fail("it answered HTTP " + std::to_string(r.response.status) + status_hint(r.response.status));
    auto c = parse_container_credentials(r.response.body);
    if (!c) fail("its answer lacks AccessKeyId, SecretAccessKey, Token or Expiration");
    c->source = describe();
    log_fetched(*c->expiration);
    co_return std::move(*c);
  }

private:
  static io::http_options http_options() {
    auto o = metadata_http_options();
    o.timeouts.response = o.timeouts.idle = std::chrono::seconds(5); // the ECS agent can be slower than IMDS
    return o;
  }
  static io::http_header header(std::string name, std::string value) { return {std::move(name), std::move(value)}; }
  static std::string status_hint(unsigned status) {
    return status == 401 || status == 403 ? " (check AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE / _TOKEN)" : "";
  }
  void log_fetched(sys_s expires) const {
    log_info("container credentials", {{"url", spec_.url}, {"expires", format_rfc3339(expires)}});
  }

  // The token, from the file at every fetch (the agent rotates it), else the variable's.
  std::string authorization() const {
    std::string token;
    if (!spec_.token_file.empty()) {
      std::ifstream in(spec_.token_file, std::ios::binary);
      if (!in) fail("the token file " + spec_.token_file + " (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) cannot be read: " +
                    std::strerror(errno));
      std::ostringstream ss;
      ss << in.rdbuf();
      token = ss.str();
      while (!token.empty() && std::string_view(" \t\r\n").find(token.back()) != std::string_view::npos) token.pop_back();
    } else {
      token = std::string(spec_.token.reveal());
    }
    register_secret(token);
    if (token.find_first_of("\r\n") != std::string::npos)
      fail(std::string("the authorization token ") +
           (spec_.token_file.empty() ? "(AWS_CONTAINER_AUTHORIZATION_TOKEN)" : "in " + spec_.token_file) +
           " has a line break inside; it is not a legal header value");
    return token;
  }

  [[noreturn]] void fail(const std::string& why) const {
    aws_error e;
    e.transport = why;
    e.code = make_error_code(errc::no_credentials);
    throw aws_call_error("the container credentials endpoint " + spec_.variable + "=" + spec_.url + " gave no credentials: " +
                             why,
                         e);
  }

  container_spec spec_;
  container_target where_;
  io::http_client http_;
  aws_context& context_;
};

} // namespace

std::shared_ptr<refreshing_provider> container_credentials(aws_context& context, container_spec spec,
                                                           refresh_options options) {
  auto where = container_endpoint(spec.url);
  if (!where) throw config_error(where.error().message);
  return std::make_shared<container_provider>(context, std::move(spec), std::move(*where),
                                              refresh_clock(context, options), options.window);
}

} // namespace secexport::auth

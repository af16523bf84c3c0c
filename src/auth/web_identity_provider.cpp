#include "auth/web_identity_provider.hpp"

#include "auth/sts_client.hpp"
#include "base/log.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace secexport::auth {

namespace net = boost::asio;

namespace {

class web_identity_provider final : public refreshing_provider {
public:
  web_identity_provider(aws_context& context, io::endpoint sts_endpoint, std::string region, web_identity_spec spec,
                        std::function<sys_s()> clock, std::chrono::seconds window)
      : refreshing_provider(context.executor(), std::move(clock), window),
        sts_(context, std::move(sts_endpoint), "sts", std::move(region), nullptr), spec_(std::move(spec)) {}

  std::string describe() const override {
    return "web identity (" + spec_.source + ", role " + spec_.role_arn + ")";
  }

protected:
  net::awaitable<credentials> fetch() override {
    const auto token = read_token(); // again at every refresh: Kubernetes rotates the file
    auto assumed = co_await assume_role_with_web_identity(sts_, spec_, token);
    assumed.session.source = describe();
    log_fetched(*assumed.session.expiration);
    co_return std::move(assumed.session);
  }

private:
  void log_fetched(sys_s expires) const {
    log_info("web identity credentials", {{"role_arn", spec_.role_arn}, {"token_file", spec_.token_file},
                                          {"expires", format_rfc3339(expires)}});
  }

  secret read_token() const {
    std::ifstream in(spec_.token_file, std::ios::binary);
    if (!in)
      throw config_error("cannot read the web identity token file " + spec_.token_file + " (" + spec_.source +
                         "): " + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    auto text = ss.str();
    while (!text.empty() && std::string_view(" \t\r\n").find(text.back()) != std::string_view::npos) text.pop_back();
    if (text.empty()) throw config_error("the web identity token file " + spec_.token_file + " is empty");
    register_secret(text);
    return secret(std::move(text));
  }

  aws_client sts_; // unsigned: AssumeRoleWithWebIdentity needs no credentials
  web_identity_spec spec_;
};

} // namespace

std::shared_ptr<refreshing_provider> web_identity_credentials(aws_context& context, io::endpoint sts_endpoint,
                                                              std::string region, web_identity_spec spec,
                                                              refresh_options options) {
  return std::make_shared<web_identity_provider>(context, std::move(sts_endpoint), std::move(region), std::move(spec),
                                                 refresh_clock(context, options), options.window);
}

} // namespace secexport::auth

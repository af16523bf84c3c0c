#include "auth/assume_role_provider.hpp"

#include "auth/sts_client.hpp"
#include "base/log.hpp"

namespace secexport::auth {

namespace net = boost::asio;

namespace {

class assume_role_provider final : public refreshing_provider {
public:
  assume_role_provider(aws_context& context, io::endpoint sts_endpoint, std::string region,
                       std::shared_ptr<credentials_provider> source, assume_role_spec role,
                       std::function<sys_s()> clock, std::chrono::seconds window)
      : refreshing_provider(context.executor(), std::move(clock), window),
        sts_(context, std::move(sts_endpoint), "sts", std::move(region), std::move(source)),
        role_(std::move(role)) {}

  std::string describe() const override { return "assumed role " + role_.role_arn; }

protected:
  net::awaitable<credentials> fetch() override {
    auto assumed = co_await assume_role(sts_, role_);
    log_info("assumed role", {{"role_arn", role_.role_arn},
                              {"expires", format_rfc3339(*assumed.session.expiration)}});
    co_return std::move(assumed.session);
  }

private:
  aws_client sts_;
  assume_role_spec role_;
};

} // namespace

std::shared_ptr<refreshing_provider>
assume_role_credentials(aws_context& context, io::endpoint sts_endpoint, std::string region,
                        std::shared_ptr<credentials_provider> source, assume_role_spec role,
                        refresh_options options) {
  return std::make_shared<assume_role_provider>(context, std::move(sts_endpoint), std::move(region),
                                                std::move(source), std::move(role), refresh_clock(context, options),
                                                options.window);
}

} // namespace secexport::auth

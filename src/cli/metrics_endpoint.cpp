#include "cli/metrics_endpoint.hpp"

#include "base/log.hpp"
#include "base/metrics.hpp"
#include "cli/common_options.hpp"
#include "io/http_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <thread>

namespace secexport::cli {

namespace net = boost::asio;
namespace http = boost::beast::http;

struct metrics_endpoint::impl {
  net::io_context ioc{1};
  io::http_router router;
  std::unique_ptr<io::http_server> server;
  std::thread thread;
};

metrics_endpoint::metrics_endpoint(const std::string& address) : impl_(std::make_unique<impl>()) {
  auto at = io::parse_listen_address(address);
  if (!at) throw usage_error("--metrics-listen '" + address + "': " + at.error().message);
  impl_->router.add(http::verb::get, "/metrics",
                    [](io::server_request& req, const io::route_params&, const io::peer_info&)
                        -> net::awaitable<io::server_reply> {
                      co_return io::make_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8",
                                               metrics::process_registry().render());
                    });
  impl_->router.add(http::verb::get, "/healthz",
                    [](io::server_request& req, const io::route_params&, const io::peer_info&)
                        -> net::awaitable<io::server_reply> { co_return io::make_reply(req, 200, "text/plain", "ok\n"); });
  io::http_server_options options;
  options.listen = *at;
  options.body_limit = 1024; // scrapes have no body
  options.request_deadline = std::chrono::seconds(10);
  impl_->server = std::make_unique<io::http_server>(impl_->ioc.get_executor(), options,
                                                    impl_->router.handler(io::plain_error));
  impl_->server->start(); // throws, naming the address, when it cannot be bound
  const auto bound = impl_->server->local_endpoint();
  log_info("serving metrics", {{"url", "http://" + bound.address().to_string() + ":" + std::to_string(bound.port()) +
                                           "/metrics"}});
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

metrics_endpoint::~metrics_endpoint() {
  net::post(impl_->ioc, [this] { impl_->server->stop(std::chrono::seconds(1)); });
  impl_->thread.join();
}

net::ip::tcp::endpoint metrics_endpoint::local_endpoint() const { return impl_->server->local_endpoint(); }

} // namespace secexport::cli

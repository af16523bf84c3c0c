// The event source retries under its own budget: a source that keeps failing drains that
// budget and fails the export's source, while the S3 endpoint's budget (on the AWS context
// the export uploads through) stays whole. Against a plain-HTTP server on loopback that
// answers 503 to everything.
#include "auth/aws_client.hpp"
#include "export/source_runner.hpp"
#include "io/run_coroutine.hpp"
#include "source/error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <gtest/gtest.h>

#include <thread>

namespace secexport::exporter {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// Answers every request with 503 on its own thread; counts them.
class always_unavailable {
public:
  always_unavailable() : acceptor_(ioc_, {net::ip::make_address("127.0.0.1"), 0}) {
    net::co_spawn(ioc_, accept(), net::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~always_unavailable() {
    ioc_.stop();
    thread_.join();
  }
  [[nodiscard]] unsigned short port() const { return acceptor_.local_endpoint().port(); }
  std::atomic<unsigned> requests{0};

private:
  net::awaitable<void> accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(net::as_tuple(net::use_awaitable));
      if (ec) co_return;
      net::co_spawn(ioc_, serve(std::move(socket)), net::detached);
    }
  }
  net::awaitable<void> serve(tcp::socket socket) {
    net::streambuf in;
    for (;;) {
      auto [ec, n] = co_await net::async_read_until(socket, in, "\r\n\r\n", net::as_tuple(net::use_awaitable));
      if (ec) co_return;
      in.consume(n);
      ++requests;
      static constexpr std::string_view reply =
          "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
      auto [wec, wn] = co_await net::async_write(socket, net::buffer(reply), net::as_tuple(net::use_awaitable));
      if (wec) co_return;
    }
  }

  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

TEST(source_budget, a_failing_source_drains_its_own_budget_never_the_s3_one) {
  always_unavailable server;
  net::io_context ioc(1);
  auth::aws_context aws(ioc.get_executor(), nullptr);
  auto s3_endpoint = io::parse_endpoint("http://127.0.0.1:1").value();
  const auto s3_tokens = aws.http_for(s3_endpoint).budget().tokens();

  source::http_source_settings http;
  http.source.url = io::parse_endpoint("http://127.0.0.1:" + std::to_string(server.port())).value();
  http.source.tenant = "acme";
  http.source.token = secret("a-source-token-for-the-budget-test");
  http.source.backoff = {std::chrono::milliseconds(0), std::chrono::milliseconds(1), 1000}; // only the budget stops it
  http.start = *parse_rfc3339("2026-11-22T00:00:00Z");
  http.end = *parse_rfc3339("2026-11-23T00:00:00Z");
  http.concurrency = 1;
  http.max_pages = 4;
  io::retry_counters source_retries;
  source_spec spec{http, {}, false, nullptr, aws.http_options()};

  std::string failure_text;
  io::run_to_completion<bool>(ioc, [&]() -> net::awaitable<bool> {
    source_runner runner(spec, co_await net::this_coro::executor, source_retries);
    // The producer's side, on a thread of its own as in an export.
    std::thread consumer([&] {
      try {
        while (auto* p = runner.pages().next()) runner.pages().release(p);
      } catch (const failure& e) {
        failure_text = e.what();
        EXPECT_EQ(e.code(), source::errc::unavailable);
      }
    });
    co_await runner.finish();
    consumer.join();
    co_return true;
  });

  EXPECT_NE(failure_text.find("retry budget exhausted"), std::string::npos) << failure_text;
  EXPECT_EQ(source_retries.total(), 100u); // the default budget: 500 tokens, 5 per retry
  EXPECT_EQ(server.requests.load(), 101u);
  EXPECT_EQ(aws.http_for(s3_endpoint).budget().tokens(), s3_tokens) << "the source spent the S3 budget";
}

} // namespace
} // namespace secexport::exporter

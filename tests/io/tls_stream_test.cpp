// tls_stream against Asio's own TLS server on loopback, with certificates made by the test:
// bytes arrive intact in both directions, the server's name or address is checked, and
// deadlines, clean closes and cut connections come back as the codes the retry policy
// knows.
#include "io/tls_context.hpp"
#include "io/tls_stream.hpp"
#include "support/scratch_dir.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <gtest/gtest.h>

#include <openssl/err.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;
using secexport::io::tls_stream;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
namespace fs = std::filesystem;

tcp::endpoint loopback(unsigned short port) { return {net::ip::make_address("127.0.0.1"), port}; }

void sh(const std::string& cmd) {
  ASSERT_EQ(std::system(("(" + cmd + ") >/dev/null 2>&1").c_str()), 0) << cmd;
}

// A CA and, per test, a server certificate with the given subjectAltName.
class tls_stream_test : public ::testing::Test {
protected:
  void SetUp() override {
    fs::create_directories(dir_);
    sh("cd " + dir_.string() +
       " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key"
       " -out ca.pem -subj /CN=tls-stream-test-ca -days 1");
  }

  void make_server_cert(const std::string& san) {
    std::ofstream(dir_ / "ext") << "subjectAltName=" << san << "\n";
    sh("cd " + dir_.string() +
       " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key"
       " -out server.csr -subj /CN=server"
       " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
       " -out server.pem -days 1 -extfile ext");
    server_ctx_.use_certificate_chain_file((dir_ / "server.pem").string());
    server_ctx_.use_private_key_file((dir_ / "server.key").string(), ssl::context::pem);
  }

  std::shared_ptr<ssl::context> client_ctx() {
    return secexport::io::make_tls_context({.ca_file = (dir_ / "ca.pem").string(), .verify_peer = true});
  }

  // Runs `server(socket)` on the first accepted connection and `client(port)` until both end.
  template <class Server, class Client>
  void run(Server server, Client client) {
    tcp::acceptor acceptor(io_, {net::ip::make_address("127.0.0.1"), 0});
    const auto port = acceptor.local_endpoint().port();
    net::co_spawn(io_, [&]() -> net::awaitable<void> {
      auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
      if (!ec) co_await server(std::move(socket));
    }, net::detached);
    net::co_spawn(io_, client(port), net::detached);
    io_.run();
  }

  net::awaitable<error_code> connect(tls_stream& s, unsigned short port, const std::string& host,
                                     bool ip_literal) {
    auto [ec] = co_await s.socket().async_connect(loopback(port), use_tuple);
    if (ec) co_return ec;
    s.prepare_client(host, ip_literal);
    s.expires_after(std::chrono::seconds(10));
    auto [hec, n] = co_await s.async_handshake(use_tuple);
    co_return hec;
  }

  // The client's handshake result against a server that only handshakes, when the client
  // expects the certificate to be for `host`.
  error_code handshake_with(const std::string& host, bool is_ip) {
    error_code ec;
    run([&](tcp::socket socket) -> net::awaitable<void> {
          ssl::stream<tcp::socket> s(std::move(socket), server_ctx_);
          co_await s.async_handshake(ssl::stream_base::server, use_tuple);
        },
        [&](unsigned short port) -> net::awaitable<void> {
          tls_stream s(io_.get_executor(), *client_ctx());
          ec = co_await connect(s, port, host, is_ip);
        });
    return ec;
  }

  secexport::testing::scratch_dir scratch_{"tls_stream_test"};
  const fs::path& dir_ = scratch_.path();
  net::io_context io_;
  ssl::context server_ctx_{ssl::context::tls_server};
};

std::string openssl_message(const error_code& ec) {
  char buf[256];
  ERR_error_string_n(static_cast<unsigned long>(ec.value()), buf, sizeof buf);
  return buf;
}

TEST_F(tls_stream_test, carries_large_bodies_both_ways_and_ends_at_close_notify) {
  make_server_cert("IP:127.0.0.1");
  std::vector<char> upload(9 * 1024 * 1024 + 17), download(5 * 1024 * 1024 + 3);
  std::mt19937 rng(7);
  for (auto& c : upload) c = static_cast<char>(rng());
  for (auto& c : download) c = static_cast<char>(rng());
  const std::string head = "HEAD", er = "ER:", tail = "\r\n";
  std::vector<char> received;
  std::vector<char> got;
  error_code client_end, handshake_ec;

  run([&](tcp::socket socket) -> net::awaitable<void> {
        ssl::stream<tcp::socket> s(std::move(socket), server_ctx_);
        co_await s.async_handshake(ssl::stream_base::server, use_tuple);
        received.resize(head.size() + er.size() + tail.size() + upload.size());
        co_await net::async_read(s, net::buffer(received), use_tuple);
        co_await net::async_write(s, net::buffer(download), use_tuple);
        co_await s.async_shutdown(use_tuple);
      },
      [&](unsigned short port) -> net::awaitable<void> {
        tls_stream s(io_.get_executor(), *client_ctx());
        handshake_ec = co_await connect(s, port, "127.0.0.1", true);
        if (handshake_ec) co_return;
        // several small buffers then a large one, as Beast writes a header and a body
        std::vector<net::const_buffer> pieces{net::buffer(head), net::buffer(er), net::buffer(tail),
                                              net::buffer(upload)};
        auto [wec, wn] = co_await net::async_write(s, pieces, use_tuple);
        EXPECT_FALSE(wec) << wec.message();
        got.resize(download.size());
        auto [rec, rn] = co_await net::async_read(s, net::buffer(got), use_tuple);
        EXPECT_FALSE(rec) << rec.message();
        char one;
        auto [eec, en] = co_await s.async_read_some(net::buffer(&one, 1), use_tuple);
        client_end = eec;
      });

  ASSERT_FALSE(handshake_ec) << handshake_ec.message();
  std::string expected = head + er + tail;
  expected.append(upload.begin(), upload.end());
  ASSERT_EQ(received.size(), expected.size());
  EXPECT_TRUE(std::equal(received.begin(), received.end(), expected.begin()));
  EXPECT_EQ(got, download);
  EXPECT_EQ(client_end, net::error::eof);
}

TEST_F(tls_stream_test, refuses_a_certificate_for_another_name) {
  make_server_cert("DNS:localhost,IP:127.0.0.1");
  auto ec = handshake_with("bucket.s3.example.com", false);
  ASSERT_EQ(ec.category(), net::error::get_ssl_category()) << ec.message();
  EXPECT_NE(openssl_message(ec).find("certificate verify failed"), std::string::npos) << openssl_message(ec);
}

TEST_F(tls_stream_test, checks_an_ip_literal_against_the_certificate_addresses) {
  make_server_cert("DNS:localhost");
  auto ec = handshake_with("127.0.0.1", true);
  ASSERT_EQ(ec.category(), net::error::get_ssl_category()) << ec.message();
  EXPECT_NE(openssl_message(ec).find("certificate verify failed"), std::string::npos) << openssl_message(ec);
}

TEST_F(tls_stream_test, a_server_that_never_answers_times_out_at_the_deadline) {
  make_server_cert("IP:127.0.0.1");
  error_code ec;
  auto started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration took{};
  run([&](tcp::socket) -> net::awaitable<void> {
        net::steady_timer wait(io_, std::chrono::seconds(1)); // holds the connection, silent
        co_await wait.async_wait(use_tuple);
      },
      [&](unsigned short port) -> net::awaitable<void> {
        tls_stream s(io_.get_executor(), *client_ctx());
        co_await s.socket().async_connect(loopback(port), use_tuple);
        s.prepare_client("127.0.0.1", true);
        s.expires_after(std::chrono::milliseconds(200));
        std::tie(ec, std::ignore) = co_await s.async_handshake(use_tuple);
        took = std::chrono::steady_clock::now() - started;
      });
  EXPECT_EQ(ec, boost::beast::error::timeout) << ec.message();
  EXPECT_LT(took, std::chrono::seconds(1));
}

TEST_F(tls_stream_test, a_connection_cut_without_close_notify_is_a_truncated_stream) {
  make_server_cert("IP:127.0.0.1");
  error_code ec;
  run([&](tcp::socket socket) -> net::awaitable<void> {
        ssl::stream<tcp::socket> s(std::move(socket), server_ctx_);
        co_await s.async_handshake(ssl::stream_base::server, use_tuple);
        co_await net::async_write(s, net::buffer(std::string("partial")), use_tuple);
        s.lowest_layer().close();
      },
      [&](unsigned short port) -> net::awaitable<void> {
        tls_stream s(io_.get_executor(), *client_ctx());
        if ((ec = co_await connect(s, port, "127.0.0.1", true))) co_return;
        char buf[64];
        std::size_t total = 0;
        for (;;) {
          auto [rec, n] = co_await s.async_read_some(net::buffer(buf), use_tuple);
          total += n;
          if (rec) {
            ec = rec;
            break;
          }
        }
        EXPECT_EQ(total, 7u);
      });
  EXPECT_EQ(ec, ssl::error::stream_truncated) << ec.message();
}

TEST_F(tls_stream_test, a_reset_while_writing_is_an_error_not_a_sigpipe) {
  make_server_cert("IP:127.0.0.1");
  error_code ec;
  run([&](tcp::socket socket) -> net::awaitable<void> {
        ssl::stream<tcp::socket> s(std::move(socket), server_ctx_);
        co_await s.async_handshake(ssl::stream_base::server, use_tuple);
        s.lowest_layer().close();
      },
      [&](unsigned short port) -> net::awaitable<void> {
        tls_stream s(io_.get_executor(), *client_ctx());
        if ((ec = co_await connect(s, port, "127.0.0.1", true))) co_return;
        // Write only once the server has gone: the first send is answered with a reset, the
        // next one fails with EPIPE, which write() would turn into SIGPIPE.
        net::steady_timer later(io_, std::chrono::milliseconds(100));
        co_await later.async_wait(use_tuple);
        std::vector<char> chunk(1 << 20, 'x');
        for (int i = 0; i < 256 && !ec; ++i) std::tie(ec, std::ignore) = co_await net::async_write(s, net::buffer(chunk), use_tuple);
      });
  // Reaching this line at all is the point: write() on the reset socket would have raised
  // SIGPIPE and killed the test.
  EXPECT_TRUE(ec == net::error::connection_reset || ec == net::error::broken_pipe) << ec.message();
}

} // namespace

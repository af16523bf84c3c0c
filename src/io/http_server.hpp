// A small HTTP/1.1 server on Boost.Beast coroutines, for what secexport serves itself: the
// settings API and page (`secexport serve`) and the daemon's /metrics and /healthz.
//
// Contract:
// - One accept loop on one TCP address; each connection is a coroutine on the server's
//   executor, optionally TLS (a server ssl::context from make_tls_server_context). Everything
//   (accept, sessions, handlers, stop) runs on that executor; it must be single-threaded (one
//   io_context thread), so no locking is needed.
// - Limits: a request header larger than `header_limit` gets 431, a body larger than
//   `body_limit` 413, both before the body is read; a malformed request 400. Each is answered
//   with `error_body` (the caller's format: the API answers JSON) and the connection closed
//   (a refused body of up to 1 MiB is read and dropped first, so the close does not reset the
//   connection before the client has read the answer).
// - Deadlines: a connection waits at most `idle_timeout` for a request's header (the first or
//   the next on a keep-alive connection); the TLS handshake, reading the body and each write of
//   the response have `request_deadline`. A handler's own work has no deadline from the server
//   (its network calls have theirs).
// - Keep-alive as HTTP/1.1 says (Connection: close honoured); a response body is either the
//   reply's string or a chunked stream written by the handler as its results arrive.
// - One log line per request ("http request": method, path without the query, status, bytes,
//   milliseconds, remote address, and the reply's `log_note`); never a header or a body, so
//   no token or secret reaches the log.
// - stop(): no new connections; idle connections close at once; a request in progress
//   finishes (its response carries Connection: close); after `grace` every connection that
//   is left is closed. The executor's run() then returns once the server is idle.
#pragma once

#include "base/error.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace secexport::io {

using server_request = boost::beast::http::request<boost::beast::http::string_body>;
using server_response = boost::beast::http::response<boost::beast::http::string_body>;

/// Writes the chunks of a streamed response body (Transfer-Encoding: chunked). write() throws
/// boost::system::system_error when the connection fails (the handler's coroutine ends).
class chunk_writer {
public:
  virtual ~chunk_writer() = default;
  virtual boost::asio::awaitable<void> write(std::string_view chunk) = 0;
};

/// What a handler answers: a whole response, or a header and a body streamed by `stream`.
struct server_reply {
  server_response response;
  std::function<boost::asio::awaitable<void>(chunk_writer&)> stream; // set: the body is chunked, written by it
  std::string log_note; // appended to the request's log line (never a secret)
};

/// Who sent a request.
struct peer_info {
  std::string remote; // "127.0.0.1:51234"
};

using request_handler = std::function<boost::asio::awaitable<server_reply>(server_request&, const peer_info&)>;

/// The body and content type of an error the server answers by itself (400, 413, 431, 404,
/// 405, 503): `code` is a stable word ("body_too_large"), `message` a sentence.
struct error_body {
  std::string content_type;
  std::string body;
};
using error_formatter = std::function<error_body(unsigned status, std::string_view code, std::string_view message)>;

/// text/plain "CODE: MESSAGE\n".
[[nodiscard]] error_body plain_error(unsigned status, std::string_view code, std::string_view message);

/// A response with `status`, `content_type` and `body`, keep-alive as `request` asks.
[[nodiscard]] server_reply make_reply(const server_request& request, unsigned status, std::string_view content_type,
                                      std::string body);

struct http_server_options {
  boost::asio::ip::tcp::endpoint listen;               // port 0: a free port (see local_endpoint)
  std::shared_ptr<boost::asio::ssl::context> tls;     // null: plain HTTP
  std::size_t header_limit = 16 * 1024;
  std::size_t body_limit = 64 * 1024;
  std::chrono::milliseconds request_deadline{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::size_t max_connections = 256;                   // more are answered 503 and closed
  error_formatter errors = plain_error;
  std::vector<std::pair<std::string, std::string>> headers; // added to every response (security headers)
};

class http_server {
public:
  http_server(boost::asio::any_io_executor executor, http_server_options options, request_handler handler);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds and listens now: a failure naming the address (in use, not local) is thrown here.
  /// Serving starts when the executor runs.
  void start();
  /// The bound address (the port chosen when options.listen had port 0).
  [[nodiscard]] boost::asio::ip::tcp::endpoint local_endpoint() const;
  /// See the contract above. Call on the executor's thread (e.g. from a signal handler
  /// completion on the same io_context).
  void stop(std::chrono::milliseconds grace);
  [[nodiscard]] std::size_t open_connections() const noexcept;

  struct state;

private:
  std::shared_ptr<state> state_;
};

/// "ADDR:PORT", "[IPv6]:PORT" or ":PORT" (all IPv4 interfaces), with a numeric address.
/// io::errc::bad_url naming what is wrong.
[[nodiscard]] result<boost::asio::ip::tcp::endpoint> parse_listen_address(std::string_view text);

/// A TLS server context (TLS 1.2 or newer) from a PEM certificate chain and key file. Throws
/// a failure (bad input) naming the file that cannot be loaded.
[[nodiscard]] std::shared_ptr<boost::asio::ssl::context> make_tls_server_context(const std::string& cert_file,
                                                                                  const std::string& key_file);

// ------------------------------------------------------------------------------ routing

/// The values of a route's `{name}` segments, percent-decoded.
class route_params {
public:
  void add(std::string name, std::string value) { values_.emplace_back(std::move(name), std::move(value)); }
  /// The value of `{name}`; empty if the route has no such segment.
  [[nodiscard]] const std::string& get(std::string_view name) const;

private:
  std::vector<std::pair<std::string, std::string>> values_;
};

using route_handler =
    std::function<boost::asio::awaitable<server_reply>(server_request&, const route_params&, const peer_info&)>;

/// Routes by method and path pattern ("/v1/tenants/{tenant}/policy": `{name}` matches one
/// non-empty segment). Pure; tested without sockets.
class http_router {
public:
  void add(boost::beast::http::verb method, std::string pattern, route_handler handler);

  struct match_result {
    const route_handler* handler = nullptr; // null: no route for this method and path
    route_params params;
    std::vector<boost::beast::http::verb> allowed; // the path's methods (empty: unknown path)
  };
  /// `path` without the query string.
  [[nodiscard]] match_result match(boost::beast::http::verb method, std::string_view path) const;

  /// A request handler that dispatches to the routes; 404 for an unknown path, 405 (with
  /// Allow) for a known path and another method, formatted by `errors`. The router must
  /// outlive it.
  [[nodiscard]] request_handler handler(error_formatter errors) const;

private:
  struct route {
    boost::beast::http::verb method;
    std::vector<std::string> segments;
    route_handler handler;
  };
  std::vector<route> routes_;
};

/// The path of a request target, without the query string.
[[nodiscard]] std::string_view target_path(std::string_view target) noexcept;
/// The value of query parameter `name` in a request target, percent-decoded ('+' is a
/// space); nullopt when absent.
[[nodiscard]] std::optional<std::string> query_param(std::string_view target, std::string_view name);

} // namespace secexport::io

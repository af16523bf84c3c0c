// An HTTP/1.1 client for one endpoint (host:port, TLS or not) on Boost.Beast coroutines,
// keeping a pool of keep-alive connections.
//
// Contract:
// - `send` writes one request and reads the whole response, once: retries are the retry
//   engine's (io/retry.hpp). It completes on the client's executor. Transport failures
//   (connect, TLS, reset, timeout) come back as the error code; HTTP error statuses are
//   ordinary responses. A request on a reused keep-alive connection that fails before any
//   response byte arrives is marked `stale_connection` (the server had closed the idle
//   connection and never saw it): the engine sends it again at once.
// - Every network step has a deadline: connect, TLS handshake, each write of the body, the
//   response header, and each read of the body (an idle timeout, so a large body is never
//   cut off while it makes progress).
// - Request bodies are borrowed: the bytes must stay valid until `send` completes. They are
//   written from where they lie, never copied.
// - Not thread-safe: one client is used from the one thread that runs its executor.
#pragma once

#include "base/byte_buffer.hpp"
#include "io/http_header.hpp"
#include "io/retry.hpp"
#include "io/endpoint.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace secexport::io {

struct http_timeouts {
  std::chrono::milliseconds connect{10'000};
  std::chrono::milliseconds handshake{10'000};
  std::chrono::milliseconds idle{60'000};      // no progress while writing or reading a body
  std::chrono::milliseconds response{120'000}; // from the end of the request to the response header
};

struct http_options {
  http_timeouts timeouts;
  std::size_t max_idle_connections = 64;
  std::size_t max_response_body = 64u << 20; // a larger body is an error, not an allocation
  std::chrono::seconds max_idle_age{30};     // idle connections older than this are closed
};

struct http_request {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string target;                     // path and query as sent
  std::vector<http_header> headers;         // Host and Content-Length are added by the client
  std::span<const char> body;             // borrowed until send() completes
  /// The most bytes the response body may have, asked when its header has arrived (with the
  /// declared Content-Length, none when chunked): a memory budget's answer. Unset: the
  /// client's max_response_body. A larger body is http::error::body_limit, before it is read.
  std::function<std::uint64_t(std::optional<std::uint64_t> declared)> body_limit;
  /// The whole answer must have arrived by then (zero: only the idle timeouts), so a body that
  /// trickles forever still ends.
  std::chrono::steady_clock::duration total{};
};

struct http_response {
  unsigned status = 0;
  boost::beast::http::fields headers;
  std::string body; // empty when the caller supplied a byte_buffer for the body

  [[nodiscard]] std::string_view header(std::string_view name) const;
};

/// What `send` produced: a response, or a transport error and the step that failed
/// ("connect", "TLS handshake", "write", "read").
struct http_result {
  boost::system::error_code error;
  std::string_view step;
  http_response response;
  std::optional<std::uint64_t> declared_length; // the response's Content-Length, when known
  std::uint64_t body_limit = 0;                 // the limit the body was held to
  bool stale_connection = false; // failed on a reused connection before any response byte

  [[nodiscard]] std::string describe_error(const endpoint& where) const;
};

struct http_stats {
  std::uint64_t connections_opened = 0;
  std::uint64_t requests = 0;
  std::uint64_t reused = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
};

class http_client {
public:
  /// `tls` may be null for plain-HTTP endpoints.
  http_client(boost::asio::any_io_executor executor, endpoint target,
              std::shared_ptr<boost::asio::ssl::context> tls, http_options options = {});
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Sends `request`; the body goes to `body_out` when given (reused, padded), else to
  /// `response.body`.
  boost::asio::awaitable<http_result> send(const http_request& request,
                                           byte_buffer* body_out = nullptr);

  [[nodiscard]] const endpoint& target() const noexcept { return target_; }
  [[nodiscard]] const http_stats& stats() const noexcept { return stats_; }
  [[nodiscard]] const http_options& options() const noexcept { return options_; }
  /// This endpoint's retry budget (io/retry.hpp): every request to it draws on it.
  [[nodiscard]] retry_budget& budget() noexcept { return budget_; }
  /// Closes every idle connection (at the end of a job, or when a server misbehaves).
  void close_idle();

private:
  struct connection;
  boost::asio::awaitable<http_result> open(connection& c);
  boost::asio::awaitable<http_result> exchange(connection& c, const http_request& request,
                                              byte_buffer& body, bool& got_response_bytes,
                                              bool& keep_alive);
  std::unique_ptr<connection> take_idle();

  boost::asio::any_io_executor executor_;
  endpoint target_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  http_options options_;
  std::vector<std::unique_ptr<connection>> idle_;
  http_stats stats_;
  retry_budget budget_;
};

} // namespace secexport::io

#include "io/http_client.hpp"

#include "io/retry.hpp"
#include "io/tls_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <limits>

namespace secexport::io {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
constexpr std::size_t write_chunk = 1u << 20; // deadline granularity of body writes

http_result failed_at(error_code ec, std::string_view step) {
  http_result r;
  r.error = ec;
  r.step = step;
  return r;
}

// A Beast body that reads into a caller-owned byte_buffer (kept across responses, padded).
// The parser builds its reader before the caller can point the body at the buffer, so the
// reader keeps a reference to the pointer and follows it only once reading starts.
struct byte_buffer_body {
  using value_type = byte_buffer*;

  class reader {
  public:
    template <bool is_request, class Fields>
    reader(http::header<is_request, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>& length, error_code& ec) {
      body_->clear();
      if (length) body_->reserve(static_cast<std::size_t>(*length));
      ec = {};
    }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, error_code& ec) {
      auto n = net::buffer_size(buffers);
      net::buffer_copy(net::buffer(body_->prepare(n), n), buffers);
      body_->commit(n);
      ec = {};
      return n;
    }

    void finish(error_code& ec) { ec = {}; }

  private:
    value_type& body_;
  };
};

} // namespace

struct http_client::connection {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<tls_stream> secure;
  beast::flat_buffer buffer;
  std::chrono::steady_clock::time_point idle_since;

  void expires_after(std::chrono::steady_clock::duration d) {
    if (secure) secure->expires_after(d);
    else plain->expires_after(d);
  }
  void expires_never() {
    if (secure) secure->expires_never();
    else plain->expires_never();
  }
};

std::string_view http_response::header(std::string_view name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string_view{} : std::string_view(it->value());
}

std::string http_result::describe_error(const endpoint& where) const {
  std::string s = std::string(step.empty() ? "request" : step) + " to " + where.url() + " failed: ";
  s += error.message();
  if (error.category() == net::error::get_ssl_category()) {
    char buf[256];
    ERR_error_string_n(static_cast<unsigned long>(error.value()), buf, sizeof buf);
    if (std::string_view(buf).find("certificate verify failed") != std::string_view::npos)
      s += " (the server's certificate is not trusted: pass its CA with --ca-file or AWS_CA_BUNDLE)";
  }
  return s;
}

http_client::http_client(net::any_io_executor executor, endpoint target,
                         std::shared_ptr<net::ssl::context> tls, http_options options)
    : executor_(std::move(executor)), target_(std::move(target)), tls_(std::move(tls)),
      options_(options) {
  if (target_.tls && !tls_) throw std::invalid_argument("https endpoint without a TLS context");
}

http_client::~http_client() = default;

void http_client::close_idle() { idle_.clear(); }

std::unique_ptr<http_client::connection> http_client::take_idle() {
  auto now = std::chrono::steady_clock::now();
  while (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    if (now - c->idle_since < options_.max_idle_age) return c;
  }
  return nullptr;
}

net::awaitable<http_result> http_client::open(connection& c) {
  const auto& t = options_.timeouts;
  tcp::resolver resolver(executor_);
  auto [rec, endpoints] =
      co_await resolver.async_resolve(target_.host, std::to_string(target_.port), use_tuple);
  if (rec) co_return failed_at(rec, "name resolution");

  error_code cec;
  if (target_.tls) {
    c.secure = std::make_unique<tls_stream>(executor_, *tls_);
    c.secure->expires_after(t.connect);
    std::tie(cec, std::ignore) = co_await net::async_connect(c.secure->socket(), endpoints, use_tuple);
    if (cec) cec = c.secure->deadline_error(cec);
  } else {
    c.plain = std::make_unique<beast::tcp_stream>(executor_);
    c.plain->expires_after(t.connect);
    std::tie(cec, std::ignore) = co_await c.plain->async_connect(endpoints, use_tuple);
  }
  if (cec) co_return failed_at(cec, "connect");
  (c.secure ? c.secure->socket() : c.plain->socket()).set_option(tcp::no_delay(true));
  ++stats_.connections_opened;

  if (c.secure) {
    c.secure->prepare_client(target_.host, target_.is_ip_literal());
    c.secure->expires_after(t.handshake);
    auto [hec, hn] = co_await c.secure->async_handshake(use_tuple);
    if (hec) co_return failed_at(hec, "TLS handshake");
  }
  c.expires_never();
  co_return http_result{};
}

net::awaitable<http_result> http_client::exchange(connection& c, const http_request& request,
                                                  byte_buffer& body, bool& got_response_bytes,
                                                  bool& keep_alive) {
  const auto& t = options_.timeouts;
  // Each step's idle timeout, cut short where the request's whole-answer deadline comes first.
  const auto deadline = request.total == std::chrono::steady_clock::duration{}
                            ? std::chrono::steady_clock::time_point::max()
                            : std::chrono::steady_clock::now() + request.total;
  auto within = [deadline](std::chrono::steady_clock::duration d) {
    if (deadline == std::chrono::steady_clock::time_point::max()) return d;
    return std::clamp(deadline - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration(1), d);
  };

  http::request<http::empty_body> req{request.method, request.target, 11};
  req.set(http::field::host, target_.host_header());
  for (const auto& h : request.headers) req.insert(h.name, h.value);
  if (!request.body.empty() || request.method == http::verb::put || request.method == http::verb::post)
    req.content_length(request.body.size());

  auto write_all = [&](auto& stream) -> net::awaitable<http_result> {
    http::request_serializer<http::empty_body> sr{req};
    c.expires_after(t.idle);
    auto [ec, n] = co_await http::async_write_header(stream, sr, use_tuple);
    if (ec) co_return failed_at(ec, "write");
    stats_.bytes_sent += n;
    const char* p = request.body.data();
    std::size_t left = request.body.size();
    while (left > 0) {
      auto chunk = std::min(left, write_chunk);
      c.expires_after(t.idle);
      auto [wec, wn] = co_await net::async_write(stream, net::buffer(p, chunk), use_tuple);
      if (wec) co_return failed_at(wec, "write");
      p += wn;
      left -= wn;
      stats_.bytes_sent += wn;
    }
    co_return http_result{};
  };

  auto read_all = [&](auto& stream) -> net::awaitable<http_result> {
    http::response_parser<byte_buffer_body> parser;
    parser.get().body() = &body;
    body.clear();
    // With a caller's limit the body is judged once its header has arrived (below).
    parser.body_limit(request.body_limit ? std::numeric_limits<std::uint64_t>::max() : options_.max_response_body);
    if (request.method == http::verb::head) parser.skip(true);
    c.expires_after(within(t.response));
    auto before = c.buffer.size();
    auto [ec, n] = co_await http::async_read_header(stream, c.buffer, parser, use_tuple);
    got_response_bytes = n > 0 || c.buffer.size() != before;
    if (ec) co_return failed_at(ec, "read");
    stats_.bytes_received += n;
    http_result r;
    r.response.status = parser.get().result_int();
    keep_alive = parser.keep_alive();
    const auto length = parser.content_length();
    if (length) r.declared_length = *length;
    r.body_limit = options_.max_response_body;
    if (request.body_limit && request.method != http::verb::head && !parser.is_done()) {
      r.body_limit = request.body_limit(r.declared_length);
      parser.body_limit(r.body_limit); // a chunked body is held to it as it arrives
    }
    if (length && !parser.is_done() && *length > r.body_limit) {
      r.error = http::error::body_limit;
      r.step = "read";
      keep_alive = false;
      co_return r;
    }
    if (length && !parser.is_done() && !parser.chunked()) {
      // A body of known length goes straight from TLS into `body`, in large reads: no
      // copy through the parser's buffer, no coroutine step per TLS record.
      const auto total = static_cast<std::size_t>(*length);
      body.reserve_within(total, static_cast<std::size_t>(std::min<std::uint64_t>(r.body_limit, SIZE_MAX)));
      auto buffered = std::min(total, c.buffer.size());
      body.append(c.buffer.data().data(), buffered);
      c.buffer.consume(buffered);
      while (body.size() < total) {
        auto chunk = std::min(total - body.size(), write_chunk);
        c.expires_after(within(t.idle));
        auto [rec, rn] = co_await net::async_read(stream, net::buffer(body.prepare(chunk), chunk), use_tuple);
        body.commit(rn);
        stats_.bytes_received += rn;
        if (rec) co_return failed_at(rec == net::error::eof ? http::error::partial_message : rec, "read");
      }
    } else {
      while (!parser.is_done()) {
        c.expires_after(within(t.idle));
        auto [bec, bn] = co_await http::async_read_some(stream, c.buffer, parser, use_tuple);
        if (bec) {
          r.error = bec;
          r.step = "read";
          co_return r;
        }
        stats_.bytes_received += bn;
      }
      keep_alive = parser.keep_alive();
    }
    c.expires_never();
    r.response.headers = std::move(static_cast<http::fields&>(parser.get()));
    co_return r;
  };

  // A server may answer before it has read the whole body (403 to an unauthorised upload)
  // and close the connection: the write then fails, but the answer is waiting to be read,
  // and it explains far more than "broken pipe".
  auto send_then_read = [&](auto& stream) -> net::awaitable<http_result> {
    auto w = co_await write_all(stream);
    if (!w.error) co_return co_await read_all(stream);
    if (!is_connection_lost(w.error)) co_return w;
    auto early = co_await read_all(stream);
    if (early.error) co_return w;
    keep_alive = false;
    co_return early;
  };
  if (c.secure) co_return co_await send_then_read(*c.secure);
  co_return co_await send_then_read(*c.plain);
}

net::awaitable<http_result> http_client::send(const http_request& request, byte_buffer* body_out) {
  byte_buffer scratch;
  byte_buffer& body = body_out ? *body_out : scratch;
  ++stats_.requests;
  auto conn = take_idle();
  const bool reused = conn != nullptr;
  if (reused) {
    ++stats_.reused;
  } else {
    conn = std::make_unique<connection>();
    auto opened = co_await open(*conn);
    if (opened.error) co_return opened;
  }
  bool got_response_bytes = false, keep_alive = false;
  auto result = co_await exchange(*conn, request, body, got_response_bytes, keep_alive);
  if (!result.error) {
    if (keep_alive && idle_.size() < options_.max_idle_connections) {
      conn->idle_since = std::chrono::steady_clock::now();
      idle_.push_back(std::move(conn));
    }
    if (!body_out) result.response.body.assign(scratch.data(), scratch.size());
    co_return result;
  }
  // A keep-alive connection the server closed while it sat idle: the request never reached
  // it, so the retry engine sends it again at once on a new connection.
  result.stale_connection = reused && !got_response_bytes && is_connection_lost(result.error);
  co_return result;
}

} // namespace secexport::io

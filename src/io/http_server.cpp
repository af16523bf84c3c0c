#include "io/http_server.hpp"

#include "base/log.hpp"
#include "base/uri.hpp"
#include "io/error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <list>

namespace secexport::io {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using net::ip::tcp;
using namespace std::chrono;

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

struct connection {
  beast::tcp_stream* tcp = nullptr;
  bool busy = false; // between the first byte of a request and the end of its response
};

} // namespace

struct http_server::state : std::enable_shared_from_this<state> {
  state(net::any_io_executor ex, http_server_options o, request_handler h)
      : executor(ex), options(std::move(o)), handler(std::move(h)), acceptor(ex), grace_timer(ex) {}

  net::any_io_executor executor;
  http_server_options options;
  request_handler handler;
  tcp::acceptor acceptor;
  net::steady_timer grace_timer;
  std::list<connection> connections;
  bool stopping = false;

  void close_idle() {
    for (auto& c : connections)
      if (!c.busy) c.tcp->close();
  }
  void close_all() {
    for (auto& c : connections) c.tcp->close();
  }
};

namespace {

using state_ptr = std::shared_ptr<http_server::state>;

beast::tcp_stream& lowest(beast::tcp_stream& s) { return s; }
beast::tcp_stream& lowest(ssl::stream<beast::tcp_stream>& s) { return s.next_layer(); }

template <class Stream> class stream_chunk_writer final : public chunk_writer {
public:
  stream_chunk_writer(Stream& s, milliseconds deadline) : stream_(s), deadline_(deadline) {}
  net::awaitable<void> write(std::string_view chunk) override {
    if (chunk.empty()) co_return; // an empty chunk would end the body
    lowest(stream_).expires_after(deadline_);
    co_await net::async_write(stream_, http::make_chunk(net::const_buffer(chunk.data(), chunk.size())),
                              net::use_awaitable);
    bytes += chunk.size();
  }
  std::size_t bytes = 0;

private:
  Stream& stream_;
  milliseconds deadline_;
};

void add_headers(server_response& r, const http_server_options& o) {
  for (const auto& [name, value] : o.headers)
    if (r.find(name) == r.end()) r.set(name, value);
}

server_response error_response(const http_server_options& o, unsigned status, std::string_view code,
                               std::string_view message) {
  auto e = o.errors(status, code, message);
  server_response r{static_cast<http::status>(status), 11};
  r.set(http::field::content_type, e.content_type);
  r.body() = std::move(e.body);
  r.keep_alive(false);
  add_headers(r, o);
  r.prepare_payload();
  return r;
}

std::string printable_path(std::string_view target) {
  auto path = target_path(target);
  std::string out;
  for (char c : path.substr(0, 200)) out += (static_cast<unsigned char>(c) < 0x21 || c == 0x7f) ? '?' : c;
  if (path.size() > 200) out += "...";
  return out;
}

void log_request(std::string_view method, std::string_view target, unsigned status, std::size_t bytes,
                 steady_clock::time_point started, const std::string& remote, const std::string& note) {
  const auto ms = duration<double, std::milli>(steady_clock::now() - started).count();
  const auto path = printable_path(target);
  if (note.empty())
    log_info("http request", {{"method", method}, {"path", path}, {"status", status}, {"bytes", bytes},
                              {"ms", std::round(ms * 10) / 10}, {"remote", remote}});
  else
    log_info("http request", {{"method", method}, {"path", path}, {"status", status}, {"bytes", bytes},
                              {"ms", std::round(ms * 10) / 10}, {"remote", remote}, {"note", note}});
}

bool quiet_end(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::operation_aborted || ec == beast::error::timeout ||
         ec == net::error::connection_reset || ec == net::error::eof || ec == net::error::bad_descriptor ||
         ec == ssl::error::stream_truncated;
}

// Writes a whole response; false when the connection failed.
template <class Stream>
net::awaitable<bool> write_response(Stream& stream, server_response& r, milliseconds deadline) {
  lowest(stream).expires_after(deadline);
  auto [ec, n] = co_await http::async_write(stream, r, use_tuple);
  co_return !ec;
}

// Reads and drops up to `n` bytes of a refused request's body (those already buffered first),
// so that closing the connection after the error response does not reset it under the client
// before it has read the answer (a close with unread data sends RST). Bodies over
// `discard_limit` are not drained: their clients may see a reset.
constexpr std::uint64_t discard_limit = 1u << 20;

template <class Stream>
net::awaitable<void> discard_body(Stream& stream, beast::flat_buffer& buffer, std::uint64_t n, milliseconds deadline) {
  if (n > discard_limit) co_return;
  const auto buffered = std::min<std::uint64_t>(n, buffer.size());
  buffer.consume(buffered);
  n -= buffered;
  char scratch[16 * 1024];
  while (n > 0) {
    lowest(stream).expires_after(deadline);
    auto [ec, got] = co_await stream.async_read_some(
        net::buffer(scratch, std::min<std::uint64_t>(n, sizeof scratch)), use_tuple);
    if (ec) co_return;
    n -= std::min<std::uint64_t>(n, got);
  }
}

template <class Stream>
net::awaitable<void> serve_requests(state_ptr st, Stream& stream, connection& conn, std::string remote) {
  const auto& o = st->options;
  beast::flat_buffer buffer;
  for (;;) {
    conn.busy = false;
    if (st->stopping) co_return;
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(o.header_limit));
    parser.body_limit(o.body_limit);
    lowest(stream).expires_after(o.idle_timeout);
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
    conn.busy = true;
    const auto started = steady_clock::now();
    if (hec == http::error::body_limit) { // a Content-Length over the limit: refused before any body byte
      const bool waits = beast::iequals(parser.get()[http::field::expect], "100-continue"); // sends no body
      // (content_length() asserts a finished header; the field itself is there.)
      const auto text = parser.get()[http::field::content_length];
      std::uint64_t length = 0;
      auto [end, lec] = std::from_chars(text.data(), text.data() + text.size(), length);
      if (!waits && lec == std::errc() && end == text.data() + text.size())
        co_await discard_body(stream, buffer, length, o.request_deadline);
      auto r = error_response(o, 413, "body_too_large",
                              "body: the request body is larger than the limit of " + std::to_string(o.body_limit) +
                                  " bytes");
      (void)co_await write_response(stream, r, o.request_deadline);
      log_request(std::string(parser.get().method_string()), std::string(parser.get().target()), 413, r.body().size(),
                  started, remote, {});
      co_return;
    }
    if (hec) {
      if (quiet_end(hec) && buffer.size() == 0) co_return;
      const bool too_big = hec == http::error::header_limit || hec == http::error::buffer_overflow;
      auto r = too_big ? error_response(o, 431, "header_too_large",
                                        "the request header is larger than " + std::to_string(o.header_limit) + " bytes")
                       : error_response(o, 400, "malformed_request", "the request is not valid HTTP/1.1: " + hec.message());
      if (!quiet_end(hec)) {
        (void)co_await write_response(stream, r, o.request_deadline);
        log_request("-", "-", r.result_int(), r.body().size(), started, remote, {});
      }
      co_return;
    }
    auto& head = parser.get();
    const std::string method(head.method_string());
    const std::string target(head.target());
    if (auto length = parser.content_length(); length && *length > o.body_limit) {
      if (!beast::iequals(head[http::field::expect], "100-continue")) // else the client sends no body
        co_await discard_body(stream, buffer, *length, o.request_deadline);
      auto r = error_response(o, 413, "body_too_large",
                              "body: the request body (" + std::to_string(*length) + " bytes) is larger than the limit of " +
                                  std::to_string(o.body_limit) + " bytes");
      (void)co_await write_response(stream, r, o.request_deadline);
      log_request(method, target, 413, r.body().size(), started, remote, {});
      co_return;
    }
    if (beast::iequals(head[http::field::expect], "100-continue")) {
      http::response<http::empty_body> cont{http::status::continue_, 11};
      lowest(stream).expires_after(o.request_deadline);
      auto [cec, cn] = co_await http::async_write(stream, cont, use_tuple);
      if (cec) co_return;
    }
    lowest(stream).expires_after(o.request_deadline);
    auto [bec, bn] = co_await http::async_read(stream, buffer, parser, use_tuple);
    if (bec) {
      if (bec == http::error::body_limit) {
        auto r = error_response(o, 413, "body_too_large",
                                "body: the request body is larger than the limit of " + std::to_string(o.body_limit) +
                                    " bytes");
        (void)co_await write_response(stream, r, o.request_deadline);
        log_request(method, target, 413, r.body().size(), started, remote, {});
      } else if (!quiet_end(bec)) {
        auto r = error_response(o, 400, "malformed_request", "the request body is not valid HTTP/1.1: " + bec.message());
        (void)co_await write_response(stream, r, o.request_deadline);
        log_request(method, target, 400, r.body().size(), started, remote, {});
      }
      co_return;
    }
    auto request = parser.release();
    const peer_info peer{remote};
    server_reply reply;
    try {
      reply = co_await st->handler(request, peer);
    } catch (const std::exception& e) {
      log_error("http handler failed", {{"path", printable_path(target)}, {"error", e.what()}});
      reply.response = error_response(o, 500, "internal_error", "the server failed to answer; see its log");
    }
    const bool keep = request.keep_alive() && !st->stopping && reply.response.keep_alive();
    auto& r = reply.response;
    r.version(11);
    r.keep_alive(keep);
    add_headers(r, o);
    std::size_t bytes = 0;
    if (reply.stream) {
      http::response<http::empty_body> streamed{r.result(), 11};
      for (const auto& f : r) streamed.set(f.name_string(), f.value());
      streamed.keep_alive(keep);
      streamed.chunked(true);
      http::response_serializer<http::empty_body> sr{streamed};
      lowest(stream).expires_after(o.request_deadline);
      auto [wec, wn] = co_await http::async_write_header(stream, sr, use_tuple);
      if (wec) co_return;
      stream_chunk_writer<Stream> writer(stream, o.request_deadline);
      bool ok = true;
      try {
        co_await reply.stream(writer);
      } catch (const boost::system::system_error&) {
        ok = false; // the client went away
      }
      bytes = writer.bytes;
      if (ok) {
        lowest(stream).expires_after(o.request_deadline);
        auto [lec, ln] = co_await net::async_write(stream, http::make_chunk_last(), use_tuple);
        ok = !lec;
      }
      log_request(method, target, r.result_int(), bytes, started, remote, reply.log_note);
      if (!ok) co_return;
    } else {
      r.prepare_payload();
      bytes = r.body().size();
      const bool ok = co_await write_response(stream, r, o.request_deadline);
      log_request(method, target, r.result_int(), bytes, started, remote, reply.log_note);
      if (!ok) co_return;
    }
    if (!keep) co_return;
  }
}

net::awaitable<void> run_connection(state_ptr st, tcp::socket socket) {
  boost::system::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  std::string remote = ec ? "?" : (ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string()) +
                                      ":" + std::to_string(ep.port());
  const auto& o = st->options;
  if (st->connections.size() >= o.max_connections) {
    beast::tcp_stream s(std::move(socket));
    if (!o.tls) {
      auto r = error_response(o, 503, "too_many_connections", "the server has too many open connections; retry later");
      (void)co_await write_response(s, r, o.request_deadline);
    }
    log_warn("http connection refused: too many open connections", {{"remote", remote}});
    s.close();
    co_return;
  }
  if (o.tls) {
    ssl::stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *o.tls);
    auto it = st->connections.insert(st->connections.end(), connection{&stream.next_layer(), true});
    stream.next_layer().expires_after(o.request_deadline);
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::server, use_tuple);
    if (!hec) {
      co_await serve_requests(st, stream, *it, remote);
      stream.next_layer().expires_after(seconds(2));
      (void)co_await stream.async_shutdown(use_tuple);
    } else if (!quiet_end(hec)) {
      log_info("http TLS handshake failed", {{"remote", remote}, {"error", hec.message()}});
    }
    stream.next_layer().close();
    st->connections.erase(it);
  } else {
    beast::tcp_stream stream(std::move(socket));
    auto it = st->connections.insert(st->connections.end(), connection{&stream, false});
    co_await serve_requests(st, stream, *it, remote);
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.close();
    st->connections.erase(it);
  }
}

net::awaitable<void> accept_loop(state_ptr st) {
  for (;;) {
    auto [ec, socket] = co_await st->acceptor.async_accept(use_tuple);
    if (st->stopping) co_return;
    if (ec) {
      if (ec == net::error::operation_aborted) co_return;
      // Out of file descriptors and the like: wait a moment instead of spinning.
      log_warn("http accept failed", {{"error", ec.message()}});
      net::steady_timer pause(st->executor, milliseconds(100));
      (void)co_await pause.async_wait(use_tuple);
      continue;
    }
    net::co_spawn(st->executor, run_connection(st, std::move(socket)), net::detached);
  }
}

} // namespace

error_body plain_error(unsigned, std::string_view code, std::string_view message) {
  return {"text/plain; charset=utf-8", std::string(code) + ": " + std::string(message) + "\n"};
}

server_reply make_reply(const server_request& request, unsigned status, std::string_view content_type,
                        std::string body) {
  server_reply reply;
  reply.response = server_response{static_cast<http::status>(status), 11};
  reply.response.set(http::field::content_type, content_type);
  reply.response.body() = std::move(body);
  reply.response.keep_alive(request.keep_alive());
  return reply;
}

http_server::http_server(net::any_io_executor executor, http_server_options options, request_handler handler)
    : state_(std::make_shared<state>(executor, std::move(options), std::move(handler))) {}

http_server::~http_server() {
  boost::system::error_code ec;
  state_->stopping = true;
  state_->acceptor.close(ec);
}

void http_server::start() {
  auto& a = state_->acceptor;
  const auto& ep = state_->options.listen;
  const auto where = (ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string()) + ":" +
                     std::to_string(ep.port());
  boost::system::error_code ec;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw failure(secexport::errc::bad_usage, "cannot listen on " + where + ": " + ec.message());
  net::co_spawn(state_->executor, accept_loop(state_), net::detached);
}

tcp::endpoint http_server::local_endpoint() const { return state_->acceptor.local_endpoint(); }

std::size_t http_server::open_connections() const noexcept { return state_->connections.size(); }

void http_server::stop(milliseconds grace) {
  auto st = state_;
  if (st->stopping) return;
  st->stopping = true;
  boost::system::error_code ec;
  st->acceptor.close(ec);
  st->close_idle();
  st->grace_timer.expires_after(grace);
  st->grace_timer.async_wait([st](boost::system::error_code) { st->close_all(); });
  // Once every connection is gone there is nothing left to wait for.
  net::co_spawn(
      st->executor,
      [st]() -> net::awaitable<void> {
        net::steady_timer poll(st->executor);
        while (!st->connections.empty()) {
          poll.expires_after(milliseconds(20));
          (void)co_await poll.async_wait(use_tuple);
        }
        st->grace_timer.cancel();
      },
      net::detached);
}

// ------------------------------------------------------------------------------ parsing

result<tcp::endpoint> parse_listen_address(std::string_view text) {
  auto bad = [&](std::string why) -> result<tcp::endpoint> {
    return error{errc::bad_url, "listen address '" + std::string(text.substr(0, 64)) + "' " + why +
                                    " (expected ADDR:PORT such as 127.0.0.1:8443 or [::1]:8443)"};
  };
  std::string_view host, port;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return bad("has an unclosed IPv6 bracket or no port");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("has no port");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return bad("has an IPv6 address without brackets");
  }
  unsigned value = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || p != port.data() + port.size() || value > 65535)
    return bad("has a port that is not a number from 0 to 65535");
  if (host.empty()) host = "0.0.0.0";
  boost::system::error_code aec;
  auto address = net::ip::make_address(std::string(host), aec);
  if (aec) return bad("does not have a numeric IP address");
  return tcp::endpoint(address, static_cast<std::uint16_t>(value));
}

std::shared_ptr<ssl::context> make_tls_server_context(const std::string& cert_file, const std::string& key_file) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression | ssl::context::single_dh_use);
  auto load = [](const std::string& file, const char* what, auto&& fn) {
    if (file.empty()) throw failure(secexport::errc::bad_usage, std::string("no TLS ") + what + " file given");
    if (!std::filesystem::is_regular_file(file))
      throw failure(secexport::errc::unreadable_file, std::string("TLS ") + what + " " + file + " is not a readable file");
    boost::system::error_code ec;
    fn(ec);
    if (ec) throw failure(secexport::errc::unreadable_file, std::string("cannot load TLS ") + what + " " + file + ": " + ec.message());
  };
  load(cert_file, "certificate", [&](auto& ec) { ctx->use_certificate_chain_file(cert_file, ec); });
  load(key_file, "key", [&](auto& ec) { ctx->use_private_key_file(key_file, ssl::context::pem, ec); });
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    throw failure(secexport::errc::bad_usage, "TLS key " + key_file + " does not match certificate " + cert_file);
  return ctx;
}

// ------------------------------------------------------------------------------ routing

namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  if (path.starts_with('/')) path.remove_prefix(1);
  for (;;) {
    auto slash = path.find('/');
    out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool is_param(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

} // namespace

const std::string& route_params::get(std::string_view name) const {
  static const std::string none;
  for (const auto& [n, v] : values_)
    if (n == name) return v;
  return none;
}

void http_router::add(http::verb method, std::string pattern, route_handler handler) {
  routes_.push_back({method, split_path(pattern), std::move(handler)});
}

http_router::match_result http_router::match(http::verb method, std::string_view path) const {
  match_result out;
  const auto segments = split_path(path);
  for (const auto& r : routes_) {
    if (r.segments.size() != segments.size()) continue;
    route_params params;
    bool ok = true;
    for (std::size_t i = 0; i < segments.size() && ok; ++i) {
      if (is_param(r.segments[i])) {
        if (segments[i].empty()) ok = false;
        else params.add(r.segments[i].substr(1, r.segments[i].size() - 2), uri_decode(segments[i]));
      } else {
        ok = r.segments[i] == segments[i];
      }
    }
    if (!ok) continue;
    out.allowed.push_back(r.method);
    if (r.method == method && !out.handler) {
      out.handler = &r.handler;
      out.params = std::move(params);
    }
  }
  return out;
}

request_handler http_router::handler(error_formatter errors) const {
  return [this, errors](server_request& request, const peer_info& peer) -> net::awaitable<server_reply> {
    auto m = match(request.method(), target_path(request.target()));
    if (m.handler) co_return co_await (*m.handler)(request, m.params, peer);
    if (m.allowed.empty()) {
      auto e = errors(404, "not_found", "no such resource: " + std::string(target_path(request.target()).substr(0, 200)));
      co_return make_reply(request, 404, e.content_type, std::move(e.body));
    }
    std::string allow;
    for (auto v : m.allowed) allow += (allow.empty() ? "" : ", ") + std::string(http::to_string(v));
    auto e = errors(405, "method_not_allowed",
                    std::string(request.method_string()) + " is not allowed here (allowed: " + allow + ")");
    auto reply = make_reply(request, 405, e.content_type, std::move(e.body));
    reply.response.set(http::field::allow, allow);
    co_return reply;
  };
}

std::string_view target_path(std::string_view target) noexcept {
  auto q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

std::optional<std::string> query_param(std::string_view target, std::string_view name) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  auto query = target.substr(q + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    auto eq = pair.find('=');
    auto key = pair.substr(0, eq);
    if (key == name) {
      std::string value(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
      for (auto& c : value)
        if (c == '+') c = ' ';
      return uri_decode(value);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

} // namespace secexport::io

// The event source server: accept loop, per-connection coroutines, request handling, faults
// and the /_stats endpoint. See source_server.hpp.
//
// Requests are read with Beast's parser; responses are written as a hand-made header plus
// the page bytes, because the faults need byte-level control over what reaches the client
// (a full Content-Length followed by half the body, a reset instead of an answer, a chunked
// body that never ends). The bulk of huge, deep and bigstring pages is generated while it is
// sent (page splices), so a 200 MB page costs a 256 KiB buffer, not 200 MB.
#include "source_server.hpp"

#include "base/json_text.hpp"
#include "base/log.hpp"
#include "base/secret.hpp"
#include "page_builder.hpp"
#include "source_request.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/ssl.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

namespace secexport::event_source {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
constexpr std::size_t write_chunk = 4u << 20;            // deadline granularity of body writes
constexpr std::size_t fill_chunk = 256u << 10;           // generated splice bytes per write
constexpr std::size_t keep_page_capacity = 32u << 20;    // a connection's page buffer after a huge page
constexpr std::size_t max_cached_tenants = 32;
constexpr auto handshake_timeout = std::chrono::seconds(10);
constexpr auto tls_shutdown_timeout = std::chrono::seconds(2);
constexpr auto shutdown_grace = std::chrono::seconds(3);

constexpr std::array<unsigned, 9> counted_statuses{200, 400, 401, 404, 405, 429, 500, 503, 0};

std::string_view reason(unsigned status) {
  switch (status) {
  case 200: return "OK";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 429: return "Too Many Requests";
  case 500: return "Internal Server Error";
  case 503: return "Service Unavailable";
  default: return "Unknown";
  }
}

// What a broken proxy might splice into a page cut in the middle: not JSON.
constexpr std::string_view malformed_tail = "\n<html><body>502 Bad Gateway</body></html>\n";

// What a captive portal or a misrouted gateway answers with a 200: a login page.
constexpr std::string_view html_body =
    "<!DOCTYPE html><html><head><title>Gateway login</title></head><body>Please sign in</body></html>";
constexpr std::string_view html_content_type = "text/html; charset=utf-8";

// The endless fault's trickle: JSON whitespace, valid between the tokens of the open page.
constexpr std::string_view endless_filler = "                ";

// A reply's body as pieces: text held elsewhere (the page buffer, an error body, the malformed
// tail) or a page splice, generated while it is sent.
struct body_piece {
  std::string_view text;
  const page_splice* splice = nullptr;
  std::uint64_t size = 0;
};

// The page buffer with its splices in place; no empty pieces (an empty buffer in a write
// stops Beast's flat_stream early, see write_reply).
void add_page_pieces(std::string_view page, const std::vector<page_splice>& splices,
                     std::vector<body_piece>& out) {
  std::size_t at = 0;
  for (const auto& s : splices) {
    if (s.offset > at) out.push_back({page.substr(at, s.offset - at), nullptr, s.offset - at});
    at = std::max(at, s.offset);
    if (s.size() > 0) out.push_back({{}, &s, s.size()});
  }
  if (page.size() > at) out.push_back({page.substr(at), nullptr, page.size() - at});
}

// Keeps the first `limit` bytes of the pieces.
void cut_pieces(std::vector<body_piece>& pieces, std::uint64_t limit) {
  std::uint64_t at = 0;
  std::size_t keep = 0;
  for (; keep < pieces.size() && at < limit; ++keep) {
    auto& p = pieces[keep];
    if (at + p.size > limit) {
      p.size = limit - at;
      if (!p.splice) p.text = p.text.substr(0, static_cast<std::size_t>(p.size));
    }
    at += p.size;
  }
  pieces.resize(keep);
}

std::uint64_t total_size(const std::vector<body_piece>& pieces) {
  std::uint64_t n = 0;
  for (const auto& p : pieces) n += p.size;
  return n;
}

std::string error_body(std::string_view error, std::string_view message) {
  std::string s = R"({"error":")";
  append_json_escaped(s, error);
  s += R"(","message":")";
  append_json_escaped(s, message);
  s += "\"}";
  return s;
}

struct server_stats {
  std::atomic<std::uint64_t> connections{0}, active_connections{0}, requests{0};
  std::atomic<std::uint64_t> pages{0}, events{0}, bytes{0};
  std::array<std::atomic<std::uint64_t>, counted_statuses.size()> responses{};

  void count_response(unsigned status) {
    std::size_t i = 0;
    while (counted_statuses[i] != status && counted_statuses[i] != 0) ++i;
    ++responses[i];
  }
};

// Builds each tenant's generator (a few ms: the pool of bodies) once and shares it.
class generator_cache {
public:
  generator_cache(std::uint64_t seed, std::uint32_t events_per_day)
      : seed_(seed), events_per_day_(events_per_day) {}

  std::shared_ptr<const event_generator> get(const std::string& tenant) {
    {
      std::lock_guard lock(mutex_);
      if (auto it = cache_.find(tenant); it != cache_.end()) return it->second;
    }
    auto made = std::make_shared<const event_generator>(seed_, tenant, events_per_day_);
    std::lock_guard lock(mutex_);
    if (cache_.size() >= max_cached_tenants) cache_.clear(); // generators in use stay alive
    return cache_.emplace(tenant, std::move(made)).first->second;
  }

private:
  std::uint64_t seed_;
  std::uint32_t events_per_day_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<const event_generator>> cache_;
};

// What to send back for one request.
struct reply {
  enum class action { send, truncate, reset, endless };

  unsigned status = 200;
  action act = action::send;
  std::string_view content_type = "application/json";
  std::string error_text;       // error, stats and html bodies
  bool page = false;            // the body is the connection's page buffer (endless: its start)
  std::vector<page_splice> splices; // of the page: generated while sent
  std::uint64_t spliced_bytes = 0;
  bool malformed = false;       // send the page's first half, then malformed_tail
  std::chrono::milliseconds endless_interval{0};
  std::size_t page_events = 0;
  std::uint64_t page_request = 0;
  std::optional<unsigned> retry_after;
  bool www_authenticate = false;
  std::string_view fault;       // for the log line

  void error(unsigned s, std::string_view code, std::string_view message) {
    status = s;
    error_text = error_body(code, message);
  }
};

// One accepted connection: its stream, its reusable buffers, and a timer for page latency.
struct connection {
  explicit connection(const net::any_io_executor& executor) : timer(executor) {}

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

  // Runs on the connection's strand: aborts whatever it is waiting for.
  void close() {
    timer.cancel();
    lowest().close();
  }

  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
  net::steady_timer timer;
  beast::flat_buffer read_buffer;
  byte_buffer page;
  std::string head;
  std::vector<body_piece> pieces;           // write_reply's, reused
  std::vector<net::const_buffer> buffers;   // write_reply's, reused
  std::string remote;
  std::shared_ptr<const event_generator> generator; // of the tenant asked for last
};

class source_server {
public:
  explicit source_server(const server_options& options);
  void run();

private:
  net::awaitable<void> accept_loop();
  net::awaitable<void> serve(tcp::socket socket);
  template <class Stream>
  net::awaitable<void> session(Stream& stream, connection& c);
  net::awaitable<void> handle(const http::request<http::empty_body>& request, connection& c, reply& r);
  net::awaitable<void> handle_events(const routed_target& target, const events_query& query,
                                     connection& c, reply& r);
  template <class Stream>
  net::awaitable<error_code> write_reply(Stream& stream, connection& c, const reply& r, bool keep_alive,
                                         unsigned version);
  template <class Stream>
  net::awaitable<void> write_endless(Stream& stream, connection& c, const reply& r, unsigned version);
  std::string stats_json() const;
  void begin_shutdown(int signal_number);
  net::awaitable<void> wait_for_connections();

  server_options options_;
  net::io_context ioc_;
  std::optional<ssl::context> tls_;
  net::strand<net::io_context::executor_type> control_; // acceptor, signals, shutdown
  tcp::acceptor acceptor_;
  net::signal_set signals_;
  generator_cache generators_;
  fault_plan faults_;
  server_stats stats_;
  bool stopping_ = false; // on control_

  std::mutex live_mutex_;
  std::unordered_map<connection*, std::weak_ptr<connection>> live_;
};

ssl::context make_server_tls(const std::string& cert, const std::string& key) {
  for (const auto& [what, path] : {std::pair{"certificate", cert}, std::pair{"private key", key}})
    if (!std::filesystem::is_regular_file(path))
      throw std::runtime_error(std::string("TLS ") + what + " file " + path + " does not exist");
  ssl::context ctx(ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::single_dh_use);
  error_code ec;
  ctx.use_certificate_chain_file(cert, ec);
  if (ec) throw std::runtime_error("cannot load the TLS certificate chain " + cert + ": " + ec.message());
  ctx.use_private_key_file(key, ssl::context::pem, ec);
  if (ec) throw std::runtime_error("cannot load the TLS private key " + key + ": " + ec.message());
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1)
    throw std::runtime_error("the TLS private key " + key + " does not belong to the certificate " + cert);
  return ctx;
}

source_server::source_server(const server_options& options)
    : options_(options), ioc_(static_cast<int>(std::max(1u, options.threads))),
      control_(net::make_strand(ioc_)), acceptor_(control_), signals_(control_, SIGINT, SIGTERM),
      generators_(options.seed, options.events_per_day), faults_(options.faults, options.seed) {
  if (!options_.tls_cert.empty() || !options_.tls_key.empty()) {
    if (options_.tls_cert.empty() || options_.tls_key.empty())
      throw std::runtime_error("--tls-cert and --tls-key must be given together");
    tls_.emplace(make_server_tls(options_.tls_cert, options_.tls_key));
  }

  error_code ec;
  auto address = net::ip::make_address(options_.host, ec);
  tcp::endpoint where;
  if (!ec) {
    where = tcp::endpoint(address, options_.port);
  } else {
    tcp::resolver resolver(ioc_);
    auto found = resolver.resolve(options_.host, std::to_string(options_.port), ec);
    if (ec || found.empty())
      throw std::runtime_error("cannot resolve --host " + options_.host + ": " + ec.message());
    where = *found.begin();
  }
  auto bind_step = [&](const char* step, auto&& op) {
    op();
    if (ec)
      throw std::runtime_error(std::string("cannot ") + step + " " + where.address().to_string() + ":" +
                               std::to_string(where.port()) + ": " + ec.message());
  };
  bind_step("open a socket for", [&] { acceptor_.open(where.protocol(), ec); });
  bind_step("set SO_REUSEADDR on", [&] { acceptor_.set_option(tcp::acceptor::reuse_address(true), ec); });
  bind_step("bind", [&] { acceptor_.bind(where, ec); });
  bind_step("listen on", [&] { acceptor_.listen(net::socket_base::max_listen_connections, ec); });
}

void source_server::run() {
  std::printf("%u\n", static_cast<unsigned>(acceptor_.local_endpoint().port()));
  std::fflush(stdout);
  log_info("source.listening", {{"address", acceptor_.local_endpoint().address().to_string()},
                                {"port", acceptor_.local_endpoint().port()},
                                {"tls", tls_.has_value()},
                                {"events_per_day", options_.events_per_day},
                                {"threads", options_.threads}});

  signals_.async_wait([this](const error_code& ec, int signal_number) {
    if (!ec) begin_shutdown(signal_number);
  });
  std::exception_ptr failure;
  net::co_spawn(control_, accept_loop(), [this, &failure](std::exception_ptr e) {
    if (!e) return;
    failure = e; // a broken invariant: stop, and let run() report it
    ioc_.stop();
  });

  {
    std::vector<std::jthread> workers;
    for (unsigned i = 1; i < options_.threads; ++i) workers.emplace_back([this] { ioc_.run(); });
    ioc_.run();
  } // joins the workers
  if (failure) std::rethrow_exception(failure);
}

void source_server::begin_shutdown(int signal_number) {
  log_info("source.stopping", {{"signal", signal_number}, {"active_connections", stats_.active_connections.load()}});
  stopping_ = true;
  error_code ec;
  acceptor_.close(ec);
  std::vector<std::shared_ptr<connection>> open;
  {
    std::lock_guard lock(live_mutex_);
    for (auto& [_, weak] : live_)
      if (auto c = weak.lock()) open.push_back(std::move(c));
  }
  for (auto& c : open) net::post(c->timer.get_executor(), [c] { c->close(); });
  net::co_spawn(control_, wait_for_connections(), net::detached);
}

net::awaitable<void> source_server::wait_for_connections() {
  net::steady_timer timer(control_);
  const auto deadline = std::chrono::steady_clock::now() + shutdown_grace;
  while (stats_.active_connections.load() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      log_warn("source.stop_forced", {{"active_connections", stats_.active_connections.load()}});
      ioc_.stop();
      co_return;
    }
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(use_tuple);
  }
}

net::awaitable<void> source_server::accept_loop() {
  net::steady_timer backoff(control_);
  while (!stopping_) {
    auto [ec, socket] = co_await acceptor_.async_accept(net::make_strand(ioc_), use_tuple);
    if (ec == net::error::operation_aborted || stopping_) co_return;
    if (ec) {
      // Out of descriptors or the like: say so, and do not spin.
      log_warn("source.accept_failed", {{"error", ec.message()}});
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(use_tuple);
      continue;
    }
    auto executor = socket.get_executor();
    net::co_spawn(executor, serve(std::move(socket)), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        log_error("source.connection_failed", {{"error", x.what()}});
      }
    });
  }
}

net::awaitable<void> source_server::serve(tcp::socket socket) {
  auto c = std::make_shared<connection>(socket.get_executor());
  ++stats_.connections;
  ++stats_.active_connections;
  {
    std::lock_guard lock(live_mutex_);
    live_.emplace(c.get(), c);
  }
  struct leave_guard {
    source_server& s;
    connection* c;
    ~leave_guard() {
      std::lock_guard lock(s.live_mutex_);
      s.live_.erase(c);
      --s.stats_.active_connections;
    }
  } guard{*this, c.get()};

  error_code ec;
  auto remote = socket.remote_endpoint(ec);
  c->remote = ec ? "?" : remote.address().to_string() + ":" + std::to_string(remote.port());
  socket.set_option(tcp::no_delay(true), ec);

  if (tls_) {
    c->secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(socket), *tls_);
    c->lowest().expires_after(handshake_timeout);
    auto [hec] = co_await c->secure->async_handshake(ssl::stream_base::server, use_tuple);
    if (hec) {
      log_debug("source.handshake_failed", {{"remote", c->remote}, {"error", hec.message()}});
      co_return;
    }
    co_await session(*c->secure, *c);
  } else {
    c->plain = std::make_unique<beast::tcp_stream>(std::move(socket));
    co_await session(*c->plain, *c);
  }
}

template <class Stream>
net::awaitable<void> source_server::session(Stream& stream, connection& c) {
  reply r;
  for (;;) {
    http::request_parser<http::empty_body> parser;
    parser.header_limit(16 * 1024);
    c.lowest().expires_after(options_.io_timeout);
    auto [ec, n] = co_await http::async_read(stream, c.read_buffer, parser, use_tuple);
    if (ec) {
      // The client closed, went idle past the deadline, or sent something that is not HTTP.
      if (ec != http::error::end_of_stream && ec != net::error::eof && ec != ssl::error::stream_truncated)
        log_debug("source.read_ended", {{"remote", c.remote}, {"error", ec.message()}});
      co_return;
    }
    ++stats_.requests;
    const auto started = std::chrono::steady_clock::now();
    const auto& request = parser.get();
    r = reply{};
    co_await handle(request, c, r);
    stats_.count_response(r.act == reply::action::reset ? 0 : r.status);

    if (r.act == reply::action::reset) {
      // An abortive close: the client sees a reset instead of an answer.
      c.lowest().socket().set_option(net::socket_base::linger(true, 0), ec);
      c.lowest().close();
    } else if (r.act == reply::action::endless) {
      // Returns only when the client went away, a write timed out or the server stops: the
      // body never ends, so neither does the connection's use.
      co_await write_endless(stream, c, r, request.version());
      c.lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
      c.lowest().close();
    } else {
      // A truncated answer still announces keep-alive: the connection drops mid-body.
      const bool keep_alive = parser.keep_alive() && r.act == reply::action::send;
      auto wec = co_await write_reply(stream, c, r, parser.keep_alive(), request.version());
      if (!wec && r.page && r.act == reply::action::send && !r.malformed) {
        ++stats_.pages;
        stats_.events += r.page_events;
      }
      if (wec) {
        log_debug("source.write_failed", {{"remote", c.remote}, {"error", wec.message()}});
        co_return;
      }
      if (r.act == reply::action::truncate) {
        c.lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
        c.lowest().close();
      } else if (!keep_alive) {
        if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
          c.lowest().expires_after(tls_shutdown_timeout);
          co_await stream.async_shutdown(use_tuple);
        }
        c.lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
        c.lowest().close();
      }
    }
    if (options_.verbose) {
      auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
      log_info("source.request", {{"remote", c.remote},
                                  {"method", std::string_view(request.method_string())},
                                  {"target", std::string_view(request.target())},
                                  {"status", r.act == reply::action::reset ? 0u : r.status},
                                  {"page_request", r.page_request},
                                  {"events", r.page_events},
                                  {"bytes", r.page ? c.page.size() + r.spliced_bytes : r.error_text.size()},
                                  {"fault", r.fault},
                                  {"ms", ms}});
    }
    if (!c.lowest().socket().is_open()) co_return;
    if (c.page.capacity() > keep_page_capacity) c.page.shrink_to(keep_page_capacity);
  }
}

template <class Stream>
net::awaitable<error_code> source_server::write_reply(Stream& stream, connection& c, const reply& r,
                                                      bool keep_alive, unsigned version) {
  auto& pieces = c.pieces;
  pieces.clear();
  if (r.page) add_page_pieces(c.page.view(), r.splices, pieces);
  else if (!r.error_text.empty()) pieces.push_back({r.error_text, nullptr, r.error_text.size()});
  if (r.malformed) {
    cut_pieces(pieces, total_size(pieces) / 2); // inside an event, for any page with events
    pieces.push_back({malformed_tail, nullptr, malformed_tail.size()});
  }
  const std::uint64_t announced = total_size(pieces);
  if (r.act == reply::action::truncate) cut_pieces(pieces, announced / 2);
  const std::uint64_t body_size = total_size(pieces);

  auto& h = c.head;
  h.clear();
  h += "HTTP/1.1 ";
  h += std::to_string(r.status);
  h += ' ';
  h += reason(r.status);
  h += "\r\nServer: secexport-source\r\nContent-Type: ";
  h += r.content_type;
  h += "\r\nContent-Length: ";
  h += std::to_string(announced);
  h += "\r\n";
  if (r.retry_after) h += "Retry-After: " + std::to_string(*r.retry_after) + "\r\n";
  if (r.www_authenticate) h += "WWW-Authenticate: Bearer realm=\"secexport-source\"\r\n";
  if (r.page_request) h += "X-Page-Request: " + std::to_string(r.page_request) + "\r\n";
  if (!keep_alive) h += "Connection: close\r\n";
  else if (version == 10) h += "Connection: keep-alive\r\n";
  h += "\r\n";

  // The header and the first chunk of the body in one write, the rest in chunks, each with
  // its own deadline; splices are generated into `fill` as the chunks reach them. Not a
  // std::array of two buffers, and never an empty buffer: Asio's special case for arrays
  // hands the stream an empty first buffer once the header is out, which Beast's flat_stream
  // (inside ssl_stream) takes for a zero-byte write, and async_write then stops early.
  std::unique_ptr<char[]> fill;
  for (const auto& p : pieces)
    if (p.splice && !fill) fill = std::make_unique_for_overwrite<char[]>(fill_chunk);
  auto& buffers = c.buffers;
  std::size_t piece = 0;
  std::uint64_t within = 0; // of pieces[piece]
  for (bool head = true; head || piece < pieces.size(); head = false) {
    buffers.clear();
    std::size_t room = write_chunk, filled = 0, expected = 0;
    if (head) {
      buffers.push_back(net::buffer(h));
      expected = h.size();
    }
    while (room > 0 && piece < pieces.size()) {
      const auto& p = pieces[piece];
      auto n = static_cast<std::size_t>(std::min<std::uint64_t>(room, p.size - within));
      if (p.splice) {
        n = std::min(n, fill_chunk - filled);
        if (n == 0) break; // fill is full: the rest in the next write
        copy_splice(*p.splice, within, n, fill.get() + filled);
        buffers.push_back(net::buffer(fill.get() + filled, n));
        filled += n;
      } else {
        buffers.push_back(net::buffer(p.text.data() + within, n));
      }
      room -= n;
      expected += n;
      within += n;
      if (within == p.size) ++piece, within = 0;
    }
    c.lowest().expires_after(options_.io_timeout);
    auto [ec, n] = co_await net::async_write(stream, buffers, use_tuple);
    if (!ec && n != expected) ec = net::error::connection_aborted; // never silently short
    if (ec) co_return ec;
  }
  c.lowest().expires_never();
  stats_.bytes += body_size;
  co_return error_code{};
}

// The endless fault: a 200 whose body starts like a page and then trickles whitespace, one
// small chunk per interval, on the connection's timer (so other connections go on), until
// a write fails (the client went away) or cannot finish within --io-timeout-s, or the server
// stops (close() cancels the timer).
template <class Stream>
net::awaitable<void> source_server::write_endless(Stream& stream, connection& c, const reply& r,
                                                  unsigned version) {
  // HTTP/1.0 has no chunked encoding: there the body simply never ends (it would end at the close).
  const bool chunked = version != 10;
  auto chunk_size = [](std::size_t n) {
    char hex[20];
    auto len = std::snprintf(hex, sizeof hex, "%zx\r\n", n);
    return std::string(hex, static_cast<std::size_t>(len));
  };
  auto& h = c.head;
  h.clear();
  h += "HTTP/1.1 200 OK\r\nServer: secexport-source\r\nContent-Type: application/json\r\n";
  if (chunked) h += "Transfer-Encoding: chunked\r\n";
  h += "X-Page-Request: " + std::to_string(r.page_request) + "\r\nConnection: close\r\n\r\n";
  if (chunked) h += chunk_size(c.page.size());
  h.append(c.page.data(), c.page.size());
  if (chunked) h += "\r\n";
  std::string filler;
  if (chunked) filler = chunk_size(endless_filler.size());
  filler += endless_filler;
  if (chunked) filler += "\r\n";

  std::string_view next = h;
  std::uint64_t payload = c.page.size();
  for (;;) {
    c.lowest().expires_after(options_.io_timeout);
    auto [ec, n] = co_await net::async_write(stream, net::buffer(next), use_tuple);
    c.lowest().expires_never();
    if (ec) {
      log_debug("source.endless_ended", {{"remote", c.remote}, {"error", ec.message()}});
      co_return;
    }
    stats_.bytes += payload;
    next = filler;
    payload = endless_filler.size();
    c.timer.expires_after(r.endless_interval);
    auto [tec] = co_await c.timer.async_wait(use_tuple);
    if (tec) co_return; // the server is stopping
  }
}

net::awaitable<void> source_server::handle(const http::request<http::empty_body>& request, connection& c,
                                           reply& r) {
  auto target = route(request.target());
  if (target.which == endpoint::not_found) {
    r.error(404, "not_found",
            "no such endpoint (expected GET /v1/tenants/{tenant}/security_events?start=&end=[&limit=][&cursor=])");
    co_return;
  }
  if (request.method() != http::verb::get) {
    r.error(405, "method_not_allowed", "only GET is supported");
    co_return;
  }
  if (target.which == endpoint::stats) {
    r.error_text = stats_json();
    co_return;
  }

  auto authorization = request[http::field::authorization];
  if (authorization.empty()) {
    r.error(401, "unauthorized", "missing header 'Authorization: Bearer <token>'");
    r.www_authenticate = true;
    co_return;
  }
  if (!bearer_matches(authorization, options_.token)) {
    r.error(401, "unauthorized", "the bearer token in the Authorization header is not valid for this source");
    r.www_authenticate = true;
    co_return;
  }
  auto parsed = parse_events_query(target.query, options_.max_limit);
  if (auto* bad = std::get_if<bad_request>(&parsed)) {
    r.error(400, "bad_request", bad->message);
    co_return;
  }
  co_await handle_events(target, std::get<events_query>(parsed), c, r);
}

net::awaitable<void> source_server::handle_events(const routed_target& target, const events_query& query,
                                                  connection& c, reply& r) {
  if (!c.generator || c.generator->tenant() != target.tenant) c.generator = generators_.get(target.tenant);
  const auto& g = *c.generator;

  page_request page{query.start, query.end, std::nullopt, query.limit};
  if (query.cursor) {
    page.cursor = decode_cursor(g, query.start, query.end, *query.cursor);
    if (!page.cursor) {
      r.error(400, "bad_request",
              "parameter 'cursor' is not a cursor this source issued for this tenant, start and end");
      co_return;
    }
  }

  const auto d = faults_.next_request();
  r.page_request = d.request_number;
  const auto delay = options_.page_latency + d.extra_delay;
  if (delay.count() > 0) {
    c.timer.expires_after(delay);
    auto [ec] = co_await c.timer.async_wait(use_tuple);
    if (ec) { // shutting down
      r.act = reply::action::reset;
      co_return;
    }
  }
  if (d.extra_delay.count() > 0) r.fault = "slow";

  if (d.ending) {
    r.fault = to_string(*d.ending);
    switch (*d.ending) {
    case fault_kind::reset: r.act = reply::action::reset; break;
    case fault_kind::status_429:
      r.error(429, "too_many_requests", "injected fault 429 (page request " + std::to_string(d.request_number) + ")");
      r.retry_after = d.retry_after;
      break;
    case fault_kind::status_503:
      r.error(503, "service_unavailable", "injected fault 503 (page request " + std::to_string(d.request_number) + ")");
      r.retry_after = d.retry_after;
      break;
    case fault_kind::html:
      r.error_text = html_body;
      r.content_type = html_content_type;
      break;
    case fault_kind::endless: {
      event_writer writer(g);
      build_page_start(g, writer, page, c.page);
      r.page = true;
      r.act = reply::action::endless;
      r.endless_interval = d.endless_interval;
      break;
    }
    default:
      r.error(500, "internal_error", "injected fault 500 (page request " + std::to_string(d.request_number) + ")");
      break;
    }
    co_return;
  }

  content_faults cf{d.duplicate, d.outside, d.badevent, d.badutf8, d.request_number,
                    d.huge_bytes, d.deep_levels, d.bigstring_bytes, d.nul, d.cursorloop};
  event_writer writer(g);
  auto result = build_page(g, writer, page, cf, c.page);
  r.page = true;
  r.page_events = result.events;
  r.splices = std::move(result.splices);
  r.spliced_bytes = result.spliced_bytes;
  if (d.duplicate) r.fault = "duplicate";
  if (d.outside) r.fault = "outside";
  if (d.badevent) r.fault = "badevent";
  if (d.badutf8) r.fault = "badutf8";
  if (d.cursorloop) r.fault = "cursorloop";
  if (d.nul) r.fault = "nul";
  if (d.bigstring_bytes) r.fault = "bigstring";
  if (d.deep_levels) r.fault = "deep";
  if (d.huge_bytes) r.fault = "huge";
  if (d.malformed) {
    r.malformed = true;
    r.fault = "malformed";
  }
  if (d.truncate) {
    r.act = reply::action::truncate;
    r.fault = "truncate";
  }
}

std::string source_server::stats_json() const {
  auto u = [](std::uint64_t v) { return std::to_string(v); };
  std::string s = "{";
  s += "\"requests\":" + u(stats_.requests.load());
  s += ",\"page_requests\":" + u(faults_.page_requests());
  s += ",\"pages\":" + u(stats_.pages.load());
  s += ",\"events\":" + u(stats_.events.load());
  s += ",\"bytes\":" + u(stats_.bytes.load());
  s += ",\"connections\":" + u(stats_.connections.load());
  s += ",\"active_connections\":" + u(stats_.active_connections.load());
  s += ",\"responses\":{";
  bool first = true;
  for (std::size_t i = 0; i < counted_statuses.size(); ++i) {
    auto v = stats_.responses[i].load();
    if (v == 0) continue;
    if (!first) s += ',';
    first = false;
    s += '"';
    s += counted_statuses[i] == 0 ? std::string("reset") : u(counted_statuses[i]);
    s += "\":" + u(v);
  }
  s += "},\"faults\":[";
  std::uint64_t fired = 0;
  first = true;
  for (const auto& f : faults_.counts()) {
    if (!first) s += ',';
    first = false;
    s += "{\"spec\":\"";
    append_json_escaped(s, f.spec);
    s += "\",\"kind\":\"";
    s += to_string(f.kind);
    s += "\",\"fired\":" + u(f.fired) + "}";
    fired += f.fired;
  }
  s += "],\"faults_fired\":" + u(fired) + "}";
  return s;
}

} // namespace

void run_server(const server_options& options) {
  if (options.token.empty()) throw std::runtime_error("a bearer token is required (--token or SECEXPORT_SOURCE_TOKEN)");
  register_secret(options.token);
  source_server server(options);
  server.run();
}

} // namespace secexport::event_source

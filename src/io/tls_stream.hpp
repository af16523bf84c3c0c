// A TLS client stream on a TCP socket, with OpenSSL reading and writing the socket itself.
//
// Why not asio::ssl::stream: Asio puts a 17 KiB memory BIO pair between OpenSSL and the
// socket, so every byte is copied twice more on its way out, and every 16 KiB TLS record
// costs one trip through the event loop and one send(). Profiles of `upload` and `export`
// put those copies, trips and system calls among the largest costs after the cryptography
// itself. Here the socket is non-blocking and OpenSSL writes it through a 256 KiB write
// buffer: one async_write_some of 1 MiB runs SSL_write until the kernel's send buffer is
// full, 16 records per send(), and only then waits for writability (measured: 12-18% less
// CPU per uploaded GiB than Asio's stream, docs/PERFORMANCE.md).
//
// Contract:
// - An AsyncReadStream and AsyncWriteStream for Beast (`async_read_some`,
//   `async_write_some`, `get_executor`), plus `async_handshake`. Operations never complete
//   inside the call that starts them (a result available at once is posted).
// - One read and one write may be outstanding at a time, as with any Asio stream; not
//   thread-safe.
// - A deadline, like beast::tcp_stream's: `expires_after` arms it, and when it passes the
//   pending (or next) operation fails with beast::error::timeout. The connection is then
//   unusable.
// - Errors use Asio's codes: net::error::eof for a clean close_notify, ssl::error::
//   stream_truncated for a connection cut without one, OpenSSL errors in Asio's SSL
//   category (so "certificate verify failed" reads the same as before), socket errors in
//   the system category.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/system/error_code.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cstddef>
#include <memory>
#include <string>

typedef struct ssl_st SSL;

namespace secexport::io {

class tls_stream {
public:
  using executor_type = boost::asio::any_io_executor;
  using socket_type = boost::asio::ip::tcp::socket;

  tls_stream(executor_type executor, boost::asio::ssl::context& context);
  ~tls_stream();
  tls_stream(const tls_stream&) = delete;
  tls_stream& operator=(const tls_stream&) = delete;

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  socket_type& socket() noexcept { return socket_; }
  SSL* native_handle() noexcept { return ssl_; }

  /// After the socket is connected: hands it to OpenSSL, sets SNI (for names, not IP
  /// literals) and, when the context verifies peers, the name or address the server's
  /// certificate must carry.
  void prepare_client(const std::string& host, bool host_is_ip_literal);

  void expires_after(std::chrono::steady_clock::duration d);
  void expires_never();
  /// For operations on socket() itself (connect): operation_aborted because the deadline
  /// passed becomes beast::error::timeout.
  boost::system::error_code deadline_error(boost::system::error_code ec) const;

  template <class Token>
  auto async_handshake(Token&& token) {
    return async_step(
        [](tls_stream& s) { return s.step_handshake(); }, std::forward<Token>(token));
  }

  template <class MutableBufferSequence, class Token>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
    boost::asio::mutable_buffer b = first_nonempty(buffers);
    return async_step(
        [b](tls_stream& s) { return s.step_read(b.data(), b.size()); }, std::forward<Token>(token));
  }

  template <class ConstBufferSequence, class Token>
  auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
    boost::asio::const_buffer b = gather(buffers);
    return async_step(
        [b](tls_stream& s) { return s.step_write(b.data(), b.size()); }, std::forward<Token>(token));
  }

private:
  enum class wants { nothing, read, write };
  struct step_result {
    wants wait = wants::nothing; // not done: wait for the socket, then step again
    boost::system::error_code error;
    std::size_t bytes = 0;
  };
  struct deadline_state {
    bool passed = false;
    std::uint64_t generation = 0;
  };

  step_result step_handshake();
  step_result step_read(void* data, std::size_t size);
  step_result step_write(const void* data, std::size_t size);
  step_result finish(int ret, std::size_t bytes);

  template <class Buffers>
  static boost::asio::mutable_buffer first_nonempty(const Buffers& buffers) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::mutable_buffer b = *it;
      if (b.size() != 0) return b;
    }
    return {};
  }

  // Beast hands over an HTTP header as many small buffers: sent one by one, each would be
  // a TLS record of its own. Small leading buffers are gathered into one record (like
  // beast::flat_stream); a large first buffer (a body) is written from where it lies.
  template <class Buffers>
  boost::asio::const_buffer gather(const Buffers& buffers) {
    std::size_t n = 0;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::const_buffer b = *it;
      if (b.size() == 0) continue;
      if (n == 0 && b.size() >= gather_limit) return b;
      auto take = std::min(b.size(), gather_limit - n);
      std::memcpy(gathered_ + n, b.data(), take);
      n += take;
      if (n == gather_limit) break;
    }
    return {gathered_, n};
  }

  // One operation: step OpenSSL; when it wants the socket, wait for it and step again.
  template <class Step>
  struct step_op {
    tls_stream* s;
    Step step;
    bool waited = false;
    bool ready = false;
    boost::system::error_code error{};
    std::size_t bytes = 0;

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}) {
      if (ready) return self.complete(error, bytes);
      if (ec) return done(self, s->deadline_error(ec), 0);
      if (s->deadline_->passed) return done(self, boost::beast::error::timeout, 0);
      auto r = step(*s);
      if (r.wait == wants::nothing) return done(self, r.error, r.bytes);
      waited = true;
      s->socket_.async_wait(r.wait == wants::read ? socket_type::wait_read : socket_type::wait_write,
                            std::move(self));
    }

    template <class Self>
    void done(Self& self, boost::system::error_code ec, std::size_t n) {
      if (waited) return self.complete(ec, n);
      ready = true; // finished without waiting: complete from the event loop, not inline
      error = ec;
      bytes = n;
      boost::asio::post(s->get_executor(), std::move(self));
    }
  };

  template <class Step, class Token>
  auto async_step(Step step, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        step_op<Step>{this, std::move(step)}, token, socket_);
  }

  socket_type socket_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<deadline_state> deadline_;
  SSL* ssl_ = nullptr;
  bool flushing_ = false;
  std::size_t flushed_bytes_ = 0;
  static constexpr std::size_t gather_limit = 16 * 1024; // one TLS record
  char gathered_[gather_limit];
};

} // namespace secexport::io

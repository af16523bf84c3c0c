#include "io/tls_stream.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <new>
#include <stdexcept>

namespace secexport::io {

namespace net = boost::asio;
using boost::system::error_code;

namespace {

// Larger than one record (16 KiB plus overhead): the buffer BIO takes several records from
// the socket per recv() when a large body is arriving, and OpenSSL reads a header and then a
// record at a time out of it. (OpenSSL's own read-ahead also reads several records at once,
// but moves the unread rest of its buffer to the front before every record it takes: with a
// 64 KiB buffer, 1.5 copies of every byte received; measured with a 256 KiB buffer in the
// benchmark sink, 20% of its CPU against 8% for one copy through a buffer BIO.)
constexpr int read_buffer_bytes = 64 * 1024;
constexpr long write_buffer_bytes = 256 * 1024;

error_code openssl_error(unsigned long e) {
  return {static_cast<int>(e), net::error::get_ssl_category()};
}

// OpenSSL's own socket BIO write()s, which raises SIGPIPE when the peer has reset the
// connection and kills the process. This one is the same over send(MSG_NOSIGNAL) and recv().
struct socket_bio_state {
  int fd;
  bool at_eof = false;
};

int socket_bio_write(BIO* b, const char* data, int size) {
  auto* st = static_cast<socket_bio_state*>(BIO_get_data(b));
  BIO_clear_retry_flags(b);
  for (;;) {
    auto n = ::send(st->fd, data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
    if (n >= 0) return static_cast<int>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_write(b);
    return -1;
  }
}

int socket_bio_read(BIO* b, char* out, int size) {
  auto* st = static_cast<socket_bio_state*>(BIO_get_data(b));
  BIO_clear_retry_flags(b);
  for (;;) {
    auto n = ::recv(st->fd, out, static_cast<std::size_t>(size), 0);
    if (n > 0) return static_cast<int>(n);
    if (n == 0) {
      st->at_eof = true; // lets OpenSSL tell a cut connection from a closed one
      return 0;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_read(b);
    return -1;
  }
}

long socket_bio_ctrl(BIO* b, int cmd, long, void*) {
  switch (cmd) {
  case BIO_CTRL_FLUSH:
    return 1; // nothing is buffered here
  case BIO_CTRL_EOF:
    return static_cast<socket_bio_state*>(BIO_get_data(b))->at_eof ? 1 : 0;
  default:
    return 0;
  }
}

int socket_bio_destroy(BIO* b) {
  delete static_cast<socket_bio_state*>(BIO_get_data(b));
  BIO_set_data(b, nullptr);
  return 1;
}

const BIO_METHOD* socket_bio_method() {
  static const BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "secexport socket");
    if (!m || !BIO_meth_set_write(m, socket_bio_write) || !BIO_meth_set_read(m, socket_bio_read) ||
        !BIO_meth_set_ctrl(m, socket_bio_ctrl) || !BIO_meth_set_destroy(m, socket_bio_destroy))
      throw std::bad_alloc();
    return m;
  }();
  return method;
}

BIO* new_socket_bio(int fd) {
  BIO* b = BIO_new(socket_bio_method());
  if (!b) return nullptr;
  BIO_set_data(b, new socket_bio_state{fd});
  BIO_set_init(b, 1);
  return b;
}

} // namespace

tls_stream::tls_stream(executor_type executor, net::ssl::context& context)
    : socket_(executor), timer_(executor), deadline_(std::make_shared<deadline_state>()),
      ssl_(SSL_new(context.native_handle())) {
  if (!ssl_) throw std::bad_alloc();
}

tls_stream::~tls_stream() { SSL_free(ssl_); }

void tls_stream::prepare_client(const std::string& host, bool host_is_ip_literal) {
  socket_.non_blocking(true);
  BIO* sock = new_socket_bio(static_cast<int>(socket_.native_handle()));
  BIO* buffered = BIO_new(BIO_f_buffer());
  if (!sock || !buffered || BIO_set_write_buffer_size(buffered, write_buffer_bytes) != 1 ||
      BIO_set_read_buffer_size(buffered, read_buffer_bytes) != 1) {
    BIO_free(sock);
    BIO_free(buffered);
    throw std::runtime_error("cannot attach TLS to the socket");
  }
  BIO_push(buffered, sock);
  SSL_set_bio(ssl_, buffered, buffered); // one reference, for reading and writing
  SSL_set_connect_state(ssl_);
  if (!host_is_ip_literal) SSL_set_tlsext_host_name(ssl_, host.c_str());
  if (SSL_get_verify_mode(ssl_) & SSL_VERIFY_PEER) {
    int ok = host_is_ip_literal ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), host.c_str())
                                : SSL_set1_host(ssl_, host.c_str());
    if (ok != 1) throw std::runtime_error("cannot check the server's certificate against " + host);
  }
}

void tls_stream::expires_after(std::chrono::steady_clock::duration d) {
  deadline_->passed = false;
  const auto generation = ++deadline_->generation;
  timer_.expires_after(d);
  // The handler may run after this stream is gone (a timer that fired just before the
  // stream was destroyed): it reaches the stream only through the state it shares.
  timer_.async_wait([weak = std::weak_ptr<deadline_state>(deadline_), generation,
                     socket = &socket_](error_code ec) {
    if (ec) return;
    auto state = weak.lock();
    if (!state || state->generation != generation) return;
    state->passed = true;
    error_code ignored;
    socket->cancel(ignored); // the pending wait completes with operation_aborted
  });
}

void tls_stream::expires_never() {
  ++deadline_->generation;
  deadline_->passed = false;
  timer_.cancel();
}

error_code tls_stream::deadline_error(error_code ec) const {
  if (ec == net::error::operation_aborted && deadline_->passed) return boost::beast::error::timeout;
  return ec;
}

tls_stream::step_result tls_stream::finish(int ret, std::size_t bytes) {
  const int saved_errno = errno;
  switch (SSL_get_error(ssl_, ret)) {
  case SSL_ERROR_NONE:
    return {wants::nothing, {}, bytes};
  case SSL_ERROR_WANT_READ:
    return {wants::read, {}, 0};
  case SSL_ERROR_WANT_WRITE:
    return {wants::write, {}, 0};
  case SSL_ERROR_ZERO_RETURN: // the peer's close_notify
    return {wants::nothing, net::error::eof, 0};
  case SSL_ERROR_SYSCALL:
    if (auto e = ERR_get_error()) {
      ERR_clear_error();
      return {wants::nothing, openssl_error(e), 0};
    }
    if (saved_errno != 0) return {wants::nothing, error_code(saved_errno, boost::system::system_category()), 0};
    return {wants::nothing, net::ssl::error::stream_truncated, 0};
  default: {
    auto e = ERR_get_error();
    ERR_clear_error();
    if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
      return {wants::nothing, net::ssl::error::stream_truncated, 0};
    return {wants::nothing, e ? openssl_error(e) : net::ssl::error::unspecified_system_error, 0};
  }
  }
}

tls_stream::step_result tls_stream::step_handshake() {
  ERR_clear_error();
  errno = 0;
  return finish(SSL_do_handshake(ssl_), 0);
}

tls_stream::step_result tls_stream::step_read(void* data, std::size_t size) {
  if (size == 0) return {};
  ERR_clear_error();
  errno = 0;
  std::size_t n = 0;
  const int ret = SSL_read_ex(ssl_, data, size, &n); // before `n` is read
  return finish(ret, n);
}

tls_stream::step_result tls_stream::step_write(const void* data, std::size_t size) {
  if (size == 0) return {};
  // Without SSL_MODE_ENABLE_PARTIAL_WRITE, SSL_write_ex returns only once all of `data` is
  // in the write buffer or the socket; after WANT_WRITE it is called again with the same
  // arguments and carries on where it stopped. Then the buffer's tail is flushed, which
  // may also have to wait: the write completes only when every byte is in the socket.
  if (!flushing_) {
    ERR_clear_error();
    errno = 0;
    std::size_t n = 0;
    const int ret = SSL_write_ex(ssl_, data, size, &n); // before `n` is read
    auto r = finish(ret, n);
    if (r.wait != wants::nothing || r.error) return r;
    flushing_ = true;
    flushed_bytes_ = n;
  }
  errno = 0;
  if (BIO_flush(SSL_get_wbio(ssl_)) <= 0) {
    if (BIO_should_retry(SSL_get_wbio(ssl_))) return {wants::write, {}, 0};
    flushing_ = false;
    return {wants::nothing, error_code(errno ? errno : EIO, boost::system::system_category()), 0};
  }
  flushing_ = false;
  return {wants::nothing, {}, flushed_bytes_};
}

} // namespace secexport::io

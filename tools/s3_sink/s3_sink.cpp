// secexport-sink: a discarding S3 endpoint for benchmarks. Used by bench/e2e.py; see docs/PERFORMANCE.md.
//
// It answers PutObject, CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
// AbortMultipartUpload, HeadObject (the size of the object last uploaded), GetBucketLocation
// and ListObjectsV2 like S3, over TLS, reads and throws away every body, and appends one line
// per request to an access log: "OP REQUEST_BYTES STATUS OBJECT_BYTES" (the object bytes in
// the body: for aws-chunked bodies, x-amz-decoded-content-length). It checks no signature
// and stores nothing. Like Amazon S3 after verifying them, it echoes the
// x-amz-checksum-crc32c a client sends with a part or an object, and answers a Content-MD5
// with that MD5 as the ETag, and a multipart object whose parts all came with Content-MD5 with
// S3's multipart ETag (it verifies neither: it never looks at the bytes); secexport
// takes the echo as the store's confirmation (src/s3/integrity.hpp). GETs of objects are 404.
//
// Why not nginx (the sink until 2026-11-25): nginx discards a request body 4 KiB at a time and
// reads each TLS record with two system calls; on this 2-core machine it spent 0.6-0.7 CPU
// seconds per GiB received, a third of the machine at 1 GB/s, taken from whichever client was
// being measured. This sink reads TLS through a 256 KiB buffer BIO (one read(2) for many
// records), is woken only per 128 KiB of body (SO_RCVLOWAT) and blocks one thread per
// connection: about 0.5 CPU s/GiB, most of it AES-GCM and the kernel's copy.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace {

constexpr std::size_t buffer_size = 256 * 1024;
constexpr std::size_t max_header_bytes = 64 * 1024;
// Every object gets this ETag; HEAD and Complete give its multipart form ("-1"), which unlike
// a plain one no client takes for an MD5 to compare.
const std::string etag = "\"9b2cf535f27731c974343645a3985328\"";
const std::string multipart_etag = "\"9b2cf535f27731c974343645a3985328-1\"";

// What HEAD answers, per key: the last PutObject's size, or the sum of the parts since the
// last CreateMultipartUpload once it completed. Benchmarks run one upload of a key at a time.
// A part is counted before it is answered, so a client's HEAD after Complete always sees all
// of it.
struct object_state {
  bool multipart = false;
  bool finished = false;
  std::uint64_t parts = 0;
  std::uint64_t size = 0;
  std::map<std::uint64_t, std::string> part_md5s; // binary Content-MD5 by part number, for the ETag
  bool every_part_md5 = true;
};

struct sink_state {
  std::mutex mutex;
  std::map<std::string, object_state> objects; // by request path (path style: /bucket/key)
  FILE* log = nullptr;
} state;

void log_request(std::string_view op, std::uint64_t request_bytes, int status, std::uint64_t body) {
  std::lock_guard lock(state.mutex);
  if (!state.log) return;
  std::fprintf(state.log, "%.*s %llu %d %llu\n", static_cast<int>(op.size()), op.data(),
               static_cast<unsigned long long>(request_bytes), status, static_cast<unsigned long long>(body));
  std::fflush(state.log);
}

std::string binary_md5(const std::string& content_md5_base64) {
  unsigned char raw[96];
  int n = EVP_DecodeBlock(raw, reinterpret_cast<const unsigned char*>(content_md5_base64.data()),
                          static_cast<int>(std::min<std::size_t>(content_md5_base64.size(), 88)));
  return std::string(reinterpret_cast<const char*>(raw), static_cast<std::size_t>(std::clamp(n, 0, 16)));
}

std::string quoted_hex(std::string_view bytes, std::string_view suffix = {}) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : bytes) {
    out.push_back(hex[c >> 4]);
    out.push_back(hex[c & 15]);
  }
  return out.append(suffix) + "\"";
}

// The ETag S3 gives an object whose Content-MD5 it verified: the MD5 in hex.
std::string md5_etag(const std::string& content_md5_base64) { return quoted_hex(binary_md5(content_md5_base64)); }

// The ETag S3 gives a multipart object: the MD5 of the parts' MD5s, then "-N". Without
// every part's Content-MD5 the sink cannot know it and answers the placeholder.
std::string completed_etag(const object_state& o) {
  if (!o.every_part_md5 || o.part_md5s.empty()) return multipart_etag;
  std::string all;
  for (const auto& [number, md5] : o.part_md5s) all += md5;
  unsigned char digest[16];
  unsigned int n = 0;
  EVP_Digest(all.data(), all.size(), digest, &n, EVP_md5(), nullptr);
  return quoted_hex({reinterpret_cast<const char*>(digest), n}, "-" + std::to_string(o.part_md5s.size()));
}

std::uint64_t part_number(std::string_view query) {
  auto at = query.find("partNumber=");
  return at == std::string_view::npos ? 0 : std::strtoull(std::string(query.substr(at + 11)).c_str(), nullptr, 10);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The same classification as an S3 front end would make from the method, the path (a key
// after the bucket, path style) and the query string.
std::string_view classify(std::string_view method, std::string_view path, std::string_view query) {
  auto has = [&](std::string_view s) { return query.find(s) != std::string_view::npos; };
  const bool object = path.find('/', 1) != std::string_view::npos && path.find('/', 1) + 1 < path.size();
  if (method == "POST" && query.starts_with("uploads")) return "create";
  if (method == "PUT" && has("partNumber=")) return "part";
  if (method == "POST" && has("uploadId=")) return "complete";
  if (method == "DELETE" && has("uploadId=")) return "abort";
  if (method == "PUT" && query.empty()) return "put";
  if (method == "HEAD") return "head";
  if (method == "GET" && has("location")) return "location";
  if (method == "GET" && has("uploads")) return "list_uploads";
  if (method == "GET" && object) return "get";
  if (method == "GET") return "list";
  if (method == "DELETE") return "delete";
  return "other";
}

class connection {
 public:
  connection(SSL* ssl, int fd) : ssl_(ssl), fd_(fd), buffer_(new char[buffer_size]), buf_(buffer_.get()) {}
  ~connection() { SSL_free(ssl_); }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  void serve() {
    if (SSL_accept(ssl_) != 1) return;
    while (one_request()) {
    }
    SSL_shutdown(ssl_);
  }

 private:
  // Fills the buffer from TLS; false at end of stream or on an error.
  bool fill() {
    if (end_ == buffer_size) {
      std::memmove(buf_, buf_ + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    std::size_t n = 0;
    if (SSL_read_ex(ssl_, buf_ + end_, buffer_size - end_, &n) != 1) return false;
    end_ += n;
    received_ += n;
    return true;
  }

  // The next line (without CRLF), reading more as needed.
  std::optional<std::string> line() {
    for (;;) {
      std::string_view have(buf_ + begin_, end_ - begin_);
      if (auto eol = have.find("\r\n"); eol != std::string_view::npos) {
        std::string out(have.substr(0, eol));
        begin_ += eol + 2;
        return out;
      }
      if (end_ - begin_ > max_header_bytes || !fill()) return std::nullopt;
    }
  }

  // Discards n body bytes.
  bool skip(std::uint64_t n) {
    while (n > 0) {
      if (begin_ == end_) {
        begin_ = end_ = 0;
        low_water(n);
        if (!fill()) return false;
      }
      auto take = std::min<std::uint64_t>(n, end_ - begin_);
      begin_ += take;
      n -= take;
    }
    return true;
  }

  // Wake up for a read only once this many bytes have arrived, while the body's remainder
  // is certain to bring them: a wake-up (and a context switch) per 128 KiB, not per segment.
  // The buffer BIO may already hold up to buffer_size bytes of ciphertext, hence the margin.
  void low_water(std::uint64_t remaining) {
    const int want = remaining > 2 * buffer_size ? 128 * 1024 : 1;
    if (want != lowat_ && ::setsockopt(fd_, SOL_SOCKET, SO_RCVLOWAT, &want, sizeof want) == 0) lowat_ = want;
  }

  bool write_all(std::string_view s) {
    std::size_t n = 0;
    return s.empty() || SSL_write_ex(ssl_, s.data(), s.size(), &n) == 1;
  }

  bool one_request() {
    low_water(0);
    const std::uint64_t received_before = received_ - (end_ - begin_);
    auto request_line = line();
    if (!request_line || request_line->empty()) return false;
    auto sp1 = request_line->find(' ');
    auto sp2 = request_line->rfind(' ');
    if (sp1 == std::string::npos || sp2 <= sp1) return false;
    std::string method = request_line->substr(0, sp1);
    std::string target = request_line->substr(sp1 + 1, sp2 - sp1 - 1);
    auto q = target.find('?');
    std::string query = q == std::string::npos ? "" : target.substr(q + 1);

    std::optional<std::uint64_t> content_length, decoded_length;
    bool chunked = false, expect_continue = false, close = false;
    std::string crc32c, content_md5;
    for (;;) {
      auto h = line();
      if (!h) return false;
      if (h->empty()) break;
      auto colon = h->find(':');
      if (colon == std::string::npos) continue;
      auto name = lower(std::string_view(*h).substr(0, colon));
      auto value = std::string_view(*h).substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (name == "content-length") content_length = std::strtoull(std::string(value).c_str(), nullptr, 10);
      else if (name == "x-amz-decoded-content-length") decoded_length = std::strtoull(std::string(value).c_str(), nullptr, 10);
      else if (name == "transfer-encoding") chunked = lower(value).find("chunked") != std::string::npos;
      else if (name == "expect") expect_continue = lower(value) == "100-continue";
      else if (name == "connection") close = lower(value) == "close";
      else if (name == "x-amz-checksum-crc32c") crc32c = std::string(value);
      else if (name == "content-md5") content_md5 = std::string(value);
    }
    if (expect_continue && !write_all("HTTP/1.1 100 Continue\r\n\r\n")) return false;

    std::uint64_t body = 0;
    if (chunked) {
      for (;;) {
        auto size_line = line();
        if (!size_line) return false;
        auto n = std::strtoull(size_line->c_str(), nullptr, 16);
        if (n == 0) {
          for (;;) {  // trailers, then the empty line
            auto t = line();
            if (!t) return false;
            if (t->empty()) break;
          }
          break;
        }
        if (!skip(n) || !line()) return false;
        body += n;
      }
    } else if (content_length) {
      if (!skip(*content_length)) return false;
      body = *content_length;
    }
    const std::uint64_t request_bytes = received_ - (end_ - begin_) - received_before;
    // aws-chunked bodies (the AWS CLI's, with a trailing checksum) frame the object's bytes
    if (decoded_length) body = *decoded_length;

    const std::string path = target.substr(0, q);
    auto op = classify(method, path, query);
    int status = 200;
    std::string payload;
    std::string extra = "ETag: " + (content_md5.empty() ? etag : md5_etag(content_md5)) + "\r\n";
    if (!crc32c.empty() && (op == "part" || op == "put")) extra += "x-amz-checksum-crc32c: " + crc32c + "\r\n";
    {
      std::lock_guard lock(state.mutex);
      auto& o = state.objects[path];
      if (op == "create") {
        o = object_state{};
        o.multipart = true;
      } else if (op == "part") {
        o.parts += body;
        if (content_md5.empty()) o.every_part_md5 = false;
        else o.part_md5s[part_number(query)] = binary_md5(content_md5);
      } else if (op == "complete") {
        o.finished = true;
      } else if (op == "put") {
        o.multipart = false, o.finished = true, o.size = body;
      } else if (op == "head") {
        extra = "ETag: " + (o.multipart ? completed_etag(o) : multipart_etag) + "\r\n";
        if (!o.finished) status = 404;
        auto size = o.multipart ? o.parts : o.size;
        extra += "Content-Length: " + std::to_string(status == 200 ? size : 0) + "\r\n";
      }
    }
    if (op == "create") {
      payload = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><InitiateMultipartUploadResult><Bucket>b</Bucket>"
                "<Key>k</Key><UploadId>sink-upload-id</UploadId></InitiateMultipartUploadResult>";
    } else if (op == "complete") {
      std::string completed;
      {
        std::lock_guard lock(state.mutex);
        completed = completed_etag(state.objects[path]);
      }
      payload = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CompleteMultipartUploadResult><Location>sink</Location>"
                "<Bucket>b</Bucket><Key>k</Key><ETag>" +
                completed + "</ETag></CompleteMultipartUploadResult>";
    } else if (op == "abort" || op == "delete") {
      status = 204;
    } else if (op == "get") {
      status = 404;
      payload = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code>"
                "<Message>The sink stores nothing</Message></Error>";
    } else if (op == "list_uploads") {
      payload = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListMultipartUploadsResult><Bucket>b</Bucket>"
                "<IsTruncated>false</IsTruncated></ListMultipartUploadsResult>";
    } else if (op == "location") {
      payload = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><LocationConstraint/>";
    } else if (op == "list") {
      payload = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>b</Name><Prefix></Prefix>"
                "<KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>";
    }
    std::string response = "HTTP/1.1 " + std::to_string(status) +
                           (status == 200 ? " OK" : status == 204 ? " No Content" : " Not Found") +
                           "\r\nServer: secexport-sink\r\nx-amz-request-id: sink\r\nContent-Type: application/xml\r\n" + extra;
    if (op != "head" && status != 204) response += "Content-Length: " + std::to_string(payload.size()) + "\r\n";
    if (close) response += "Connection: close\r\n";
    response += "\r\n";
    if (method != "HEAD") response += payload;
    log_request(op, request_bytes, status, body);
    return write_all(response) && !close;
  }

  SSL* ssl_;
  int fd_;
  int lowat_ = 1;
  std::unique_ptr<char[]> buffer_;
  char* buf_;
  std::size_t begin_ = 0, end_ = 0;
  std::uint64_t received_ = 0;  // request bytes (decrypted) read so far
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "secexport-sink: %s\n", what.c_str());
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  std::string cert, key, log;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value for " + std::string(a));
      return argv[++i];
    };
    if (a == "--port") port = std::atoi(value().c_str());
    else if (a == "--cert") cert = value();
    else if (a == "--key") key = value();
    else if (a == "--log") log = value();
    else if (a == "--help" || a == "-h") {
      std::puts("usage: secexport-sink --cert PEM --key PEM [--port N] [--log FILE]\n\n"
                "A discarding S3 endpoint over TLS for benchmarks: prints the port it listens on\n"
                "(127.0.0.1; --port 0 picks a free one), then serves until killed. --log appends\n"
                "\"OP REQUEST_BYTES STATUS OBJECT_BYTES\" for every request.");
      return 0;
    } else {
      die("unknown argument " + std::string(a) + " (see --help)");
    }
  }
  if (cert.empty() || key.empty()) die("--cert and --key are required (see --help)");
  ::signal(SIGPIPE, SIG_IGN);

  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1)
    die("cannot load " + cert + " / " + key);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx, 0);

  if (!log.empty() && !(state.log = std::fopen(log.c_str(), "a"))) die("cannot open " + log + ": " + std::strerror(errno));

  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener, 128) != 0)
    die("cannot listen on 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno));
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::printf("%d\n", ntohs(addr.sin_port));
  std::fflush(stdout);

  for (;;) {
    int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE) continue;
      die(std::string("accept: ") + std::strerror(errno));
    }
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    SSL* ssl = SSL_new(ctx);
    // TLS reads through a 256 KiB buffer BIO: one read(2) takes in many records, which
    // OpenSSL then takes a header and a record at a time. (OpenSSL's own read-ahead does the
    // same but moves the unread rest of its buffer to the front before every record.)
    BIO* socket_bio = BIO_new_socket(fd, BIO_NOCLOSE);
    BIO* buffered = BIO_new(BIO_f_buffer());
    BIO_set_read_buffer_size(buffered, buffer_size);
    BIO_push(buffered, socket_bio);
    SSL_set_bio(ssl, buffered, socket_bio);
    BIO_up_ref(socket_bio);
    std::thread([ssl, fd] {
      {
        connection c(ssl, fd);
        c.serve();
      }
      ::close(fd);
    }).detach();
  }
}

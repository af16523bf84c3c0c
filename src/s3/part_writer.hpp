// The producer's side of an upload: bytes are written straight into pooled part buffers and
// hashed as they arrive (SHA-256 for signed payloads, CRC32C for checksums, and optionally
// a SHA-256 of the whole object), while they are still in cache.
//
// A full part is handed to the sink only when the first byte of the next part is written,
// or at `finish()` as the last part; so the sink knows whether a stream fits in one
// PutObject. Part sizes follow the part_size_policy. Blocking: `window()` waits for a
// buffer when the pool's budget is in use (the uploads are slower than the producer).
//
// Used from one producer thread; the sink must be thread-safe.
#pragma once

#include "base/crypto.hpp"
#include "base/error.hpp"
#include "s3/part_buffer_pool.hpp"
#include "s3/part_size_policy.hpp"

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace secexport::s3 {

struct part {
  std::uint32_t number = 0; // 1-based
  part_buffer buffer;       // empty buffer: an empty object
  std::string sha256_hex;   // when hashing.sha256
  std::optional<std::uint32_t> crc32c;
  std::optional<md5_digest> md5; // when the upload verifies parts by MD5
};

class part_sink {
public:
  virtual ~part_sink() = default;
  /// `last`: the input ends with this part (one event, so the uploader never mistakes a
  /// single-part stream for the start of a multipart upload).
  virtual void submit(part p, bool last) = 0;
  /// The producer failed (read error, bad input): the upload must not complete.
  virtual void fail_input(error reason) = 0;
  /// Whether parts started from now on should carry their MD5 (the store turned out not to
  /// confirm checksums). Any thread.
  [[nodiscard]] virtual bool wants_md5() const noexcept { return false; }
};

struct part_hashing {
  bool sha256 = false; // per part, for signed payloads
  bool crc32c = false; // per part, for x-amz-checksum-crc32c
  bool md5 = false;    // per part, for Content-MD5 and the ETag check (also when the sink asks)
};

/// Copies `bytes` into `out` window by window (`out` offers window(limit) and commit(n), as
/// part_writer does). False when `out` gives no window any more (the upload failed).
template <class Out> bool write_through_windows(Out& out, std::string_view bytes) {
  while (!bytes.empty()) {
    auto w = out.window(bytes.size());
    if (w.empty()) return false;
    std::memcpy(w.data(), bytes.data(), w.size());
    out.commit(w.size());
    bytes.remove_prefix(w.size());
  }
  return true;
}

class part_writer {
public:
  part_writer(part_buffer_pool& pool, const part_size_policy& policy, part_sink& sink,
              part_hashing hashing, sha256* object_hash = nullptr);
  ~part_writer();

  /// Writable room in the current part (at least one byte, at most `limit`); empty when the
  /// upload has failed and the pool was closed.
  [[nodiscard]] std::span<char> window(std::size_t limit = SIZE_MAX);
  /// `n` bytes were written at the start of the last window.
  void commit(std::size_t n);
  /// Copies `bytes` in, across part boundaries. False when the upload has failed.
  bool write(std::string_view bytes);
  /// Hands over the last part and ends the input. False when the upload has failed.
  bool finish();

  [[nodiscard]] std::uint64_t bytes() const noexcept { return bytes_; }
  [[nodiscard]] std::uint32_t parts() const noexcept { return number_; }

private:
  void hash_through(std::size_t end);
  part seal();

  part_buffer_pool& pool_;
  const part_size_policy& policy_;
  part_sink& sink_;
  part_hashing hashing_;
  sha256* object_hash_;
  sha256 part_sha_;
  md5 part_md5_;
  bool md5_this_part_ = false;
  std::uint32_t crc_ = 0;

  part_buffer current_;
  std::size_t target_ = 0;  // size the current part is filled to
  std::size_t hashed_ = 0;  // bytes of the current part already hashed
  std::uint32_t number_ = 0;
  std::optional<part> pending_; // full, not yet handed over
  std::uint64_t bytes_ = 0;
  bool finished_ = false;
};

} // namespace secexport::s3

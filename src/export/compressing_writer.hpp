// A streaming gzip or zstd compressor in front of the upload's part writer: the producer
// encodes CSV rows into the compressor's input buffer exactly as it encodes them into a part
// buffer (window / commit / write), and each time that buffer fills it is compressed straight
// into the pooled part buffers (the codec's output goes into part_writer's window; zlib and
// zstd keep what does not fit and emit it into the next part). So the only extra memory is
// the input buffer and the codec's own state, allocated once at the start: nothing is
// allocated per row or per buffer. The part writer hashes the *compressed* bytes (per part
// CRC32C, the object's SHA-256), which is what the store holds and the manifest describes.
//
// The output is deterministic (gzip header without a name or a time; zstd without the content
// size, which is unknown up front), so a rerun of the same day writes identical bytes. zstd
// frames carry their XXH64 content checksum, gzip its CRC-32: `zstd -t` and `gzip -t` verify
// a downloaded report by themselves.
//
// Used from the producer thread only.
#pragma once

#include "export/compression.hpp"
#include "s3/part_writer.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace secexport::exporter {

/// The compressor's input buffer: rows are encoded into it and compressed a buffer at a time
/// (two of zstd's 128 KiB blocks; zlib takes any size).
inline constexpr std::size_t compressor_input_buffer = 256 * 1024;

/// Bytes a compressor of the resolved `c` holds at most while it runs: its input buffer plus
/// what the codec allocates (zlib at any level: 256 KiB of window and hash tables and a few
/// KiB of state; zstd: ZSTD_estimateCStreamSize, about 1.3 MiB at level 1 and 3 MiB at level
/// 3). They come out of --max-memory before the part buffers get theirs. 0 for codec::none.
[[nodiscard]] std::uint64_t compressor_memory(compression c, std::size_t input_buffer = compressor_input_buffer) noexcept;

class compressing_writer {
public:
  /// `c` must be resolved and not codec::none. Throws a failure (exporter::errc::failed) when
  /// the codec cannot start.
  compressing_writer(s3::part_writer& out, compression c, std::size_t input_buffer = compressor_input_buffer);
  ~compressing_writer();
  compressing_writer(const compressing_writer&) = delete;
  compressing_writer& operator=(const compressing_writer&) = delete;

  /// Room in the input buffer, at most `limit` bytes; the buffer is compressed first when it
  /// has less than `limit` left (so a row is never split unless it is larger than the whole
  /// buffer). Empty when the upload has failed.
  [[nodiscard]] std::span<char> window(std::size_t limit = SIZE_MAX);
  /// `n` bytes were written at the start of the last window.
  void commit(std::size_t n) noexcept {
    used_ += n;
    bytes_ += n;
  }
  /// Copies `bytes` in, compressing as the buffer fills. False when the upload has failed.
  bool write(std::string_view bytes);
  /// Compresses what is left, ends the stream, then finishes the part writer. False when the
  /// upload has failed.
  bool finish();

  /// CSV bytes taken in.
  [[nodiscard]] std::uint64_t bytes() const noexcept { return bytes_; }
  /// Bytes held now, and the most held at once: the input buffer plus what the codec
  /// allocated (counted by the allocator it was given).
  [[nodiscard]] std::uint64_t memory() const noexcept;
  [[nodiscard]] std::uint64_t peak_memory() const noexcept;

  class engine;

private:
  bool drain(bool end);

  s3::part_writer& out_;
  std::unique_ptr<engine> engine_;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_;
  std::size_t used_ = 0;
  std::uint64_t bytes_ = 0;
  bool failed_ = false;
};

} // namespace secexport::exporter

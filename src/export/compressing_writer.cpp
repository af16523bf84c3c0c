#include "export/compressing_writer.hpp"

#include "export/error.hpp"

#define ZSTD_STATIC_LINKING_ONLY // ZSTD_createCCtx_advanced (our allocator) and ZSTD_estimateCStreamSize
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <new>
#include <string>

namespace secexport::exporter {

namespace {

// zlib at windowBits 15 and memLevel 8 (deflateInit2 below): a 64 KiB window, 64 KiB of
// hash chains, a 64 KiB hash head and a 64 KiB pending buffer (zlib's own formula is
// (1 << (windowBits + 2)) + (1 << (memLevel + 9))), plus deflate_state (under 6 KiB).
constexpr std::uint64_t zlib_memory = (1u << 17) + (1u << 17) + 8 * 1024;
constexpr int zlib_window_bits = 15 + 16; // + 16: a gzip header and trailer, not zlib's
constexpr int zlib_mem_level = 8;
// zlib's avail_in/avail_out are 32-bit.
constexpr std::size_t zlib_max_window = std::size_t{1} << 30;

// Every allocation of a codec goes through here, so what it holds is counted, not guessed.
struct counting_allocator {
  struct header {
    std::size_t size;
    std::size_t pad; // keeps the block 16-byte aligned
  };
  std::uint64_t held = 0, peak = 0;

  void* allocate(std::size_t n) {
    auto* h = static_cast<header*>(std::malloc(sizeof(header) + n));
    if (!h) return nullptr;
    h->size = n;
    held += n;
    peak = std::max(peak, held);
    return h + 1;
  }
  void release(void* p) noexcept {
    if (!p) return;
    auto* h = static_cast<header*>(p) - 1;
    held -= h->size;
    std::free(h);
  }
};

} // namespace

class compressing_writer::engine {
public:
  virtual ~engine() = default;
  /// Compresses `n` bytes at `data` into `out` (all of them); with `end`, also ends the
  /// stream. False when the part writer has no room any more (the upload failed).
  virtual bool run(const char* data, std::size_t n, s3::part_writer& out, bool end) = 0;

  counting_allocator memory;
};

namespace {

class gzip_engine final : public compressing_writer::engine {
public:
  explicit gzip_engine(int level) {
    stream_.zalloc = [](voidpf opaque, uInt items, uInt size) -> voidpf {
      return static_cast<counting_allocator*>(opaque)->allocate(std::size_t{items} * size);
    };
    stream_.zfree = [](voidpf opaque, voidpf p) { static_cast<counting_allocator*>(opaque)->release(p); };
    stream_.opaque = &memory;
    const int rc = deflateInit2(&stream_, level, Z_DEFLATED, zlib_window_bits, zlib_mem_level, Z_DEFAULT_STRATEGY);
    if (rc != Z_OK)
      throw failure(errc::failed, "cannot start the gzip compressor (zlib " + std::string(zlibVersion()) +
                                      ", error " + std::to_string(rc) + ")");
  }
  ~gzip_engine() override { deflateEnd(&stream_); }

  bool run(const char* data, std::size_t n, s3::part_writer& out, bool end) override {
    // zlib's counters are 32-bit: a larger input goes in slices (the input buffer never is).
    while (n > zlib_max_window) {
      if (!run(data, zlib_max_window, out, false)) return false;
      data += zlib_max_window;
      n -= zlib_max_window;
    }
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
    stream_.avail_in = static_cast<uInt>(n);
    for (;;) {
      auto w = out.window(zlib_max_window);
      if (w.empty()) return false;
      stream_.next_out = reinterpret_cast<Bytef*>(w.data());
      stream_.avail_out = static_cast<uInt>(w.size());
      const int rc = deflate(&stream_, end ? Z_FINISH : Z_NO_FLUSH);
      out.commit(w.size() - stream_.avail_out);
      if (rc == Z_STREAM_END) return true;
      if (rc != Z_OK && rc != Z_BUF_ERROR)
        throw failure(errc::failed, "the gzip compressor failed (zlib error " + std::to_string(rc) + ")");
      // Without `end`, done once the input is in and zlib left room: nothing more is pending.
      if (!end && stream_.avail_in == 0 && stream_.avail_out != 0) return true;
    }
  }

private:
  z_stream stream_{};
};

class zstd_engine final : public compressing_writer::engine {
public:
  explicit zstd_engine(int level) {
    ZSTD_customMem mem{[](void* opaque, std::size_t n) { return static_cast<counting_allocator*>(opaque)->allocate(n); },
                       [](void* opaque, void* p) { static_cast<counting_allocator*>(opaque)->release(p); }, &memory};
    cctx_ = ZSTD_createCCtx_advanced(mem);
    if (!cctx_) throw failure(errc::failed, "cannot start the zstd compressor: out of memory");
    set(ZSTD_c_compressionLevel, level);
    set(ZSTD_c_checksumFlag, 1); // XXH64 of the content: `zstd -t` verifies a download by itself
  }
  ~zstd_engine() override { ZSTD_freeCCtx(cctx_); }

  bool run(const char* data, std::size_t n, s3::part_writer& out, bool end) override {
    ZSTD_inBuffer in{data, n, 0};
    const auto mode = end ? ZSTD_e_end : ZSTD_e_continue;
    for (;;) {
      auto w = out.window();
      if (w.empty()) return false;
      ZSTD_outBuffer o{w.data(), w.size(), 0};
      const std::size_t left = ZSTD_compressStream2(cctx_, &o, &in, mode);
      out.commit(o.pos);
      if (ZSTD_isError(left))
        throw failure(errc::failed, std::string("the zstd compressor failed: ") + ZSTD_getErrorName(left));
      // ZSTD_e_continue takes the input in whole and may keep output for later; ZSTD_e_end
      // returns 0 once the frame is complete.
      if (end ? left == 0 : in.pos == in.size) return true;
    }
  }

private:
  void set(ZSTD_cParameter p, int value) {
    const std::size_t rc = ZSTD_CCtx_setParameter(cctx_, p, value);
    if (ZSTD_isError(rc)) throw failure(errc::failed, std::string("cannot set up the zstd compressor: ") + ZSTD_getErrorName(rc));
  }

  ZSTD_CCtx* cctx_ = nullptr;
};

} // namespace

std::uint64_t compressor_memory(compression c, std::size_t input_buffer) noexcept {
  switch (c.codec) {
  case codec::gzip: return input_buffer + zlib_memory;
  case codec::zstd: return input_buffer + ZSTD_estimateCStreamSize(c.level);
  case codec::none: break;
  }
  return 0;
}

compressing_writer::compressing_writer(s3::part_writer& out, compression c, std::size_t input_buffer)
    : out_(out), buffer_(std::make_unique_for_overwrite<char[]>(input_buffer)), capacity_(input_buffer) {
  if (c.codec == codec::gzip) engine_ = std::make_unique<gzip_engine>(c.level);
  else if (c.codec == codec::zstd) engine_ = std::make_unique<zstd_engine>(c.level);
  else throw failure(errc::failed, "compressing_writer needs a codec");
}

compressing_writer::~compressing_writer() = default;

bool compressing_writer::drain(bool end) {
  const bool ok = engine_->run(buffer_.get(), used_, out_, end);
  used_ = 0;
  failed_ = !ok;
  return ok;
}

std::span<char> compressing_writer::window(std::size_t limit) {
  if (failed_) return {};
  if (capacity_ - used_ < limit && used_ > 0 && !drain(false)) return {};
  return {buffer_.get() + used_, std::min(capacity_ - used_, limit)};
}

bool compressing_writer::write(std::string_view bytes) { return s3::write_through_windows(*this, bytes); }

bool compressing_writer::finish() {
  if (failed_ || !drain(true)) return false;
  return out_.finish();
}

std::uint64_t compressing_writer::memory() const noexcept { return capacity_ + engine_->memory.held; }

std::uint64_t compressing_writer::peak_memory() const noexcept { return capacity_ + engine_->memory.peak; }

} // namespace secexport::exporter

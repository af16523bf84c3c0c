// Part buffers under a byte budget.
//
// A part's bytes live in one `part_buffer` from the moment they are produced until S3 has
// acknowledged the part (a retry resends the same bytes). The pool hands out buffers of at
// least the requested capacity while the total capacity it has allocated stays within the
// budget: it reuses a free buffer that is large enough, allocates while the budget allows,
// frees smaller idle buffers to make room when parts grow, and otherwise blocks the caller
// until a buffer comes back. So memory is the budget, not concurrency x part size. A second
// limit, the number of buffers out at once, keeps a fast producer from filling the whole
// budget with parts that only wait for a connection (parts in flight + one pending + one
// being filled is all an upload can use).
//
// Thread-safe: the producer thread acquires (blocking), the network thread releases.
// A part_buffer returns itself to its pool when destroyed, so no path (failure, cancel)
// can leak budget. The pool must outlive its buffers. Buffers come from mmap, so memory
// returns to the system when one is freed.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

namespace secexport::s3 {

class part_buffer_pool;

class part_buffer {
public:
  part_buffer() = default;
  part_buffer(part_buffer&& o) noexcept { *this = std::move(o); }
  part_buffer& operator=(part_buffer&& o) noexcept {
    std::swap(pool_, o.pool_);
    std::swap(data_, o.data_);
    std::swap(capacity_, o.capacity_);
    std::swap(size_, o.size_);
    return *this;
  }
  part_buffer(const part_buffer&) = delete;
  part_buffer& operator=(const part_buffer&) = delete;
  ~part_buffer() { reset(); }
  /// Returns the memory to the pool now.
  void reset() noexcept;

  [[nodiscard]] char* data() noexcept { return data_; }
  [[nodiscard]] const char* data() const noexcept { return data_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  void set_size(std::size_t n) noexcept { size_ = n; }
  [[nodiscard]] explicit operator bool() const noexcept { return data_ != nullptr; }

private:
  friend class part_buffer_pool;
  part_buffer_pool* pool_ = nullptr;
  char* data_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
};

struct part_buffer_pool_stats {
  std::uint64_t allocated = 0;      // bytes currently mapped (free + in use)
  std::uint64_t peak_allocated = 0;
  std::uint64_t allocations = 0;
  std::uint64_t waits = 0;          // acquires that had to block
  double wait_seconds = 0;          // time producers spent blocked (uploads are the bottleneck)
};

class part_buffer_pool {
public:
  /// `max_buffers` 0: no limit but the budget.
  explicit part_buffer_pool(std::uint64_t budget_bytes, std::size_t max_buffers = 0);
  ~part_buffer_pool();
  part_buffer_pool(const part_buffer_pool&) = delete;
  part_buffer_pool& operator=(const part_buffer_pool&) = delete;

  /// Blocks until a buffer of at least `capacity` bytes fits the budget. nullopt once the
  /// pool is closed (the upload failed or was cancelled). `capacity` must be <= budget.
  [[nodiscard]] std::optional<part_buffer> acquire(std::size_t capacity);
  /// Maps free buffers of `capacity` until the pool holds as many buffers as it may hand out
  /// (or the budget is full). Called once a stream is known to be multipart, so a long
  /// upload's footprint is its bound from early on instead of creeping up to it whenever a
  /// stall makes one more buffer necessary: peak memory does not depend on the stream's
  /// length (small streams never get here). The pages are not touched here: free buffers are
  /// handed out oldest first, so the producer faults each one in as it first fills it, while
  /// the network sends the parts before it. Touching them all here stalled the producer for
  /// about 0.15 s per 80 MiB on this VM (a fresh page costs more than zeroing it).
  void reserve(std::size_t capacity);
  /// As acquire, but returns nullopt instead of blocking.
  [[nodiscard]] std::optional<part_buffer> try_acquire(std::size_t capacity);
  /// Same as destroying the buffer.
  void release(part_buffer buffer) { buffer.reset(); }
  /// Wakes every blocked acquire with nullopt; later acquires fail at once.
  void close();
  [[nodiscard]] bool closed() const;

  [[nodiscard]] std::uint64_t budget() const noexcept { return budget_; }
  [[nodiscard]] part_buffer_pool_stats stats() const;

private:
  struct block {
    char* data;
    std::size_t capacity;
  };
  std::optional<part_buffer> take_locked(std::size_t capacity);
  part_buffer wrap(block b);
  void give_back(char* data, std::size_t capacity) noexcept;
  friend class part_buffer;

  const std::uint64_t budget_;
  const std::size_t max_buffers_;
  std::size_t in_use_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable released_;
  std::vector<block> free_;
  bool closed_ = false;
  part_buffer_pool_stats stats_;
};

} // namespace secexport::s3

#include "s3/part_buffer_pool.hpp"

#include "base/metrics.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <new>
#include <stdexcept>

namespace secexport::s3 {
namespace {

metrics::family buffer_bytes_family("secexport_part_buffer_bytes",
                                    "Bytes of part buffers mapped (in use or kept free for the next part), over "
                                    "every upload",
                                    "gauge");
metrics::cell& buffer_bytes = buffer_bytes_family.with();

char* map_block(std::size_t capacity) {
  void* p = ::mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  buffer_bytes.add(static_cast<double>(capacity));
  ::madvise(p, capacity, MADV_HUGEPAGE); // fewer TLB misses while hashing and encrypting
  return static_cast<char*>(p);
}

void unmap_block(char* data, std::size_t capacity) noexcept {
  ::munmap(data, capacity);
  buffer_bytes.add(-static_cast<double>(capacity));
}

} // namespace

void part_buffer::reset() noexcept {
  if (!data_) return;
  if (pool_) pool_->give_back(data_, capacity_);
  else unmap_block(data_, capacity_);
  pool_ = nullptr;
  data_ = nullptr;
  capacity_ = size_ = 0;
}

part_buffer_pool::part_buffer_pool(std::uint64_t budget_bytes, std::size_t max_buffers)
    : budget_(budget_bytes), max_buffers_(max_buffers) {}

part_buffer_pool::~part_buffer_pool() {
  for (auto& b : free_) unmap_block(b.data, b.capacity);
}

part_buffer part_buffer_pool::wrap(block b) {
  ++in_use_;
  part_buffer out;
  out.pool_ = this;
  out.data_ = b.data;
  out.capacity_ = b.capacity;
  return out;
}

std::optional<part_buffer> part_buffer_pool::take_locked(std::size_t capacity) {
  if (max_buffers_ && in_use_ >= max_buffers_) return std::nullopt;
  // The smallest free buffer that is large enough; of equal ones the oldest (give_back
  // appends), so every buffer reserve mapped is used, and so faulted in, in turn.
  auto best = free_.end();
  for (auto it = free_.begin(); it != free_.end(); ++it)
    if (it->capacity >= capacity && (best == free_.end() || it->capacity < best->capacity)) best = it;
  if (best != free_.end()) {
    auto b = *best;
    free_.erase(best);
    return wrap(b);
  }
  // Parts grew: idle buffers that are too small give their bytes back to the budget.
  while (stats_.allocated + capacity > budget_ && !free_.empty()) {
    stats_.allocated -= free_.back().capacity;
    unmap_block(free_.back().data, free_.back().capacity);
    free_.pop_back();
  }
  if (stats_.allocated + capacity <= budget_) {
    block b{map_block(capacity), capacity};
    stats_.allocated += capacity;
    stats_.peak_allocated = std::max(stats_.peak_allocated, stats_.allocated);
    ++stats_.allocations;
    return wrap(b);
  }
  return std::nullopt;
}

std::optional<part_buffer> part_buffer_pool::acquire(std::size_t capacity) {
  if (capacity > budget_) throw std::invalid_argument("part buffer larger than the memory budget");
  std::unique_lock lock(mutex_);
  if (closed_) return std::nullopt;
  if (auto b = take_locked(capacity)) return b;
  ++stats_.waits;
  auto start = std::chrono::steady_clock::now();
  std::optional<part_buffer> got;
  released_.wait(lock, [&] {
    if (closed_) return true;
    got = take_locked(capacity);
    return got.has_value();
  });
  stats_.wait_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return got;
}

void part_buffer_pool::reserve(std::size_t capacity) {
  std::lock_guard lock(mutex_);
  while (!closed_ && (max_buffers_ == 0 || in_use_ + free_.size() < max_buffers_) &&
         stats_.allocated + capacity <= budget_) {
    block b{map_block(capacity), capacity};
    stats_.allocated += capacity;
    stats_.peak_allocated = std::max(stats_.peak_allocated, stats_.allocated);
    ++stats_.allocations;
    free_.push_back(b);
  }
}

std::optional<part_buffer> part_buffer_pool::try_acquire(std::size_t capacity) {
  std::lock_guard lock(mutex_);
  if (closed_ || capacity > budget_) return std::nullopt;
  return take_locked(capacity);
}

void part_buffer_pool::give_back(char* data, std::size_t capacity) noexcept {
  {
    std::lock_guard lock(mutex_);
    --in_use_;
    free_.push_back({data, capacity});
  }
  released_.notify_all();
}

void part_buffer_pool::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  released_.notify_all();
}

bool part_buffer_pool::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

part_buffer_pool_stats part_buffer_pool::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

} // namespace secexport::s3

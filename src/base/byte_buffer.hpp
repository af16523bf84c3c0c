// A growable byte buffer that keeps its capacity across uses and never zero-fills: response
// bodies and event pages are read into one and parsed in place. At least `padding` readable
// bytes always follow the data (simdjson reads up to 64 bytes past the end).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace secexport {

class byte_buffer {
public:
  static constexpr std::size_t padding = 64;

  byte_buffer() = default;
  explicit byte_buffer(std::size_t capacity) { reserve(capacity); }

  [[nodiscard]] char* data() noexcept { return data_.get(); }
  [[nodiscard]] const char* data() const noexcept { return data_.get(); }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::string_view view() const noexcept { return {data_.get(), size_}; }

  void clear() noexcept { size_ = 0; }
  /// Keeps the first `n` bytes (no-op if there are fewer).
  void truncate(std::size_t n) noexcept {
    if (n < size_) size_ = n;
  }

  /// Ensures room for `n` bytes (plus padding) and keeps the content; grows by half at least,
  /// so appends stay amortised.
  void reserve(std::size_t n) { reserve_exact(std::max(n, capacity_ + capacity_ / 2), n); }

  /// Ensures room for `n` bytes; when it must grow, a quarter more, at most 1 MiB more (so
  /// that sizes creeping up page after page do not reallocate, and fault in fresh memory,
  /// every time), but never more than `limit` unless `n` itself is (a body of known length
  /// under a memory budget).
  void reserve_within(std::size_t n, std::size_t limit) {
    reserve_exact(std::max(n, std::min(n + std::min<std::size_t>(n / 4, 1u << 20), limit)), n);
  }

private:
  void reserve_exact(std::size_t cap, std::size_t n) {
    if (n <= capacity_ && data_) return;
    std::unique_ptr<char[]> fresh(new char[cap + padding]);
    if (size_) std::memcpy(fresh.get(), data_.get(), size_);
    std::memset(fresh.get() + size_, 0, padding);
    data_ = std::move(fresh);
    capacity_ = cap;
  }

public:
  /// Room for `n` more bytes at the end; write there, then `commit(n)`.
  [[nodiscard]] char* prepare(std::size_t n) {
    reserve(size_ + n);
    return data_.get() + size_;
  }
  void commit(std::size_t n) noexcept { size_ += n; }

  void append(const void* p, std::size_t n) {
    std::memcpy(prepare(n), p, n);
    commit(n);
  }
  void append(std::string_view s) { append(s.data(), s.size()); }

  /// Releases memory beyond `keep` bytes of capacity (after an unusually large page).
  void shrink_to(std::size_t keep) {
    if (capacity_ <= keep) return;
    byte_buffer smaller(std::max(keep, size_));
    smaller.append(data(), size_);
    *this = std::move(smaller);
  }

private:
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

} // namespace secexport

#include "s3/part_writer.hpp"

#include "s3/error.hpp"

#include "s3/crc32c.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace secexport::s3 {
namespace {
constexpr std::size_t hash_chunk = 64 * 1024; // hashed while still in L2
}

part_writer::part_writer(part_buffer_pool& pool, const part_size_policy& policy, part_sink& sink,
                         part_hashing hashing, sha256* object_hash)
    : pool_(pool), policy_(policy), sink_(sink), hashing_(hashing), object_hash_(object_hash) {}

part_writer::~part_writer() = default;

void part_writer::hash_through(std::size_t end) {
  if (end <= hashed_) return;
  const char* p = current_.data() + hashed_;
  std::size_t n = end - hashed_;
  if (hashing_.sha256) part_sha_.update(p, n);
  if (hashing_.crc32c) crc_ = crc32c(crc_, p, n);
  if (md5_this_part_) part_md5_.update(p, n);
  if (object_hash_) object_hash_->update(p, n);
  hashed_ = end;
}

part part_writer::seal() {
  hash_through(current_.size());
  part p;
  p.number = number_;
  if (hashing_.sha256) {
    p.sha256_hex = to_hex(part_sha_.finish());
    part_sha_.reset();
  }
  if (hashing_.crc32c) p.crc32c = crc_;
  if (md5_this_part_) {
    p.md5 = part_md5_.finish();
    part_md5_.reset();
  }
  crc_ = 0;
  hashed_ = 0;
  p.buffer = std::move(current_);
  return p;
}

std::span<char> part_writer::window(std::size_t limit) {
  assert(!finished_);
  if (!current_ || current_.size() == target_) {
    if (current_) pending_ = seal(); // handed over once the next part gets a byte
    const auto& st = policy_.settings();
    if (number_ + 1 > st.max_parts) {
      sink_.fail_input({errc::too_many_parts, "the stream is larger than " + std::to_string(policy_.max_object_size()) +
                       " bytes, the most that fits in S3's " + std::to_string(st.max_parts) +
                       " parts with --part-size " + std::to_string(st.part_size) +
                       " and --max-memory " + std::to_string(st.memory_budget) +
                       "; raise --max-memory so parts can grow larger"});
      pending_.reset();
      return {};
    }
    auto size = policy_.size_of(number_ + 1);
    if (number_ + 1 == 2) pool_.reserve(size); // multipart from here on: take the whole footprint now
    auto b = pool_.acquire(size);
    if (!b) return {};
    current_ = std::move(*b);
    target_ = size;
    ++number_;
    md5_this_part_ = hashing_.md5 || sink_.wants_md5();
  }
  auto room = std::min(target_ - current_.size(), limit);
  return {current_.data() + current_.size(), room};
}

void part_writer::commit(std::size_t n) {
  if (n == 0) return;
  assert(current_ && current_.size() + n <= target_);
  current_.set_size(current_.size() + n);
  bytes_ += n;
  if (pending_) { // more data follows the pending part: it is not the last
    sink_.submit(std::move(*pending_), false);
    pending_.reset();
  }
  if (current_.size() - hashed_ >= hash_chunk) hash_through(current_.size());
}

bool part_writer::write(std::string_view bytes) { return write_through_windows(*this, bytes); }

bool part_writer::finish() {
  assert(!finished_);
  finished_ = true;
  if (current_ && current_.size() == 0) { // a part was opened but nothing was written into it
    current_.reset();
    --number_;
  }
  if (pending_) {
    sink_.submit(std::move(*pending_), !current_);
    pending_.reset();
  }
  if (current_) {
    sink_.submit(seal(), true);
  } else if (number_ == 0) { // an empty stream: one empty PutObject
    part empty;
    empty.number = number_ = 1;
    if (hashing_.sha256) empty.sha256_hex = std::string(empty_sha256_hex);
    if (hashing_.crc32c) empty.crc32c = 0;
    sink_.submit(std::move(empty), true);
  }
  return !pool_.closed();
}

} // namespace secexport::s3

#include "export/progress.hpp"

#include <algorithm>

namespace secexport::exporter {

export_progress::export_progress(std::string what, sys_us start, sys_us end)
    : what_(std::move(what)), start_(start), end_(end), position_us_(start.time_since_epoch().count()) {}

void export_progress::update(std::uint64_t rows, std::uint64_t bytes, sys_us position) noexcept {
  rows_.store(rows, std::memory_order_relaxed);
  bytes_.store(bytes, std::memory_order_relaxed);
  position_us_.store(position.time_since_epoch().count(), std::memory_order_relaxed);
}

progress_snapshot export_progress::read() const {
  progress_snapshot s;
  s.what = what_;
  s.rows = rows_.load(std::memory_order_relaxed);
  s.bytes = bytes_.load(std::memory_order_relaxed);
  const auto span = static_cast<double>((end_ - start_).count());
  const auto done = static_cast<double>(position_us_.load(std::memory_order_relaxed) - start_.time_since_epoch().count());
  s.fraction = span > 0 ? std::clamp(done / span, 0.0, 1.0) : 0.0;
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  return s;
}

progress_board& progress_board::process() {
  static progress_board board;
  return board;
}

progress_board::entry::entry(progress_board& board, const export_progress& p) : board_(board) {
  std::lock_guard lock(board_.mutex_);
  it_ = board_.running_.insert(board_.running_.end(), &p);
}

progress_board::entry::~entry() {
  const auto s = (*it_)->read();
  std::lock_guard lock(board_.mutex_);
  board_.running_.erase(it_);
  ++board_.finished_;
  board_.finished_rows_ += s.rows;
  board_.finished_bytes_ += s.bytes;
}

std::vector<progress_snapshot> progress_board::running() const {
  std::lock_guard lock(mutex_);
  std::vector<progress_snapshot> out;
  for (const auto* p : running_) out.push_back(p->read());
  return out;
}

std::uint64_t progress_board::finished() const {
  std::lock_guard lock(mutex_);
  return finished_;
}

std::uint64_t progress_board::finished_rows() const {
  std::lock_guard lock(mutex_);
  return finished_rows_;
}

std::uint64_t progress_board::finished_bytes() const {
  std::lock_guard lock(mutex_);
  return finished_bytes_;
}

} // namespace secexport::exporter

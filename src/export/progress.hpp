// How far running exports are, for the progress line of `export` and `run`: rows and bytes
// written and the time of the last event written. Events arrive in time order, so the
// fraction of the window done is (last event - start) / (end - start).
//
// The producer thread updates an export's progress once per page; any thread reads it.
// Exports register on the process's board while they run.
#pragma once

#include "base/time.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <vector>

namespace secexport::exporter {

struct progress_snapshot {
  std::string what; // "tenant acme, 2026-11-22"
  std::uint64_t rows = 0, bytes = 0;
  double fraction = 0; // of the window, by the last event's time
  double seconds = 0;  // since the export started
};

class export_progress {
public:
  export_progress(std::string what, sys_us start, sys_us end);
  void update(std::uint64_t rows, std::uint64_t bytes, sys_us position) noexcept;
  [[nodiscard]] progress_snapshot read() const;

private:
  const std::string what_;
  const sys_us start_, end_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::atomic<std::uint64_t> rows_{0}, bytes_{0};
  std::atomic<std::int64_t> position_us_;
};

/// The exports running in this process, and what the finished ones wrote.
class progress_board {
public:
  [[nodiscard]] static progress_board& process();

  /// Registers `p` until destroyed; its rows and bytes then count as finished.
  class entry {
  public:
    entry(progress_board& board, const export_progress& p);
    ~entry();
    entry(const entry&) = delete;
    entry& operator=(const entry&) = delete;

  private:
    progress_board& board_;
    std::list<const export_progress*>::iterator it_;
  };

  [[nodiscard]] std::vector<progress_snapshot> running() const;
  /// Exports that ended (whatever their outcome), with the rows and bytes they wrote.
  [[nodiscard]] std::uint64_t finished() const;
  [[nodiscard]] std::uint64_t finished_rows() const;
  [[nodiscard]] std::uint64_t finished_bytes() const;

private:
  mutable std::mutex mutex_;
  std::list<const export_progress*> running_;
  std::uint64_t finished_ = 0, finished_rows_ = 0, finished_bytes_ = 0;
};

} // namespace secexport::exporter

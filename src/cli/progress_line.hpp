// The progress line of `export`, `upload` and `run`: one line at the bottom of stderr,
// redrawn in place a few times a second by a thread of its own (base/log keeps log lines
// from mixing with it). On when stderr is a terminal, unless --quiet; --progress forces it.
#pragma once

#include "export/progress.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace secexport::cli {

struct progress_flags {
  bool progress = false, quiet = false;

  void add_to(CLI::App& app);
  /// Whether to draw the line; --quiet also lowers the log level to warnings unless
  /// --log-level was given. Call once the command line is parsed.
  [[nodiscard]] bool apply(const CLI::App& app) const;
};

class progress_line {
public:
  using render_fn = std::function<std::string()>;
  /// Draws `render()` at once and then every `every` while alive (nothing when `enabled` is false).
  progress_line(bool enabled, render_fn render,
                std::chrono::milliseconds every = std::chrono::milliseconds(250));
  /// Stops and removes the line.
  ~progress_line();
  progress_line(const progress_line&) = delete;
  progress_line& operator=(const progress_line&) = delete;

private:
  render_fn render_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

/// "1.23 M", "456", "12.3 k": counts for the line.
[[nodiscard]] std::string format_count(std::uint64_t n);
/// "1h02m", "3m05s", "42s".
[[nodiscard]] std::string format_eta(double seconds);
/// Seconds left at this pace, from the fraction done after `seconds`; nullopt when unknown.
[[nodiscard]] std::optional<double> eta_of(double fraction, double seconds);

/// One export: "tenant acme, 2026-11-22 · 43% of the window · 1.23 M rows · 456.7 MB · 12.3
/// MB/s · ETA 1m20s".
[[nodiscard]] std::string export_progress_text(const exporter::progress_snapshot& s);
/// The daily job: the exports done and those running with their position and ETA, and the
/// totals.
[[nodiscard]] std::string run_progress_text(std::uint64_t finished, std::uint64_t finished_rows,
                                            std::uint64_t finished_bytes,
                                            const std::vector<exporter::progress_snapshot>& running, double seconds);
/// An upload: bytes read of `total` (0 when unknown, e.g. a pipe), rate and ETA.
[[nodiscard]] std::string upload_progress_text(std::uint64_t bytes, std::uint64_t total, double seconds);

} // namespace secexport::cli

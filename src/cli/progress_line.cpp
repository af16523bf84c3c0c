#include "cli/progress_line.hpp"

#include "base/log.hpp"
#include "cli/common_options.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <unistd.h>

namespace secexport::cli {

void progress_flags::add_to(CLI::App& app) {
  app.add_flag("--progress", progress,
               "Draw the progress line (rows, bytes, rate, position in the window, ETA) even when stderr is "
               "not a terminal. By default it is drawn only on a terminal");
  app.add_flag("--quiet,-q", quiet, "No progress line, and only warnings and errors in the log (unless --log-level)")
      ->excludes("--progress");
}

bool progress_flags::apply(const CLI::App& app) const {
  const CLI::App* top = &app;
  while (top->get_parent()) top = top->get_parent();
  if (quiet && top->get_option("--log-level")->count() == 0 && current_log_level() < log_level::warn)
    set_log_level(log_level::warn);
  if (quiet) return false;
  if (progress) return true;
  const char* term = std::getenv("TERM");
  return ::isatty(STDERR_FILENO) == 1 && !(term && std::strcmp(term, "dumb") == 0);
}

progress_line::progress_line(bool enabled, render_fn render, std::chrono::milliseconds every)
    : render_(std::move(render)) {
  if (!enabled) return;
  thread_ = std::thread([this, every] {
    // Drawn at once, so even a run shorter than one period shows that it started and how big it is.
    set_status_line(render_());
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, every, [this] { return stopping_; })) {
      lock.unlock();
      set_status_line(render_());
      lock.lock();
    }
  });
}

progress_line::~progress_line() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  set_status_line({});
}

std::string format_count(std::uint64_t n) {
  char buf[32];
  if (n < 10'000) std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(n));
  else if (n < 1'000'000) std::snprintf(buf, sizeof buf, "%.1f k", static_cast<double>(n) / 1e3);
  else if (n < 1'000'000'000ULL) std::snprintf(buf, sizeof buf, "%.2f M", static_cast<double>(n) / 1e6);
  else std::snprintf(buf, sizeof buf, "%.2f G", static_cast<double>(n) / 1e9);
  return buf;
}

std::string format_eta(double seconds) {
  const auto s = static_cast<long long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%lldh%02lldm", s / 3600, s % 3600 / 60);
  else if (s >= 60) std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%llds", s);
  return buf;
}

std::optional<double> eta_of(double fraction, double seconds) {
  if (fraction < 0.005 || seconds < 1) return std::nullopt; // too early to say
  return seconds * (1 - fraction) / fraction;
}

namespace {

std::string megabytes(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

std::string percent(double fraction) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", fraction * 100);
  return buf;
}

std::string eta_text(double fraction, double seconds) {
  auto eta = eta_of(fraction, seconds);
  return eta ? "ETA " + format_eta(*eta) : std::string("ETA ?");
}

} // namespace

std::string export_progress_text(const exporter::progress_snapshot& s) {
  return s.what + " · " + percent(s.fraction) + " of the window · " + format_count(s.rows) + " rows · " +
         megabytes(s.bytes) + " · " + format_rate(s.bytes, s.seconds) + " · " + eta_text(s.fraction, s.seconds);
}

std::string run_progress_text(std::uint64_t finished, std::uint64_t finished_rows, std::uint64_t finished_bytes,
                              const std::vector<exporter::progress_snapshot>& running, double seconds) {
  std::uint64_t rows = finished_rows, bytes = finished_bytes;
  std::string now;
  for (const auto& s : running) {
    rows += s.rows;
    bytes += s.bytes;
    now += (now.empty() ? "" : ", ") + s.what + " " + percent(s.fraction) + " " + eta_text(s.fraction, s.seconds);
  }
  return "days done " + std::to_string(finished) + ", running " + std::to_string(running.size()) +
         (now.empty() ? "" : " (" + now + ")") + " · " + format_count(rows) + " rows · " + megabytes(bytes) + " · " +
         format_rate(bytes, seconds);
}

std::string upload_progress_text(std::uint64_t bytes, std::uint64_t total, double seconds) {
  if (!total) return "uploading · " + megabytes(bytes) + " read · " + format_rate(bytes, seconds);
  const double fraction = static_cast<double>(bytes) / static_cast<double>(total);
  return "uploading · " + megabytes(bytes) + " of " + megabytes(total) + " (" + percent(fraction) + ") · " +
         format_rate(bytes, seconds) + " · " + eta_text(fraction, seconds);
}

} // namespace secexport::cli

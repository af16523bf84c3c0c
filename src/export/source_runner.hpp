// The event source of one export, run where it must run: the paged API on its own I/O
// thread (its own io_context, HTTPS client and so its own retry budget), so that receiving
// and decrypting pages and sending parts use both cores; an NDJSON file or stdin on the
// producer thread itself (file_page_source reads as the producer asks).
//
// Threads: construct, finish() and the destructor on the export's executor; pages(), stop()
// and stats() from any thread (the page source is thread-safe where it says so).
#pragma once

#include "export/detail/completion.hpp"
#include "io/http_client.hpp"
#include "io/retry.hpp"
#include "source/http_page_source.hpp"
#include "source/page_source.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace secexport::exporter {

struct source_spec {
  std::optional<source::http_source_settings> http; // the paged API, or
  std::string file;                                  // NDJSON: a path, or "-" for stdin
  bool skip_bad_events = false;
  std::shared_ptr<boost::asio::ssl::context> tls;    // for an https:// source
  io::http_options http_options;
};

class source_runner {
public:
  /// Opens the source and, for the paged API, starts its thread. `done` is the executor
  /// finish() is awaited on. Retries are counted in `counters`. Throws source::source_error
  /// (read_failed) when the file cannot be opened.
  source_runner(const source_spec& spec, boost::asio::any_io_executor done, io::retry_counters& counters);
  ~source_runner();
  source_runner(const source_runner&) = delete;
  source_runner& operator=(const source_runner&) = delete;

  [[nodiscard]] source::page_source& pages() noexcept { return *pages_; }
  /// The source URL (never the token) or the file's name, for the manifest and messages.
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  /// No more pages are needed (the upload ended or failed). Any thread.
  void stop() { pages_->stop(); }
  /// Waits until the source's thread has ended (after stop(), or when the source is done).
  boost::asio::awaitable<void> finish();
  [[nodiscard]] source::source_stats stats() const { return pages_->stats(); }

private:
  std::string name_;
  int fd_ = -1;
  io::retry_clock clock_; // used on the source's thread only
  std::optional<boost::asio::io_context> ioc_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::unique_ptr<io::http_client> http_;
  std::unique_ptr<source::page_source> pages_;
  std::optional<detail::completion> done_;
  std::thread thread_;
};

} // namespace secexport::exporter

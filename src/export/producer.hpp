// The producer thread of one export: pages from the source in report order, each admitted
// event as a CSV row straight into the upload's part buffers (report_writer), hashed while
// in cache (SHA-256 of the whole report; per part SHA-256 or CRC32C as the upload needs).
// With a codec the rows go through a compressing_writer first, and the hashes cover the
// compressed bytes (what the store holds).
// It blocks on the source (next page) and on the part pool (the budget is in use), so it
// runs on its own thread; it tells the upload when the input ends or fails.
//
// Threads: start() and join() on the export's executor; the work on the thread "se-producer".
#pragma once

#include "base/crypto.hpp"
#include "csv/row_encoder.hpp"
#include "export/detail/completion.hpp"
#include "export/progress.hpp"
#include "export/report_writer.hpp"
#include "s3/multipart_upload.hpp"
#include "s3/part_buffer_pool.hpp"
#include "source/event_order.hpp"
#include "source/page_source.hpp"

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <optional>
#include <string>
#include <thread>

namespace secexport::exporter {

struct producer_result {
  std::uint64_t bytes = 0;     // of the report as stored (compressed, with a codec)
  std::uint64_t csv_bytes = 0; // of the CSV (before compression)
  std::string sha256_hex;      // of the report as stored
  report_stats report;
};

class producer {
public:
  producer(s3::part_buffer_pool& pool, const s3::part_size_policy& policy, s3::multipart_upload& upload,
           source::page_source& pages, source::event_order& order, csv::row_encoder_options csv,
           compression codec, export_progress* progress = nullptr);
  ~producer();
  producer(const producer&) = delete;
  producer& operator=(const producer&) = delete;

  /// Starts the thread; join() is awaited on `done`.
  void start(boost::asio::any_io_executor done);
  /// The upload is over: whatever the producer does now, it must not finish the input.
  void stop() noexcept { stopping_ = true; }
  /// Waits for the thread to end and joins it.
  boost::asio::awaitable<void> join();
  /// After join().
  [[nodiscard]] producer_result result() { return std::move(result_); }

private:
  void work();
  /// The page loop into `out`; true when the input ended without failing.
  template <class Out> bool write_rows(Out& out);

  s3::part_buffer_pool& pool_;
  const s3::part_size_policy& policy_;
  s3::multipart_upload& upload_;
  source::page_source& pages_;
  source::event_order& order_;
  csv::row_encoder_options csv_;
  compression codec_;
  export_progress* progress_; // updated after every page (optional)
  std::atomic<bool> stopping_{false};
  std::optional<detail::completion> done_;
  std::thread thread_;
  producer_result result_;
};

} // namespace secexport::exporter

// One export: a tenant's events for a window, from the event source to one CSV report in S3
// plus its manifest.
//
// The order of the steps is what keeps a bucket honest:
//   1. multipart uploads of the same key that earlier runs left behind are aborted (where
//      the policy allows) or counted;
//   2. the report is streamed: pages are fetched concurrently (source_runner), encoded in
//      order into part buffers (producer), uploaded as they fill (multipart_upload), each
//      part verified (s3/integrity.hpp); a multipart upload is recorded in a small marker
//      object beside the report while it is open;
//   3. only once the source has delivered the whole window, right before
//      CompleteMultipartUpload (or the single PutObject) replaces the old report, the
//      previous manifest is deleted: until then a failed rerun leaves the previous report and
//      manifest exactly as they were;
//   4. the report is complete only when Complete (or PutObject) succeeds and the whole
//      object checks out; its size in S3 is checked against what was sent;
//   5. the manifest (rows, bytes, SHA-256 of the report, statistics) is written;
//   6. the day's report under another codec's key (an earlier run's .csv when this one wrote
//      .csv.gz, ...) is deleted, so one report per day remains.
// Any failure stops at the step it happens in: no manifest is ever written for a report that
// is not complete and correct.
//
// Runs on the S3 client's executor. Retries are counted per export (its own counters for
// S3 and for the source), so a manifest reports only its own.
#pragma once

#include "base/error.hpp"
#include "csv/row_encoder.hpp"
#include "export/compression.hpp"
#include "export/manifest.hpp"
#include "export/report_writer.hpp"
#include "io/retry.hpp"
#include "s3/multipart_upload.hpp"
#include "source/event_order.hpp"
#include "source/http_page_source.hpp"

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>

namespace secexport::exporter {

class source_runner;

struct export_request {
  std::string tenant;
  sys_us start{}, end{};
  std::string bucket;
  std::string key;      // the report's key: base_key plus the codec's suffix (.csv.gz)
  std::string base_key; // the key the template gives; the manifest and the upload record go
                        // beside it, so they are the same keys whatever the codec
  exporter::compression compression; // resolved

  std::optional<source::http_source_settings> http_source; // the paged API (window filled in)
  std::string source_file;                                 // or NDJSON: a path, or "-" for stdin
  bool skip_bad_events = false;
  csv::row_encoder_options csv;

  s3::part_size_policy policy;
  s3::upload_options upload;
  bool check_size = true; // HeadObject before the manifest (off only for sinks that store nothing)
  bool partial = false;    // a window not yet over: the report is written, never a manifest
};

/// Multipart uploads of the report's key that earlier runs left behind (a killed process, an
/// abort the policy did not allow), found before the upload starts.
struct leftover_uploads {
  std::uint64_t found = 0, aborted = 0, left = 0;
  bool list_denied = false; // s3:ListBucketMultipartUploads not granted: only recorded uploads were found
  [[nodiscard]] std::string advice() const;
};

/// Everything an export counted, in one place: the manifest is built from it.
struct export_stats {
  source::source_stats source;
  source::event_order_stats order;
  report_stats report;
  std::uint64_t bytes = 0;     // of the object as stored
  std::uint64_t csv_bytes = 0; // of the CSV before compression
  std::string sha256_hex;      // of the object as stored
  std::uint64_t source_retries = 0;
  std::uint64_t upload_retries = 0;
  s3::upload_result upload;
  leftover_uploads leftovers;
};

struct export_result {
  bool ok = false;
  secexport::error error; // what failed, naming the tenant and window
  std::string cleanup;    // what became of a failed multipart upload
  manifest written;       // what the manifest says (or would have said)
  std::string manifest_key;
  export_stats stats;
};

/// The manifest's content for an export with these statistics.
[[nodiscard]] manifest make_manifest(const export_request& request, const std::string& source_name,
                                     const export_stats& stats, sys_us started_at);

class export_job {
public:
  /// `s3` is the connection to use (context, settings, credentials); the job makes its own
  /// client on it, with its own retry counters.
  export_job(s3::s3_client& s3, export_request request);
  ~export_job();

  boost::asio::awaitable<export_result> run();
  /// Stops the export (executor thread): the upload is cancelled and aborted, no manifest.
  void cancel(std::string reason);

  /// "tenant acme, 2026-11-22" (or the range) for messages.
  [[nodiscard]] std::string describe() const;
  /// Retries so far (thread-safe; for progress and metrics).
  [[nodiscard]] const io::retry_counters& upload_retries() const noexcept { return upload_retries_; }
  [[nodiscard]] const io::retry_counters& source_retries() const noexcept { return source_retries_; }

private:
  boost::asio::awaitable<std::optional<secexport::error>> remove_previous_manifest(const std::string& manifest_key);
  boost::asio::awaitable<leftover_uploads> clean_leftovers();
  boost::asio::awaitable<std::optional<secexport::error>> record_upload(const std::string& upload_id);
  boost::asio::awaitable<bool> write_manifest(export_result& r);
  boost::asio::awaitable<void> remove_other_codecs();
  boost::asio::awaitable<bool> put_manifest(export_result& r);
  export_result fail(export_result& r, error e);

  io::retry_counters upload_retries_, source_retries_;
  s3::s3_client s3_;
  export_request request_;
  s3::multipart_upload* upload_ = nullptr; // while running, for cancel()
  source_runner* source_ = nullptr;
  std::optional<std::string> cancelled_;
};

} // namespace secexport::exporter

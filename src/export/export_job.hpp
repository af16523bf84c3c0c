// One export: a tenant's events for a window, from the event source to one CSV report in S3
// plus its manifest.
//
// The order of the steps is what keeps a bucket honest:
//   1. the previous manifest for the same key is deleted (from now until step 4 the window
//      counts as not exported, whatever else is in the bucket);
//   2. the report is streamed: pages are fetched concurrently (network thread), encoded in
//      order into part buffers (one producer thread), uploaded as they fill;
//   3. the report is complete only when CompleteMultipartUpload (or PutObject) succeeds;
//      its size in S3 is checked against what was sent;
//   4. the manifest (rows, bytes, SHA-256 of the report, statistics) is written last.
// Any failure stops at the step it happens in: no manifest is ever written for a report that
// is not complete and correct.
//
// Runs on the s3 client's executor; owns one producer thread for its lifetime.
#pragma once

#include "csv/row_encoder.hpp"
#include "export/manifest.hpp"
#include "export/report_writer.hpp"
#include "io/http_page_source.hpp"
#include "s3/multipart_upload.hpp"

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <string>

namespace secexport::exporter {

struct export_request {
  std::string tenant;
  sys_us start{}, end{};
  std::string bucket, key;

  std::optional<io::http_source_settings> http_source; // the paged API (window filled in here)
  std::string source_file;                             // or NDJSON: a path, or "-" for stdin
  bool skip_bad_events = false;
  csv::row_encoder_options csv;

  s3::part_size_policy policy;
  s3::upload_options upload;
  bool check_size = true; // HeadObject before the manifest (off only for sinks that store nothing)
};

struct export_result {
  bool ok = false;
  std::string error;     // what failed, naming the tenant and window
  std::string cleanup;   // what became of a failed multipart upload
  manifest written;      // what the manifest says (or would have said)
  std::string manifest_key;
  io::source_stats source;
  io::event_order_stats order;
  report_stats report;
  s3::upload_result upload;
};

class export_job {
public:
  export_job(s3::s3_client& s3, export_request request);
  ~export_job();

  boost::asio::awaitable<export_result> run();
  /// Stops the export (executor thread): the upload is cancelled and aborted, no manifest.
  void cancel(std::string reason);

  /// "tenant acme, 2026-11-22" (or the range) for messages.
  [[nodiscard]] std::string describe() const;

private:
  boost::asio::awaitable<bool> remove_previous_manifest(export_result& r);
  boost::asio::awaitable<bool> write_manifest(export_result& r);
  boost::asio::awaitable<bool> put_manifest(export_result& r);

  s3::s3_client& s3_;
  export_request request_;
  s3::multipart_upload* upload_ = nullptr; // while running, for cancel()
  io::page_source* source_ = nullptr;
  std::optional<std::string> cancelled_;
};

} // namespace secexport::exporter

// The export's tuning flags, shared by `export`, `run` and `daemon` (how the source is read
// and how the report is written), and how a finished export is reported.
#pragma once

#include "cli/common_options.hpp"
#include "export/export_job.hpp"
#include "export/export_settings.hpp"

#include <CLI/CLI.hpp>

#include <string>

namespace secexport::cli {

struct export_flags {
  unsigned page_limit = 1000;
  unsigned source_concurrency = 8;
  std::string on_bad_event = "fail";
  std::string key_template;
  bool formula_guard = false;
  std::string compress;   // --compress: none | gzip | zstd; empty when not given
  int compress_level = 0; // --compress-level: 0 = the codec's default
  double late_margin = 0; // --late-events-margin, seconds (0: the spec's run at 00:00 UTC)

  /// --page-limit, --source-concurrency, --late-events-margin, --on-bad-event.
  void add_source_options(CLI::App& app, const std::string& group);
  /// --key-template, --csv-formula-guard, --compress, --compress-level.
  void add_report_options(CLI::App& app, const std::string& group);
  /// The export settings these flags, the AWS flags (the source's retries) and the transfer
  /// flags describe; tenant, window, bucket and source are the caller's to fill in.
  [[nodiscard]] exporter::export_settings settings(const aws_flags& aws, const transfer_flags& transfer) const;
};

/// "exported N rows (B bytes) for tenant T, DAY to s3://... in S s: R rows/s, M MB/s, P pages,
/// X retries\nmanifest s3://... (sha256 H)"
[[nodiscard]] std::string export_summary(const exporter::export_result& result, const std::string& what,
                                         double seconds);

/// The same as one JSON object (`export --output json`).
[[nodiscard]] std::string export_summary_json(const exporter::export_result& result, const std::string& what,
                                              double seconds);

/// A failed export's error with what became of its upload.
[[nodiscard]] std::string export_failure(const exporter::export_result& result);

} // namespace secexport::cli

// What `export` and the daily job (`run`, `daemon`) share: turning settings into an
// export_request, and the one-line summary of a finished export.
#pragma once

#include "base/secret.hpp"
#include "base/time.hpp"
#include "cli/common_options.hpp"
#include "export/export_job.hpp"

#include <CLI/CLI.hpp>

#include <string>

namespace secexport::cli {

// Estimated bytes per event in a page, to size the part of --max-memory kept for pages.
inline constexpr std::uint64_t page_bytes_per_event = 768;

struct export_inputs {
  std::string tenant;
  sys_us start{}, end{};
  std::string bucket, prefix, key_template;
  std::string source_url, source_file; // exactly one
  secret source_token;                 // for source_url
  unsigned page_limit = 1000;
  unsigned source_concurrency = 8;
  bool skip_bad_events = false;
  bool formula_guard = false;
  bool check_size = true;
};

/// The export's tuning flags, shared by `export`, `run` and `daemon`: how the source is read
/// and how the report is written.
struct export_flags {
  unsigned page_limit = 1000;
  unsigned source_concurrency = 8;
  std::string on_bad_event = "fail";
  std::string key_template;
  bool formula_guard = false;

  /// --page-limit, --source-concurrency, --on-bad-event.
  void add_source_options(CLI::App& app, const std::string& group);
  /// --key-template, --csv-formula-guard.
  void add_report_options(CLI::App& app, const std::string& group);
  /// Copies the flags into `in`.
  void apply(export_inputs& in) const;
};

/// Throws command_error (exit_usage) naming the bad setting.
[[nodiscard]] exporter::export_request make_export_request(const export_inputs& in, const aws_flags& aws,
                                                           const transfer_flags& transfer, bool s3_over_tls);

/// "exported N rows (B bytes) for tenant T, DAY to s3://... in S s: R rows/s, M MB/s, P pages,
/// X retries\nmanifest s3://... (sha256 H)"
[[nodiscard]] std::string export_summary(const exporter::export_result& result, const std::string& what,
                                         double seconds);

/// A failed export's error with what became of its upload.
[[nodiscard]] std::string export_failure(const exporter::export_result& result);

} // namespace secexport::cli

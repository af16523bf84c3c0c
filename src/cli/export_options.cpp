#include "cli/export_options.hpp"

#include "base/json_writer.hpp"

#include <cstdio>

namespace secexport::cli {

void export_flags::add_source_options(CLI::App& app, const std::string& group) {
  app.add_option("--page-limit", page_limit,
                 "Events per page asked of the API. The 3 x --source-concurrency + 4 pages held take about "
                 "900 bytes of --max-memory per event each (768 of body, the rest for the parsed events)")
      ->check(CLI::Range(1u, 100000u))
      ->capture_default_str()
      ->group(group);
  app.add_option("--source-concurrency", source_concurrency,
                 "Pages requested at once: the window is read in time slices, split near the point being "
                 "written, so a source with slow pages is read many pages at a time")
      ->check(CLI::Range(1u, 64u))
      ->capture_default_str()
      ->group(group);
  app.add_option("--late-events-margin", late_margin,
                 "Seconds after a window's end during which events may still arrive: a window is exported only "
                 "once it ended this long ago (the daemon wakes this much after 00:00 UTC)")
      ->check(seconds_between(0, 86400))
      ->capture_default_str()
      ->group(group);
  app.add_option("--on-bad-event", on_bad_event,
                 "An event with a missing field or a wrong type: fail (the export stops, naming the page and "
                 "position) or skip (it is left out and counted in the manifest)")
      ->check(CLI::IsMember({"fail", "skip"}))
      ->capture_default_str()
      ->group(group);
}

void export_flags::add_report_options(CLI::App& app, const std::string& group) {
  app.add_option("--key-template", key_template,
                 "Object key template; placeholders {tenant} {date} {yyyy} {mm} {dd} {start} {end}. Default: "
                 "security-events/{tenant}/{yyyy}/{mm}/{dd}/security-events_{tenant}_{date}.csv")
      ->group(group);
  app.add_flag("--csv-formula-guard", formula_guard,
               "Prefix cells that begin with = + - @ tab or CR with ' so spreadsheet programs do not run them "
               "as formulas (changes the data; off by default)")
      ->group(group);
  app.add_option("--compress", compress,
                 "none, gzip or zstd: the report is stored as .csv.gz or .csv.zst (Content-Type application/gzip "
                 "or application/zstd, no Content-Encoding, so every client downloads the exact bytes the "
                 "manifest's sha256 describes). Streaming: the compressor's input buffer (256 KiB) and state "
                 "(zlib 264 KiB; zstd about 1.3 MiB at level 1, 3 MiB at 3) come out of --max-memory before the "
                 "part buffers. For `run`/`daemon`, overrides each tenant's saved codec (`tenant save --compress`); "
                 "default none")
      ->check(CLI::IsMember({"none", "gzip", "zstd"}))
      ->group(group);
  app.add_option("--compress-level", compress_level,
                 "Compression level: gzip 1-9, zstd 1-19 (default 1 for both: the fastest; higher levels cost "
                 "rows/s for a few percent of size, docs/PERFORMANCE.md)")
      ->check(CLI::Range(1, 19))
      ->group(group);
}

exporter::export_settings export_flags::settings(const aws_flags& aws, const transfer_flags& transfer) const {
  exporter::export_settings s;
  s.key_template = key_template;
  s.page_limit = page_limit;
  s.source_concurrency = source_concurrency;
  s.skip_bad_events = on_bad_event == "skip";
  s.formula_guard = formula_guard;
  if (!compress.empty()) s.codec = exporter::parse_codec(compress); // checked by CLI11
  s.compress_level = compress_level;
  s.late_margin = std::chrono::seconds(static_cast<std::int64_t>(late_margin));
  s.source_backoff = aws.backoff();
  // A page must arrive within ten read timeouts (a body that trickles forever still ends).
  s.page_deadline = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(10 * aws.read_timeout));
  s.parts = transfer.parts();
  s.payload = transfer.payload_mode();
  s.checksum = transfer.checksum_mode();
  return s;
}

std::string export_summary(const exporter::export_result& result, const std::string& what, double seconds) {
  const auto& m = result.written;
  // Keys may be up to 1024 bytes: numbers are formatted apart, the text is appended whole.
  char timing[160];
  std::snprintf(timing, sizeof timing, " in %.2f s: %.0f rows/s, ", seconds,
                seconds > 0 ? static_cast<double>(m.rows) / seconds : 0.0);
  const std::string size =
      m.compression.codec == exporter::codec::none
          ? std::to_string(m.bytes) + " bytes"
          : std::to_string(m.csv_bytes) + " bytes of CSV, " + std::to_string(m.bytes) + " as " +
                std::string(to_string(m.compression.codec)) + " level " + std::to_string(m.compression.level);
  return "exported " + std::to_string(m.rows) + " rows (" + size + ") for " + what + " to " +
         s3::s3_client::url(m.bucket, m.key) + timing + format_rate(m.csv_bytes, seconds) + ", " +
         std::to_string(m.pages) + " pages, " + std::to_string(m.source_retries + m.upload_retries) + " retries\n" +
         (result.manifest_key.empty()
              ? "no manifest: the window has not ended, so the report is partial (sha256 " + m.sha256_hex +
                    ", integrity " + m.integrity + ")\n"
              : "manifest " + s3::s3_client::url(m.bucket, result.manifest_key) + " (sha256 " + m.sha256_hex +
                    ", integrity " + m.integrity + ")\n") + (result.stats.leftovers.left ? "warning: " + result.stats.leftovers.advice() + "\n" : "");
}

std::string export_summary_json(const exporter::export_result& result, const std::string& what, double seconds) {
  const auto& m = result.written;
  json_writer w;
  w.begin_object().member("status", "ok").member("export", what).member("tenant", m.tenant);
  w.key("window").begin_object().member("start", format_rfc3339(m.window_start));
  w.member("end", format_rfc3339(m.window_end)).end_object();
  w.member("object", s3::s3_client::url(m.bucket, m.key)).member("bucket", m.bucket).member("key", m.key);
  w.member("partial", result.manifest_key.empty());
  if (result.manifest_key.empty()) w.key("manifest").null();
  else w.member("manifest", s3::s3_client::url(m.bucket, result.manifest_key));
  w.member("rows", m.rows).member("bytes", m.bytes).member("csv_bytes", m.csv_bytes);
  w.member("compression", exporter::to_string(m.compression.codec)).member("pages", m.pages).member("parts", m.parts);
  w.member("sha256", m.sha256_hex).member("integrity", m.integrity);
  w.key("retries").begin_object().member("source", m.source_retries).member("upload", m.upload_retries).end_object();
  w.member("seconds", seconds).member("rows_per_second", seconds > 0 ? static_cast<double>(m.rows) / seconds : 0.0);
  w.member("leftover_uploads_left", result.stats.leftovers.left);
  w.end_object();
  return std::move(w).take() + "\n";
}

std::string export_failure(const exporter::export_result& result) {
  std::string message = result.error.message;
  if (!result.cleanup.empty()) message += "\n  " + result.cleanup;
  return message;
}

} // namespace secexport::cli

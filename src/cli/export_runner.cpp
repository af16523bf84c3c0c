#include "cli/export_runner.hpp"

#include "export/object_key.hpp"

#include <cstdio>

namespace secexport::cli {

void export_flags::add_source_options(CLI::App& app, const std::string& group) {
  app.add_option("--page-limit", page_limit, "Events per page asked of the API")
      ->check(CLI::Range(1u, 100000u))
      ->capture_default_str()
      ->group(group);
  app.add_option("--source-concurrency", source_concurrency,
                 "Pages requested at once: the window is read in time slices, split near the point being "
                 "written, so a source with slow pages is read many pages at a time")
      ->check(CLI::Range(1u, 64u))
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
}

void export_flags::apply(export_inputs& in) const {
  in.key_template = key_template;
  in.page_limit = page_limit;
  in.source_concurrency = source_concurrency;
  in.skip_bad_events = on_bad_event == "skip";
  in.formula_guard = formula_guard;
}

exporter::export_request make_export_request(const export_inputs& a, const aws_flags& aws,
                                             const transfer_flags& transfer, bool s3_over_tls) {
  exporter::export_request req;
  req.tenant = a.tenant;
  req.start = a.start;
  req.end = a.end;
  req.bucket = a.bucket;
  try {
    req.key = exporter::object_key(a.prefix, a.key_template, a.tenant, a.start, a.end);
  } catch (const std::invalid_argument& e) {
    throw command_error(std::string("--key-template: ") + e.what(), exit_usage);
  }
  req.skip_bad_events = a.skip_bad_events;
  req.check_size = a.check_size;
  req.csv.formula_guard = a.formula_guard;

  std::uint64_t page_memory = 0;
  if (!a.source_url.empty()) {
    std::string why;
    auto url = io::parse_endpoint(a.source_url, &why);
    if (!url) throw command_error("source URL '" + a.source_url + "': " + why, exit_usage);
    io::http_source_settings s;
    s.source.url = *url;
    s.source.tenant = a.tenant;
    s.source.token = a.source_token;
    s.source.limit = a.page_limit;
    s.source.backoff = aws.backoff();
    s.concurrency = a.source_concurrency;
    s.max_pages = 3 * a.source_concurrency + 4; // room for the slices just ahead of the writer
    s.skip_bad_events = req.skip_bad_events;
    page_memory = std::uint64_t{s.max_pages} * a.page_limit * page_bytes_per_event;
    req.http_source = std::move(s);
  } else {
    req.source_file = a.source_file;
    page_memory = 8u << 20; // one NDJSON chunk and a carried line
  }
  req.policy = transfer.policy(page_memory);
  req.upload = transfer.upload(s3_over_tls);
  req.upload.object_headers.push_back({"content-type", "text/csv; charset=utf-8"});
  return req;
}

std::string export_summary(const exporter::export_result& result, const std::string& what, double seconds) {
  const auto& m = result.written;
  // Keys may be up to 1024 bytes: numbers are formatted apart, the text is appended whole.
  char timing[160];
  std::snprintf(timing, sizeof timing, " in %.2f s: %.0f rows/s, ", seconds,
                seconds > 0 ? static_cast<double>(m.rows) / seconds : 0.0);
  return "exported " + std::to_string(m.rows) + " rows (" + std::to_string(m.bytes) + " bytes) for " + what + " to " +
         s3::s3_client::url(m.bucket, m.key) + timing + format_rate(m.bytes, seconds) + ", " +
         std::to_string(m.pages) + " pages, " + std::to_string(m.source_retries + m.upload_retries) + " retries\n" +
         "manifest " + s3::s3_client::url(m.bucket, result.manifest_key) + " (sha256 " + m.sha256_hex + ")\n";
}

std::string export_failure(const exporter::export_result& result) {
  std::string message = result.error;
  if (!result.cleanup.empty()) message += "\n  " + result.cleanup;
  return message;
}

} // namespace secexport::cli

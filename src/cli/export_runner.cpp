#include "cli/export_runner.hpp"

#include "export/object_key.hpp"

#include <cstdio>

namespace secexport::cli {

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
  char line[512];
  std::snprintf(line, sizeof line, "exported %llu rows (%llu bytes) for %s to %s in %.2f s: %.0f rows/s, %s, %llu pages, %llu retries\n",
                static_cast<unsigned long long>(m.rows), static_cast<unsigned long long>(m.bytes), what.c_str(),
                s3::s3_client::url(m.bucket, m.key).c_str(), seconds,
                seconds > 0 ? static_cast<double>(m.rows) / seconds : 0.0, format_rate(m.bytes, seconds).c_str(),
                static_cast<unsigned long long>(m.pages),
                static_cast<unsigned long long>(m.source_retries + m.upload_retries));
  return line + ("manifest " + s3::s3_client::url(m.bucket, result.manifest_key) + " (sha256 " + m.sha256_hex + ")\n");
}

std::string export_failure(const exporter::export_result& result) {
  std::string message = result.error;
  if (!result.cleanup.empty()) message += "\n  " + result.cleanup;
  return message;
}

} // namespace secexport::cli

#include "export/manifest.hpp"

#include "base/json_text.hpp"
#include "base/log.hpp"
#include "csv/row_encoder.hpp"

#include <cstdio>

namespace secexport::exporter {
namespace {

std::string quoted(std::string_view s) {
  std::string out = "\"";
  append_json_escaped(out, s);
  return out + "\"";
}

} // namespace

std::string manifest::to_json() const {
  char seconds_text[32];
  std::snprintf(seconds_text, sizeof seconds_text, "%.3f", seconds);
  std::string j;
  j += "{\n";
  j += "  \"manifest_version\": " + std::to_string(manifest_version) + ",\n";
  j += "  \"format\": \"secexport-security-events-csv\",\n";
  j += "  \"csv_format_version\": " + std::to_string(csv::report_format_version) + ",\n";
  j += "  \"tenant\": " + quoted(tenant) + ",\n";
  j += "  \"window\": {\"start\": " + quoted(format_rfc3339(window_start)) + ", \"end\": " +
       quoted(format_rfc3339(window_end)) + "},\n";
  j += "  \"object\": {\"bucket\": " + quoted(bucket) + ", \"key\": " + quoted(key) + ", \"etag\": " + quoted(etag) +
       ", \"parts\": " + std::to_string(parts) + "},\n";
  j += "  \"integrity\": " + quoted(integrity) + ",\n";
  j += "  \"rows\": " + std::to_string(rows) + ",\n";
  j += "  \"compression\": {\"codec\": " + quoted(to_string(compression.codec)) +
       ", \"level\": " + std::to_string(compression.level) + "},\n";
  j += "  \"csv_bytes\": " + std::to_string(csv_bytes) + ",\n";
  j += "  \"bytes\": " + std::to_string(bytes) + ",\n";
  j += "  \"sha256\": " + quoted(sha256_hex) + ",\n";
  j += "  \"exporter\": {\"name\": \"secexport\", \"version\": " + quoted(SECEXPORT_VERSION) + "},\n";
  j += "  \"source\": {\"from\": " + quoted(source) + ", \"pages\": " + std::to_string(pages) +
       ", \"events_read\": " + std::to_string(events_read) + ", \"requests\": " + std::to_string(source_requests) +
       ", \"retries\": " + std::to_string(source_retries) + ", \"duplicates_dropped\": " +
       std::to_string(duplicates_dropped) + ", \"outside_window_dropped\": " + std::to_string(outside_window_dropped) +
       ", \"outside_request_dropped\": " + std::to_string(outside_request_dropped) +
       ", \"bad_events_skipped\": " + std::to_string(bad_events_skipped) +
       ", \"invalid_utf8_replaced\": " + std::to_string(invalid_utf8_replaced) + "},\n";
  j += "  \"upload\": {\"retries\": " + std::to_string(upload_retries) + ", \"seconds\": " + seconds_text +
       ", \"leftover_uploads\": {\"found\": " + std::to_string(leftover_found) + ", \"aborted\": " +
       std::to_string(leftover_aborted) + ", \"left\": " + std::to_string(leftover_left) + "}},\n";
  j += "  \"started_at\": " + quoted(format_rfc3339_ms(started_at)) + ",\n";
  j += "  \"finished_at\": " + quoted(format_rfc3339_ms(finished_at)) + "\n";
  j += "}\n";
  return j;
}

} // namespace secexport::exporter

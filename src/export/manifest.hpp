// The manifest: a small JSON object written beside the report after the report is complete,
// and only then. It is the commit marker: a day whose manifest exists has a complete, correct
// report (its row count, size and SHA-256 are in the manifest); a day without one has none,
// whatever objects may exist. Catch-up uses its presence to know which days are done.
#pragma once

#include "base/time.hpp"
#include "export/compression.hpp"

#include <cstdint>
#include <string>

namespace secexport::exporter {

inline constexpr int manifest_version = 1;

struct manifest {
  std::string tenant;
  sys_us window_start{}, window_end{};
  std::string bucket, key;
  std::uint64_t rows = 0;
  exporter::compression compression; // of the object (codec::none: plain CSV)
  std::uint64_t csv_bytes = 0;       // the CSV's size, header included, before compression
  std::uint64_t bytes = 0;           // the object's size as stored (compressed, with a codec)
  std::string sha256_hex;            // of the object as stored: what a download gives
  std::string etag;
  std::uint32_t parts = 0;
  std::string integrity;       // how the bytes in the store were verified (s3::integrity_check)
  // source statistics
  std::string source;          // the source URL (no token) or file name
  std::uint64_t pages = 0, events_read = 0, source_requests = 0, source_retries = 0;
  std::uint64_t duplicates_dropped = 0, outside_window_dropped = 0, outside_request_dropped = 0;
  std::uint64_t bad_events_skipped = 0, invalid_utf8_replaced = 0;
  // upload statistics
  std::uint64_t upload_retries = 0;
  // multipart uploads of this key that earlier runs left behind (a killed process)
  std::uint64_t leftover_found = 0, leftover_aborted = 0, leftover_left = 0;
  double seconds = 0;
  sys_us started_at{}, finished_at{};

  /// Pretty-printed JSON, keys in a fixed order.
  [[nodiscard]] std::string to_json() const;
};

} // namespace secexport::exporter

// What an export is asked to do, as plain settings (the CLI and the daily job fill them in),
// and the decisions that turn them into an export_request: the object key, how the memory
// budget is split between event pages, the compressor and part buffers, the upload's payload
// protection, and the report's codec and content type. Pure; unit-tested.
#pragma once

#include "base/error.hpp"
#include "base/secret.hpp"
#include "base/time.hpp"
#include "export/compression.hpp"
#include "export/export_job.hpp"
#include "io/retry.hpp"
#include "s3/multipart_upload.hpp"
#include "s3/part_size_policy.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace secexport::exporter {

/// Bytes per event assumed when sizing page buffers from --page-limit (a realistic event is
/// 350 to 500 bytes of JSON; the rest is headroom).
inline constexpr std::uint64_t page_bytes_per_event = 768;
/// What an NDJSON source needs: one read chunk and a line carried over.
inline constexpr std::uint64_t file_source_memory = 8u << 20;

struct export_settings {
  std::string tenant;
  sys_us start{}, end{};
  std::string bucket, prefix, key_template;

  std::string source_url;  // the paged event API, or
  std::string source_file; // NDJSON: a path, or "-" for stdin
  secret source_token;     // for source_url
  unsigned page_limit = 1000;
  unsigned source_concurrency = 8;
  io::backoff_policy source_backoff;
  std::chrono::steady_clock::duration page_deadline = std::chrono::minutes(20); // a whole page must arrive within
  bool skip_bad_events = false;
  bool formula_guard = false;
  // The report's codec: unset is none, except that the daily job gives a tenant its saved codec
  // (an explicit --compress on `run`/`daemon` sets it and so overrides the tenant's).
  std::optional<exporter::codec> codec;
  int compress_level = 0; // 0: the codec's default
  bool check_size = true;
  // A window that has not ended, plus the margin for late events, is refused (the report would
  // be partial, and a manifest would make the daily job skip the day for good) unless
  // allow_partial_day: then it is exported without a manifest.
  std::chrono::seconds late_margin{0};
  bool allow_partial_day = false;
  std::optional<sys_us> now; // the clock reading that rule uses (unset: the system clock)

  s3::part_size_settings parts;     // memory_budget: the whole --max-memory
  s3::payload_mode payload = s3::payload_mode::automatic;
  s3::checksum_mode checksum = s3::checksum_mode::automatic;
};

/// Pages the HTTP source may hold: room for the slices just ahead of the writer (3 per
/// request in flight) and a few more, so the slice being written never starves.
[[nodiscard]] constexpr unsigned pages_for(unsigned source_concurrency) noexcept { return 3 * source_concurrency + 4; }

/// What the HTTP source's page bodies may hold together: `pages_for` pages of --page-limit
/// events at page_bytes_per_event (http_page_source's page_memory).
[[nodiscard]] std::uint64_t page_body_memory(const export_settings& s) noexcept;

/// The part of the memory budget the event source takes: the page bodies and, for each page,
/// the event views parsed out of its body (reserved for --page-limit events, so they never
/// grow past that by doubling).
[[nodiscard]] std::uint64_t source_memory(const export_settings& s) noexcept;

/// The codec and level the settings ask for, resolved; exporter::errc::bad_settings for a
/// level outside the codec's range.
[[nodiscard]] result<compression> compression_of(const export_settings& s);

/// The request for one export, or exporter::errc::bad_settings / bad_key_template naming the
/// setting to change. `s3_over_tls` decides the default payload protection.
[[nodiscard]] result<export_request> make_export_request(const export_settings& s, bool s3_over_tls);

} // namespace secexport::exporter

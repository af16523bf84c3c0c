// Where a tenant's report for a window goes in the bucket: a key template, expanded
// deterministically from the tenant and the window, so a rerun overwrites instead of
// duplicating; and the manifest's key beside it.
//
// Placeholders: {tenant}, {date} (2026-11-22), {yyyy}, {mm}, {dd} (the window's first UTC
// day), {start} and {end} (20261122T000000Z). The default for one UTC day is
//   security-events/{tenant}/{yyyy}/{mm}/{dd}/security-events_{tenant}_{date}.csv
// and for other ranges
//   security-events/{tenant}/ranges/security-events_{tenant}_{start}_{end}.csv
// A prefix is normalised (normalize_prefix) and prepended with exactly one '/' between.
#pragma once

#include "base/error.hpp"
#include "base/time.hpp"
#include "export/compression.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace secexport::exporter {

inline constexpr std::string_view default_day_template =
    "security-events/{tenant}/{yyyy}/{mm}/{dd}/security-events_{tenant}_{date}.csv";
inline constexpr std::string_view default_range_template =
    "security-events/{tenant}/ranges/security-events_{tenant}_{start}_{end}.csv";

/// True when [start, end) is exactly one UTC day.
[[nodiscard]] bool is_one_utc_day(sys_us start, sys_us end) noexcept;

/// The prefix as a key's folder: leading, trailing and doubled '/' dropped ("/exports//a/"
/// is "exports/a"); '.' and '..' segments, control characters and invalid UTF-8 are
/// exporter::errc::bad_settings.
[[nodiscard]] result<std::string> normalize_prefix(std::string_view prefix);

/// A key template must make one key per day: it names {date}, {start}, or all of {yyyy}, {mm}
/// and {dd}; else exporter::errc::bad_key_template.
[[nodiscard]] result<void> check_key_template(std::string_view key_template);

/// Expands `key_template` (empty: the default for the window) under `prefix`.
/// exporter::errc::bad_key_template naming the problem (unknown placeholder, an empty key, a
/// key over S3's 1024 bytes).
[[nodiscard]] result<std::string> object_key(std::string_view prefix, std::string_view key_template,
                                             std::string_view tenant, sys_us start, sys_us end);

/// The key of a report stored with codec `c`: the template's key plus the codec's suffix
/// (`.csv` -> `.csv.gz`, `.csv.zst`; unchanged for codec::none).
[[nodiscard]] std::string report_key(std::string_view base_key, codec c);

/// Every codec, for what must be looked at under each of a day's possible report keys.
inline constexpr codec all_codecs[] = {codec::none, codec::gzip, codec::zstd};

/// The manifest's key for a report's template key (base key, before any codec suffix): `.csv`
/// replaced by `.manifest.json` (appended when the key does not end in `.csv`). One key per
/// day whatever the codec, so catch-up finds a day done however it was compressed.
[[nodiscard]] std::string manifest_key(std::string_view base_key);

/// The key of the small object that records a multipart upload in progress of the report whose
/// template key is `base_key` (`.csv` replaced by `.upload.json`; the record names the key
/// with its codec suffix): it lets a later run find the upload a killed process left behind
/// without s3:ListBucketMultipartUploads, whatever codec that run used.
[[nodiscard]] std::string upload_marker_key(std::string_view base_key);

/// Checks a tenant ID for use in keys, file names and messages: 1-128 characters of letters,
/// digits and `-_.@+=`. exporter::errc::bad_tenant_id saying why.
[[nodiscard]] result<void> check_tenant_id(std::string_view tenant);

} // namespace secexport::exporter

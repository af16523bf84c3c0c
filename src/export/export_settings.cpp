#include "export/export_settings.hpp"

#include "base/byte_size.hpp"
#include "export/compressing_writer.hpp"
#include "export/error.hpp"
#include "export/object_key.hpp"
#include "s3/addressing.hpp"
#include "source/event_view.hpp"

namespace secexport::exporter {

std::uint64_t page_body_memory(const export_settings& s) noexcept {
  return std::uint64_t{pages_for(s.source_concurrency)} * s.page_limit * page_bytes_per_event;
}

std::uint64_t source_memory(const export_settings& s) noexcept {
  if (s.source_url.empty()) return file_source_memory;
  return page_body_memory(s) + std::uint64_t{pages_for(s.source_concurrency)} * s.page_limit * sizeof(source::event_view);
}

result<compression> compression_of(const export_settings& s) {
  return resolve({s.codec.value_or(codec::none), s.compress_level});
}

result<export_request> make_export_request(const export_settings& s, bool s3_over_tls) {
  auto bad = [](std::string why) -> result<export_request> { return error{errc::bad_settings, std::move(why)}; };
  if (auto ok = check_tenant_id(s.tenant); !ok) return ok.error();
  if (s.end <= s.start) return bad("the window is empty: its end must be after its start");
  if (auto ok = s3::check_bucket_name(s.bucket); !ok) return ok.error();
  const auto now = s.now.value_or(std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()));
  const bool partial = s.end + s.late_margin > now;
  if (partial && !s.allow_partial_day)
    return bad("the window ends at " + format_rfc3339(s.end) +
               (s.late_margin.count() ? " (plus " + std::to_string(s.late_margin.count()) + " s for late events)" : "") +
               ", which is not yet past: its events are not all in. Export it later, or pass --allow-partial-day for "
               "a report without a manifest");
  if (s.source_url.empty() == s.source_file.empty())
    return bad("name exactly one event source: --source-url URL or --source-file PATH|-");

  export_request req;
  req.tenant = s.tenant;
  req.start = s.start;
  req.end = s.end;
  req.bucket = s.bucket;
  auto packing = compression_of(s);
  if (!packing) return packing.error();
  req.compression = *packing;
  auto key = object_key(s.prefix, s.key_template, s.tenant, s.start, s.end);
  if (!key) return key.error();
  req.base_key = std::move(*key);
  req.key = report_key(req.base_key, packing->codec);
  if (req.key.size() > 1024) return error{errc::bad_key_template, "the object key is longer than S3's 1024 bytes"};
  req.skip_bad_events = s.skip_bad_events;
  req.check_size = s.check_size;
  req.partial = partial;
  req.csv.formula_guard = s.formula_guard;

  if (!s.source_url.empty()) {
    auto url = io::parse_endpoint(s.source_url);
    if (!url) return error{url.error().code, "source URL '" + io::printable_url(s.source_url) + "': " + url.error().message};
    source::http_source_settings h;
    h.source.url = *url;
    h.source.tenant = s.tenant;
    h.source.token = s.source_token;
    h.source.limit = s.page_limit;
    h.source.backoff = s.source_backoff;
    h.source.page_deadline = s.page_deadline;
    h.page_memory = page_body_memory(s);
    h.start = s.start;
    h.end = s.end;
    h.concurrency = s.source_concurrency;
    h.max_pages = pages_for(s.source_concurrency);
    h.skip_bad_events = s.skip_bad_events;
    req.http_source = std::move(h);
  } else {
    req.source_file = s.source_file;
  }

  // The source's pages and the compressor come first; the part buffers get the rest, and need
  // room for two parts (one filled while one uploads).
  const auto pages = source_memory(s);
  const auto compressor = compressor_memory(*packing);
  auto parts = s.parts;
  parts.memory_budget = s.parts.memory_budget > pages + compressor ? s.parts.memory_budget - pages - compressor : 0;
  auto policy = s3::part_size_policy::make(parts);
  if (!policy && parts.memory_budget < 2 * parts.part_size)
    return bad("--max-memory " + format_byte_size(s.parts.memory_budget) + " leaves " +
               (parts.memory_budget ? format_byte_size(parts.memory_budget) : std::string("nothing")) +
               " for part buffers after " + format_byte_size(pages) + " for the event source's pages (--source-concurrency " +
               std::to_string(s.source_concurrency) + ", --page-limit " + std::to_string(s.page_limit) + ")" +
               (compressor ? " and " + format_byte_size(compressor) + " for the " + std::string(to_string(packing->codec)) +
                                 " compressor (level " + std::to_string(packing->level) + ")"
                           : std::string()) +
               ", less than two parts of --part-size " + format_byte_size(parts.part_size) +
               "; raise --max-memory to at least " + format_byte_size(pages + compressor + 2 * parts.part_size) +
               ", or lower --page-limit, --source-concurrency or --part-size");
  if (!policy) return policy.error();
  req.policy = *policy;
  req.upload = s3::make_upload_options(s.payload, s.checksum, s3_over_tls);
  req.upload.object_headers.push_back({"content-type", std::string(content_type(packing->codec))});
  return req;
}

} // namespace secexport::exporter

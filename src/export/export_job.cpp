#include "export/export_job.hpp"

#include "base/json_text.hpp"
#include "base/log.hpp"
#include "export/error.hpp"
#include "export/object_key.hpp"
#include "export/producer.hpp"
#include "export/source_runner.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <simdjson.h>

#include <algorithm>

namespace secexport::exporter {

namespace net = boost::asio;

namespace {

// (Brace lists outside the coroutines: GCC 12 miscompiles them inside coroutine frames.)
std::vector<auth::header_field> json_headers() { return {{"content-type", "application/json"}}; }

void warn_stale_report(const std::string& what, const std::string& url, const std::string& reason) {
  log_warn("cannot remove the report an earlier run wrote with another codec; the manifest names the current one",
           {{"export", what}, {"object", url}, {"reason", reason}});
}

sys_us now_us() { return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()); }

} // namespace

manifest make_manifest(const export_request& request, const std::string& source_name, const export_stats& s,
                       sys_us started_at) {
  manifest m;
  m.tenant = request.tenant;
  m.window_start = request.start;
  m.window_end = request.end;
  m.bucket = request.bucket;
  m.key = request.key;
  m.source = source_name;
  m.started_at = started_at;
  m.rows = s.report.rows;
  m.compression = request.compression;
  m.csv_bytes = s.csv_bytes;
  m.bytes = s.bytes;
  m.sha256_hex = s.sha256_hex;
  m.etag = s.upload.etag;
  m.parts = s.upload.parts;
  m.pages = s.source.pages;
  m.events_read = s.source.events;
  m.source_requests = s.source.requests;
  m.source_retries = s.source_retries;
  m.duplicates_dropped = s.order.duplicates;
  m.outside_window_dropped = s.order.outside_window;
  m.outside_request_dropped = s.order.outside_request;
  m.bad_events_skipped = s.source.bad_events;
  m.invalid_utf8_replaced = s.source.invalid_utf8 + s.report.replaced_escapes;
  m.upload_retries = s.upload_retries;
  m.integrity = s.upload.integrity;
  m.leftover_found = s.leftovers.found;
  m.leftover_aborted = s.leftovers.aborted;
  m.leftover_left = s.leftovers.left;
  return m;
}

export_job::export_job(s3::s3_client& s3, export_request request)
    : s3_(s3.context(), s3.settings(), s3.credentials(), &upload_retries_), request_(std::move(request)) {}

export_job::~export_job() = default;

std::string export_job::describe() const {
  if (is_one_utc_day(request_.start, request_.end))
    return "tenant " + request_.tenant + ", " + format_iso_day(std::chrono::floor<std::chrono::days>(request_.start));
  return "tenant " + request_.tenant + ", " + format_rfc3339(request_.start) + ".." + format_rfc3339(request_.end);
}

void export_job::cancel(std::string reason) {
  cancelled_ = reason;
  if (upload_) upload_->cancel(reason);
  if (source_) source_->stop();
}

export_result export_job::fail(export_result& r, error e) {
  r.ok = false;
  e.message = "export of " + describe() + " failed: " + e.message;
  r.error = std::move(e);
  return r;
}

net::awaitable<std::optional<error>> export_job::remove_previous_manifest(const std::string& key) {
  auto del = co_await s3_.delete_object(request_.bucket, key);
  if (del.ok() || del.error.is(auth::service_errc::no_such_key)) co_return std::nullopt;
  error e{errc::previous_manifest, "cannot remove the previous manifest " + s3::s3_client::url(request_.bucket, key) +
                                       ": " + del.error.describe()};
  if (del.error.is(auth::service_errc::access_denied)) e.message += " (the bucket policy must allow s3:DeleteObject)";
  co_return e;
}

std::string leftover_uploads::advice() const {
  std::string s = std::to_string(left) + " multipart upload" + (left == 1 ? "" : "s") +
                  " of this report left by an earlier run could not be aborted; their parts stay in the bucket, "
                  "invisible but billed";
  s += "; grant s3:ListBucketMultipartUploads and s3:AbortMultipartUpload (the optional statement of `secexport "
       "tenant policy`) or add a lifecycle rule with AbortIncompleteMultipartUpload";
  return s;
}

net::awaitable<leftover_uploads> export_job::clean_leftovers() {
  leftover_uploads out;
  // This day's report under any codec (an earlier run may have used another): the base key
  // is a prefix of each, and only those exact keys count, never another report's upload.
  std::vector<std::pair<std::string, std::string>> uploads; // key, upload ID
  auto is_this_report = [this](std::string_view key) {
    for (auto c : all_codecs)
      if (key == report_key(request_.base_key, c)) return true;
    return false;
  };
  auto listed = co_await s3_.list_multipart_uploads(request_.bucket, request_.base_key);
  if (listed.ok()) {
    if (auto found = s3::parse_list_uploads(listed.body))
      for (const auto& u : *found)
        if (is_this_report(u.key)) uploads.emplace_back(u.key, u.upload_id);
  } else {
    out.list_denied = true;
    log_debug("cannot list multipart uploads; looking for a recorded one only",
              {{"object", s3::s3_client::url(request_.bucket, request_.key)}, {"reason", listed.error.describe()}});
  }
  const auto marker = upload_marker_key(request_.base_key);
  auto recorded = co_await s3_.get_object(request_.bucket, marker);
  if (recorded.ok()) {
    simdjson::dom::parser parser;
    std::string_view id;
    std::string_view key = request_.key; // records written before compression existed name no other
    auto doc = parser.parse(recorded.body).get_object();
    std::string_view recorded_key;
    if (!doc["key"].get(recorded_key)) key = recorded_key;
    if (!doc["upload_id"].get(id) && is_this_report(key) &&
        std::find_if(uploads.begin(), uploads.end(), [&](const auto& u) { return u.second == id; }) == uploads.end())
      uploads.emplace_back(std::string(key), std::string(id));
  }
  for (const auto& [key, id] : uploads) {
    auto aborted = co_await s3_.abort_multipart_upload(request_.bucket, key, id);
    if (aborted.error.is(auth::service_errc::no_such_upload)) continue; // completed or cleaned up since
    ++out.found;
    if (aborted.ok()) ++out.aborted;
    else ++out.left;
  }
  // The record has served (the upload aborted, or counted now): counted once, not again.
  if (recorded.ok()) (void)co_await s3_.delete_object(request_.bucket, marker);
  if (out.aborted)
    log_info("aborted multipart uploads an earlier run left behind",
             {{"export", describe()}, {"count", out.aborted}});
  if (out.left) log_warn("multipart uploads left behind by an earlier run", {{"export", describe()}, {"detail", out.advice()}});
  co_return out;
}

net::awaitable<std::optional<error>> export_job::record_upload(const std::string& upload_id) {
  std::string json = "{\"upload_id\": \"";
  append_json_escaped(json, upload_id);
  json += "\", \"key\": \"";
  append_json_escaped(json, request_.key);
  json += "\", \"started_at\": \"" + format_rfc3339_ms(now_us()) + "\", \"exporter\": \"secexport " SECEXPORT_VERSION "\"}\n";
  const auto marker = upload_marker_key(request_.base_key);
  auto put = co_await s3_.put_object(request_.bucket, marker, {json.data(), json.size()}, s3::small_body_protection(json),
                                     json_headers());
  if (put.ok()) co_return std::nullopt;
  co_return error{errc::failed, "cannot record the multipart upload in " + s3::s3_client::url(request_.bucket, marker) +
                                    ": " + put.error.describe()};
}

net::awaitable<void> export_job::remove_other_codecs() {
  // A rerun with another codec writes another key (.csv -> .csv.gz): the earlier report, whose
  // manifest this export replaced, must not stay beside the new one looking like a second
  // complete report. Removed only now that the new report is complete (and its manifest
  // written), so a failed rerun never loses the earlier report. DeleteObject of a key that is
  // not there succeeds, so this costs two requests and needs no listing.
  for (auto c : all_codecs) {
    if (c == request_.compression.codec) continue;
    const auto key = report_key(request_.base_key, c);
    auto del = co_await s3_.delete_object(request_.bucket, key);
    if (!del.ok() && !del.error.is(auth::service_errc::no_such_key))
      warn_stale_report(describe(), s3::s3_client::url(request_.bucket, key), del.error.describe());
  }
}

net::awaitable<bool> export_job::write_manifest(export_result& r) {
  auto& m = r.written;
  // The report must be in S3 with exactly the bytes sent before the manifest vouches for it.
  if (!request_.check_size) co_return co_await put_manifest(r);
  auto head = co_await s3_.head_object(request_.bucket, request_.key);
  if (!head.ok()) {
    r.error = {errc::report_check, "cannot check the uploaded report " + s3::s3_client::url(request_.bucket, request_.key) +
                                       ": " + head.error.describe() + "; no manifest was written"};
    co_return false;
  }
  if (head.header("Content-Length") != std::to_string(m.bytes)) {
    r.error = {errc::report_check, "the report " + s3::s3_client::url(request_.bucket, request_.key) + " has " +
                                       std::string(head.header("Content-Length")) + " bytes in S3 but " +
                                       std::to_string(m.bytes) + " were sent; no manifest was written"};
    co_return false;
  }
  if (m.etag.empty()) m.etag = std::string(head.header("ETag")); // radosgw's Complete has none
  co_return co_await put_manifest(r);
}

net::awaitable<bool> export_job::put_manifest(export_result& r) {
  auto& m = r.written;
  m.finished_at = now_us();
  m.seconds = std::chrono::duration<double>(m.finished_at - m.started_at).count();
  m.upload_retries = upload_retries_.total(); // the report's upload and the check before this
  auto json = m.to_json();
  std::span<const char> body(json.data(), json.size());
  auto put = co_await s3_.put_object(request_.bucket, r.manifest_key, body, s3::small_body_protection(json),
                                     json_headers());
  if (!put.ok()) {
    r.error = {errc::manifest_write, "the report is complete but its manifest " +
                                         s3::s3_client::url(request_.bucket, r.manifest_key) +
                                         " could not be written: " + put.error.describe() +
                                         "; the window counts as not exported"};
    co_return false;
  }
  co_return true;
}

net::awaitable<export_result> export_job::run() {
  export_result r;
  r.manifest_key = manifest_key(request_.base_key);
  const auto started_at = now_us();
  r.written = make_manifest(request_, {}, r.stats, started_at);

  auto executor = co_await net::this_coro::executor;
  const auto& policy = request_.policy;
  // Destruction order: the producer thread, the source's thread and every handler are done
  // before these go.
  s3::part_buffer_pool pool(policy.settings().memory_budget, policy.buffers_needed());
  s3::multipart_upload upload(s3_, request_.bucket, request_.key, request_.upload, pool, policy);

  source_spec spec{request_.http_source, request_.source_file, request_.skip_bad_events, s3_.context().tls(),
                   s3_.context().http_options()};
  std::unique_ptr<source_runner> source;
  try {
    source = std::make_unique<source_runner>(spec, executor, source_retries_);
  } catch (const failure& e) {
    co_return fail(r, e.to_error());
  }
  r.stats.leftovers = co_await clean_leftovers();
  s3::upload_hooks hooks;
  hooks.before_commit = [this, key = r.manifest_key]() { return remove_previous_manifest(key); };
  hooks.created = [this](const std::string& upload_id) { return record_upload(upload_id); };
  upload.set_hooks(std::move(hooks));
  upload_ = &upload;
  source_ = source.get();
  if (cancelled_) upload.cancel(*cancelled_);

  source::event_order order(request_.start, request_.end);
  export_progress progress(describe(), request_.start, request_.end);
  progress_board::entry on_board(progress_board::process(), progress);
  producer rows(pool, policy, upload, source->pages(), order, request_.csv, request_.compression, &progress);
  rows.start(executor);

  r.stats.upload = co_await upload.run();
  rows.stop();
  source->stop(); // done already, or no longer needed
  co_await rows.join();
  co_await source->finish();
  // Handlers posted to this executor before this point run before the upload goes away.
  co_await net::post(executor, net::use_awaitable);
  upload_ = nullptr;
  source_ = nullptr;

  auto produced = rows.result();
  r.stats.source = source->stats();
  r.stats.order = order.stats();
  r.stats.report = produced.report;
  r.stats.bytes = produced.bytes;
  r.stats.csv_bytes = produced.csv_bytes;
  r.stats.sha256_hex = produced.sha256_hex;
  r.stats.source_retries = source_retries_.total();
  r.stats.upload_retries = upload_retries_.total();
  r.written = make_manifest(request_, source->name(), r.stats, started_at);
  // The upload is over (completed or aborted): its record goes; an upload left behind keeps
  // it, so the next run finds and counts it.
  if (!r.stats.upload.upload_id.empty() && !r.stats.upload.left_behind)
    (void)co_await s3_.delete_object(request_.bucket, upload_marker_key(request_.base_key));

  if (!r.stats.upload.ok) {
    r.cleanup = r.stats.upload.cleanup;
    co_return fail(r, r.stats.upload.error);
  }
  if (request_.partial) {
    r.manifest_key.clear(); // a partial day must not look exported: the daily job will redo it
    log_warn("the window has not ended: the report is partial and has no manifest", {{"export", describe()}});
  } else if (!co_await write_manifest(r)) {
    co_return fail(r, r.error);
  }
  co_await remove_other_codecs();
  for (auto [count, what] : {std::pair{r.stats.order.outside_window, "events outside the window were dropped"},
                             std::pair{r.stats.order.outside_request, "events outside the requested range were dropped"},
                             std::pair{r.stats.order.duplicates, "repeated events were written once"},
                             std::pair{r.stats.source.bad_events, "unusable events were skipped"},
                             std::pair{r.written.invalid_utf8_replaced, "invalid UTF-8 sequences were replaced by U+FFFD"}})
    if (count) log_warn(what, {{"export", describe()}, {"count", count}});
  r.ok = true;
  co_return r;
}

} // namespace secexport::exporter

#include "export/export_job.hpp"

#include "base/log.hpp"
#include "export/error.hpp"
#include "export/object_key.hpp"
#include "export/producer.hpp"
#include "export/source_runner.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace secexport::exporter {

namespace net = boost::asio;

namespace {

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

net::awaitable<bool> export_job::remove_previous_manifest(export_result& r) {
  auto del = co_await s3_.delete_object(request_.bucket, r.manifest_key);
  if (del.ok() || del.error.is(auth::service_errc::no_such_key)) co_return true;
  r.error = {errc::previous_manifest, "cannot remove the previous manifest " +
                                          s3::s3_client::url(request_.bucket, r.manifest_key) + ": " +
                                          del.error.describe()};
  if (del.error.is(auth::service_errc::access_denied))
    r.error.message += " (the bucket policy must allow s3:DeleteObject)";
  co_return false;
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
  s3::payload_protection protection;
  protection.sha256_hex = to_hex(sha256_of(json));
  std::vector<auth::header_field> headers{{"content-type", "application/json"}};
  std::span<const char> body(json.data(), json.size());
  auto put = co_await s3_.put_object(request_.bucket, r.manifest_key, body, protection, std::move(headers));
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
  r.manifest_key = manifest_key(request_.key);
  const auto started_at = now_us();
  r.written = make_manifest(request_, {}, r.stats, started_at);

  if (!co_await remove_previous_manifest(r)) co_return fail(r, r.error);

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
  upload_ = &upload;
  source_ = source.get();
  if (cancelled_) upload.cancel(*cancelled_);

  source::event_order order(request_.start, request_.end);
  producer rows(pool, policy, upload, source->pages(), order, request_.csv);
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
  r.stats.sha256_hex = produced.sha256_hex;
  r.stats.source_retries = source_retries_.total();
  r.stats.upload_retries = upload_retries_.total();
  r.written = make_manifest(request_, source->name(), r.stats, started_at);

  if (!r.stats.upload.ok) {
    r.cleanup = r.stats.upload.cleanup;
    co_return fail(r, r.stats.upload.error);
  }
  if (!co_await write_manifest(r)) co_return fail(r, r.error);
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

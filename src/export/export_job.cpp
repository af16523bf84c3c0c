#include "export/export_job.hpp"

#include "base/log.hpp"
#include "export/object_key.hpp"
#include "io/file_page_source.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <pthread.h>

#include <thread>

namespace secexport::exporter {

namespace net = boost::asio;

namespace {

sys_us now_us() { return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()); }

// A one-shot signal from any thread to a coroutine on `executor`.
class completion {
public:
  explicit completion(net::any_io_executor executor) : executor_(executor), timer_(executor) {
    timer_.expires_at(net::steady_timer::time_point::max());
  }
  void signal() {
    net::post(executor_, [this] {
      done_ = true;
      timer_.cancel();
    });
  }
  net::awaitable<void> wait() {
    while (!done_) co_await timer_.async_wait(net::as_tuple(net::use_awaitable));
  }

private:
  net::any_io_executor executor_;
  net::steady_timer timer_;
  bool done_ = false;
};

} // namespace

export_job::export_job(s3::s3_client& s3, export_request request) : s3_(s3), request_(std::move(request)) {}

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

net::awaitable<bool> export_job::remove_previous_manifest(export_result& r) {
  auto del = co_await s3_.delete_object(request_.bucket, r.manifest_key);
  if (del.ok() || del.error.code == "NoSuchKey") co_return true;
  r.error = "cannot remove the previous manifest " + s3::s3_client::url(request_.bucket, r.manifest_key) + ": " +
            del.error.describe();
  if (del.error.code == "AccessDenied") r.error += " (the bucket policy must allow s3:DeleteObject)";
  co_return false;
}

net::awaitable<bool> export_job::write_manifest(export_result& r) {
  auto& m = r.written;
  // The report must be in S3 with exactly the bytes sent before the manifest vouches for it.
  if (!request_.check_size) co_return co_await put_manifest(r);
  auto head = co_await s3_.head_object(request_.bucket, request_.key);
  if (!head.ok()) {
    r.error = "cannot check the uploaded report " + s3::s3_client::url(request_.bucket, request_.key) + ": " +
              head.error.describe() + "; no manifest was written";
    co_return false;
  }
  if (head.header("Content-Length") != std::to_string(m.bytes)) {
    r.error = "the report " + s3::s3_client::url(request_.bucket, request_.key) + " has " +
              std::string(head.header("Content-Length")) + " bytes in S3 but " + std::to_string(m.bytes) +
              " were sent; no manifest was written";
    co_return false;
  }
  if (m.etag.empty()) m.etag = std::string(head.header("ETag")); // radosgw's Complete has none
  co_return co_await put_manifest(r);
}

net::awaitable<bool> export_job::put_manifest(export_result& r) {
  auto& m = r.written;
  m.finished_at = now_us();
  m.seconds = std::chrono::duration<double>(m.finished_at - m.started_at).count();
  auto json = m.to_json();
  s3::payload_protection protection;
  protection.sha256_hex = auth::to_hex(auth::sha256_of(json));
  std::vector<auth::header_field> headers{{"content-type", "application/json"}};
  std::span<const char> body(json.data(), json.size());
  auto put = co_await s3_.put_object(request_.bucket, r.manifest_key, body, protection, std::move(headers));
  if (!put.ok()) {
    r.error = "the report is complete but its manifest " + s3::s3_client::url(request_.bucket, r.manifest_key) +
              " could not be written: " + put.error.describe() + "; the window counts as not exported";
    co_return false;
  }
  co_return true;
}

net::awaitable<export_result> export_job::run() {
  export_result r;
  r.manifest_key = manifest_key(request_.key);
  auto& m = r.written;
  m.tenant = request_.tenant;
  m.window_start = request_.start;
  m.window_end = request_.end;
  m.bucket = request_.bucket;
  m.key = request_.key;
  m.started_at = now_us();
  auto fail = [&](std::string why) {
    r.ok = false;
    r.error = "export of " + describe() + " failed: " + why;
    return r;
  };

  if (!co_await remove_previous_manifest(r)) co_return fail(r.error);

  auto executor = co_await net::this_coro::executor;
  auto& context = s3_.context();
  const auto& policy = request_.policy;
  // Destruction order: the producer thread and every handler are done before these go.
  s3::part_buffer_pool pool(policy.settings().memory_budget, policy.buffers_needed());
  s3::multipart_upload upload(s3_, request_.bucket, request_.key, request_.upload, pool, policy);
  upload_ = &upload;

  // The HTTP source gets its own I/O thread: receiving and decrypting pages, and encrypting
  // and sending parts, then use both cores. Everything of the source lives on that thread;
  // the two meet only in the source's thread-safe next()/release()/stop().
  std::unique_ptr<io::page_source> source;
  std::optional<net::io_context> source_ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> source_work;
  std::unique_ptr<io::http_client> source_http;
  std::unique_ptr<io::http_page_source> http_source;
  std::thread source_thread;
  std::optional<completion> source_done;
  int file_fd = -1;
  if (request_.http_source) {
    auto settings = *request_.http_source;
    settings.start = request_.start;
    settings.end = request_.end;
    m.source = settings.source.url.url();
    source_ioc.emplace(1);
    source_work.emplace(source_ioc->get_executor());
    source_http = std::make_unique<io::http_client>(source_ioc->get_executor(), settings.source.url,
                                                    settings.source.url.tls ? context.tls() : nullptr,
                                                    context.http_options());
    http_source = std::make_unique<io::http_page_source>(source_ioc->get_executor(), *source_http,
                                                         context.budget(), settings);
    source_done.emplace(executor);
    net::co_spawn(*source_ioc, http_source->run(), [&](std::exception_ptr) { source_done->signal(); });
    source_thread = std::thread([&] {
      ::pthread_setname_np(::pthread_self(), "se-source");
      source_ioc->run();
    });
    source_ = http_source.get();
  } else {
    m.source = request_.source_file == "-" ? "stdin" : request_.source_file;
    try {
      file_fd = io::open_input(request_.source_file);
    } catch (const std::system_error& e) {
      upload_ = nullptr;
      co_return fail(e.what());
    }
    source = std::make_unique<io::file_page_source>(file_fd, m.source, request_.skip_bad_events);
    source_ = source.get();
  }
  if (cancelled_) upload.cancel(*cancelled_);

  io::event_order order(request_.start, request_.end);
  auth::sha256 object_hash;
  std::uint64_t bytes = 0;
  report_stats report{};
  std::atomic<bool> stopping{false};
  completion producer_done(executor);
  const s3::part_hashing hashing{request_.upload.signed_payload, request_.upload.crc32c};
  std::thread producer([&] {
    ::pthread_setname_np(::pthread_self(), "se-producer");
    try {
      s3::part_writer writer(pool, policy, upload, hashing, &object_hash);
      report_writer rows(writer, request_.csv, order);
      bool ok = rows.write_header();
      while (ok) {
        io::page* p = source_->next();
        if (!p) break;
        ok = rows.write(*p);
        source_->release(p);
      }
      if (ok && !stopping) writer.finish();
      bytes = writer.bytes();
      report = rows.stats();
    } catch (const io::source_error& e) {
      upload.fail_input(e.what());
    } catch (const std::exception& e) {
      upload.fail_input(std::string("encoding the report failed: ") + e.what());
    }
    producer_done.signal();
  });

  r.upload = co_await upload.run();
  stopping = true;
  source_->stop(); // done already, or no longer needed
  co_await producer_done.wait();
  producer.join();
  if (source_done) co_await source_done->wait();
  if (source_thread.joinable()) { // its last handlers (stop(), release()) run before it ends
    source_work.reset();
    source_thread.join();
  }
  // Handlers posted to this executor before this point run before the upload goes away.
  co_await net::post(executor, net::use_awaitable);
  upload_ = nullptr;
  r.source = source_->stats();
  source_ = nullptr;
  if (file_fd > 2) ::close(file_fd);
  r.order = order.stats();
  r.report = report;

  m.rows = report.rows;
  m.bytes = bytes;
  m.sha256_hex = auth::to_hex(object_hash.finish());
  m.etag = r.upload.etag;
  m.parts = r.upload.parts;
  m.pages = r.source.pages;
  m.events_read = r.source.events;
  m.source_requests = r.source.requests;
  m.source_retries = r.source.retries;
  m.duplicates_dropped = r.order.duplicates;
  m.outside_window_dropped = r.order.outside_window;
  m.outside_request_dropped = r.order.outside_request;
  m.bad_events_skipped = r.source.bad_events;
  m.invalid_utf8_replaced = r.source.invalid_utf8 + report.replaced_escapes;
  m.upload_retries = context.retries();

  if (!r.upload.ok) {
    r.cleanup = r.upload.cleanup;
    co_return fail(r.upload.error);
  }
  if (!co_await write_manifest(r)) co_return fail(r.error);
  for (auto [count, what] : {std::pair{r.order.outside_window, "events outside the window were dropped"},
                             std::pair{r.order.outside_request, "events outside the requested range were dropped"},
                             std::pair{r.order.duplicates, "repeated events were written once"},
                             std::pair{r.source.bad_events, "unusable events were skipped"},
                             std::pair{m.invalid_utf8_replaced, "invalid UTF-8 sequences were replaced by U+FFFD"}})
    if (count) log_warn(what, {{"export", describe()}, {"count", count}});
  r.ok = true;
  co_return r;
}

} // namespace secexport::exporter

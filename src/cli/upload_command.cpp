// `secexport upload SOURCE s3://BUCKET/KEY`: streams a file or stdin into S3, the way
// `aws s3 cp - s3://bucket/key` does, with a bounded memory budget.
//
// Threads: this thread runs the io_context (all network I/O); a producer thread reads the
// input into part buffers, hashing as it goes, and blocks when the budget is in use.
#include "base/byte_size.hpp"
#include "base/fd_reader.hpp"
#include "base/log.hpp"
#include "cli/commands.hpp"
#include "base/json_writer.hpp"
#include "cli/common_options.hpp"
#include "cli/progress_line.hpp"
#include "s3/error.hpp"
#include "s3/multipart_upload.hpp"
#include "s3/part_size_policy.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <atomic>
#include <thread>

#include <sys/stat.h>

namespace secexport::cli {

namespace net = boost::asio;

namespace {

constexpr std::size_t read_size = 256 * 1024; // each read is hashed while it is in cache

struct upload_args {
  std::string source;
  std::string destination;
  std::string content_type;
  aws_flags aws;
  transfer_flags transfer;
  output_format output = output_format::text;
  progress_flags progress;
};

std::string summary_json(const s3::upload_result& r, const std::string& bucket, const std::string& key,
                         double seconds, std::uint64_t retries) {
  json_writer w;
  w.begin_object().member("status", "ok").member("object", s3::s3_client::url(bucket, key));
  w.member("bucket", bucket).member("key", key).member("bytes", r.bytes).member("parts", r.parts);
  w.member("method", r.upload_id.empty() ? "PutObject" : "multipart").member("seconds", seconds);
  w.member("megabytes_per_second", seconds > 0 ? static_cast<double>(r.bytes) / 1e6 / seconds : 0.0);
  w.member("retries", retries).member("integrity", r.integrity).end_object();
  return std::move(w).take() + "\n";
}

int run_upload(const upload_args& a, const CLI::App& app) {
  auto [bucket, key] = parse_s3_url(a.destination);
  const bool draw_progress = a.progress.apply(app);
  const auto policy = s3::part_size_policy::make(a.transfer.parts()).value();

  int fd = -1;
  try {
    fd = open_input(a.source);
  } catch (const std::system_error& e) {
    throw usage_error(e.what());
  }
  fd_reader reader(fd);
  std::uint64_t input_size = 0; // known for a regular file: the progress line shows a fraction
  if (struct stat st {}; ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) input_size = static_cast<std::uint64_t>(st.st_size);
  std::atomic<std::uint64_t> bytes_read{0};

  // Destruction order matters: the io_context (and any handler still holding a part) goes
  // before the pool its buffers return to.
  s3::part_buffer_pool pool(policy.settings().memory_budget, policy.buffers_needed());
  net::io_context ioc(1);
  io::retry_counters retries;
  auto session = open_session(ioc.get_executor(), a.aws);
  s3::s3_client s3(*session.context, session.s3->settings(), session.credentials, &retries);
  auto options = s3::make_upload_options(a.transfer.payload_mode(), a.transfer.checksum_mode(), session.s3_over_tls());
  if (!a.content_type.empty()) options.object_headers.push_back({"content-type", a.content_type});
  s3::multipart_upload upload(s3, bucket, key, options, pool, policy);
  const s3::part_hashing hashing{options.signed_payload, options.crc32c};

  log_debug("upload starting", {{"object", s3::s3_client::url(bucket, key)},
                                {"payload", options.signed_payload ? "signed" : "unsigned"},
                                {"checksum", options.crc32c ? "crc32c" : "none"},
                                {"part_size", policy.settings().part_size},
                                {"max_memory", policy.settings().memory_budget}});
  const auto start = std::chrono::steady_clock::now();
  std::thread producer([&] {
    s3::part_writer writer(pool, policy, upload, hashing);
    try {
      for (;;) {
        auto w = writer.window(read_size);
        if (w.empty()) return; // the upload failed; it says why
        auto n = reader.read_some(w);
        if (n == 0) {
          writer.finish();
          return;
        }
        writer.commit(n);
        bytes_read.fetch_add(n, std::memory_order_relaxed);
      }
    } catch (const std::system_error& e) {
      if (e.code().value() != ECANCELED)
        upload.fail_input({secexport::errc::unreadable_file,
                           "reading " + (a.source == "-" ? std::string("stdin") : a.source) + " failed: " + e.what()});
    } catch (const std::exception& e) {
      upload.fail_input({secexport::errc::unreadable_file, std::string("reading the input failed: ") + e.what()});
    }
  });

  s3::upload_result result;
  std::exception_ptr crashed;
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  int signalled = 0;
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (!ec) signalled = sig;
    if (ec) return;
    upload.cancel(sig == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)");
    reader.interrupt();
  });
  net::co_spawn(
      ioc,
      [&]() -> net::awaitable<void> {
        result = co_await upload.run();
        signals.cancel();
        session.context->close_idle();
      },
      [&](std::exception_ptr e) { crashed = e; });
  {
    progress_line line(draw_progress, [&] {
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      return upload_progress_text(bytes_read.load(std::memory_order_relaxed), input_size, s);
    });
    ioc.run();
  }
  reader.interrupt();
  producer.join();
  if (crashed) std::rethrow_exception(crashed);

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!result.ok) {
    std::string message = result.error.message;
    if (!result.cleanup.empty()) message += "\n  " + result.cleanup;
    if (signalled) throw interrupted(signalled, message);
    // A read error is the input's fault, but not bad usage: the upload failed (exit 1).
    throw failure(result.error.is(condition::bad_input) ? make_error_code(s3::errc::upload_failed) : result.error.code,
                  message);
  }
  if (a.output == output_format::json) {
    std::fputs(summary_json(result, bucket, key, seconds, retries.total()).c_str(), stdout);
    return exit_ok;
  }
  std::printf("uploaded %llu bytes to %s in %u part%s (%s), %.2f s, %s, %llu retries, integrity %s\n",
              static_cast<unsigned long long>(result.bytes), s3::s3_client::url(bucket, key).c_str(),
              result.parts, result.parts == 1 ? "" : "s", result.upload_id.empty() ? "PutObject" : "multipart",
              seconds, format_rate(result.bytes, seconds).c_str(),
              static_cast<unsigned long long>(retries.total()), result.integrity.c_str());
  return exit_ok;
}

} // namespace

command add_upload_command(CLI::App& parent) {
  auto args = std::make_shared<upload_args>();
  auto* app = parent.add_subcommand(
      "upload",
      "Stream a file or stdin into S3 (like `aws s3 cp - s3://bucket/key`). Small inputs become one "
      "PutObject; larger ones a multipart upload with parts in flight concurrently, memory bounded "
      "by --max-memory. A failed multipart upload is aborted (if the policy allows "
      "s3:AbortMultipartUpload; otherwise the error names the upload ID).");
  app->add_option("source", args->source, "File to upload, or - for stdin")->required();
  app->add_option("destination", args->destination, "s3://BUCKET/KEY")->required();
  app->add_option("--content-type", args->content_type, "Content-Type of the object");
  args->aws.add_to(*app);
  args->transfer.add_to(*app);
  add_output_option(*app, args->output, "the summary: object, bytes, parts, seconds, retries, integrity");
  args->progress.add_to(*app);
  return {app, [args, app] { return run_upload(*args, *app); }};
}

} // namespace secexport::cli

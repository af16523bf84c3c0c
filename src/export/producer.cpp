#include "export/producer.hpp"

#include "export/error.hpp"
#include "s3/part_writer.hpp"

#include <pthread.h>

namespace secexport::exporter {

namespace net = boost::asio;

producer::producer(s3::part_buffer_pool& pool, const s3::part_size_policy& policy, s3::multipart_upload& upload,
                   source::page_source& pages, source::event_order& order, csv::row_encoder_options csv,
                   compression codec, export_progress* progress)
    : pool_(pool), policy_(policy), upload_(upload), pages_(pages), order_(order), csv_(csv), codec_(codec),
      progress_(progress) {}

producer::~producer() {
  if (thread_.joinable()) thread_.join(); // join() was not awaited: the upload failed, the pool is closed
}

void producer::start(net::any_io_executor done) {
  done_.emplace(done);
  thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "se-producer");
    work();
    done_->signal();
  });
}

net::awaitable<void> producer::join() {
  co_await done_->wait();
  thread_.join();
}

template <class Out> bool producer::write_rows(Out& out) {
  report_writer<Out> rows(out, csv_, order_);
  bool ok = rows.write_header();
  while (ok) {
    source::page* p = pages_.next();
    if (!p) break;
    ok = rows.write(*p);
    pages_.release(p);
    if (progress_ && order_.last()) progress_->update(rows.stats().rows, out.bytes(), order_.last()->time);
  }
  result_.report = rows.stats();
  return ok;
}

void producer::work() {
  sha256 object_hash;
  try {
    const s3::part_hashing hashing{upload_.options().signed_payload, upload_.options().crc32c};
    s3::part_writer writer(pool_, policy_, upload_, hashing, &object_hash);
    if (codec_.codec == codec::none) {
      if (write_rows(writer) && !stopping_) writer.finish();
      result_.csv_bytes = writer.bytes();
    } else {
      compressing_writer compressor(writer, codec_);
      if (write_rows(compressor) && !stopping_) compressor.finish();
      result_.csv_bytes = compressor.bytes();
    }
    result_.bytes = writer.bytes();
  } catch (const failure& e) {
    upload_.fail_input(e.to_error());
  } catch (const std::exception& e) {
    upload_.fail_input({errc::failed, std::string("encoding the report failed: ") + e.what()});
  }
  result_.sha256_hex = to_hex(object_hash.finish());
}

} // namespace secexport::exporter

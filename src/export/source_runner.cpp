#include "export/source_runner.hpp"

#include "base/fd_reader.hpp"
#include "source/error.hpp"
#include "source/file_page_source.hpp"

#include <boost/asio/co_spawn.hpp>

#include <pthread.h>
#include <unistd.h>

namespace secexport::exporter {

namespace net = boost::asio;

source_runner::source_runner(const source_spec& spec, net::any_io_executor done, io::retry_counters& counters) {
  if (!spec.http) {
    name_ = spec.file == "-" ? "stdin" : spec.file;
    try {
      fd_ = open_input(spec.file);
    } catch (const std::system_error& e) {
      throw source::source_error(source::errc::read_failed, e.what());
    }
    pages_ = std::make_unique<source::file_page_source>(fd_, name_, spec.skip_bad_events);
    return;
  }
  const auto& settings = *spec.http;
  name_ = settings.source.url.url();
  ioc_.emplace(1);
  work_.emplace(ioc_->get_executor());
  http_ = std::make_unique<io::http_client>(ioc_->get_executor(), settings.source.url,
                                            settings.source.url.tls ? spec.tls : nullptr, spec.http_options);
  auto source = std::make_unique<source::http_page_source>(ioc_->get_executor(), *http_, clock_, &counters, settings);
  auto& run = *source;
  pages_ = std::move(source);
  done_.emplace(done);
  net::co_spawn(*ioc_, run.run(), [this](std::exception_ptr) { done_->signal(); });
  thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "se-source");
    ioc_->run();
  });
}

source_runner::~source_runner() {
  if (thread_.joinable()) { // finish() was not awaited (an exception): stop and wait here
    pages_->stop();
    work_.reset();
    thread_.join();
  }
  if (fd_ > 2) ::close(fd_);
}

net::awaitable<void> source_runner::finish() {
  if (done_) co_await done_->wait();
  if (thread_.joinable()) { // its last handlers (stop(), release()) run before it ends
    work_.reset();
    thread_.join();
  }
}

} // namespace secexport::exporter

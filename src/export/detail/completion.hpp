// A one-shot signal from any thread to a coroutine on one executor: the export's network
// thread waits with it for the producer thread and the source's I/O thread to finish.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace secexport::exporter::detail {

class completion {
public:
  explicit completion(boost::asio::any_io_executor executor) : executor_(executor), timer_(executor) {
    timer_.expires_at(boost::asio::steady_timer::time_point::max());
  }
  /// Any thread, once.
  void signal() {
    boost::asio::post(executor_, [this] {
      done_ = true;
      timer_.cancel();
    });
  }
  /// On the executor: returns once signal() has been called.
  boost::asio::awaitable<void> wait() {
    while (!done_) co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }

private:
  boost::asio::any_io_executor executor_;
  boost::asio::steady_timer timer_;
  bool done_ = false;
};

} // namespace secexport::exporter::detail

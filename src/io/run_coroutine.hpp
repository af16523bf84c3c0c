// Runs one coroutine on an io_context to completion from synchronous code (a command, a
// worker thread of the daily job) and returns its value, or rethrows its exception.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <optional>

namespace secexport::io {

/// `make()` returns the awaitable<T> to run. The io_context runs until nothing is left to do,
/// then is restarted for the next call.
template <class T, class F>
T run_to_completion(boost::asio::io_context& ioc, F make) {
  std::optional<T> value;
  std::exception_ptr error;
  boost::asio::co_spawn(ioc, make(), [&](std::exception_ptr e, T v) {
    if (e) error = e;
    else value = std::move(v);
  });
  ioc.run();
  ioc.restart();
  if (error) std::rethrow_exception(error);
  return std::move(*value);
}

} // namespace secexport::io

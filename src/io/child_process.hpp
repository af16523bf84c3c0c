// Runs a program and collects its standard output, without blocking the io_context: for
// `credential_process` (auth/process_provider.hpp), which may run while uploads are in flight.
//
// The program is started with posix_spawnp (PATH lookup, no shell) in its own process group,
// stdin from /dev/null, stdout into a pipe read asynchronously, stderr inherited (its
// messages reach the operator as they are). At most `max_output` bytes are read; more, or a
// run longer than `timeout`, kills the whole process group (SIGKILL) and says which. The child
// is always reaped. Completes on the caller's executor; the caller must not set SIGCHLD to
// SIG_IGN.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace secexport::io {

struct process_result {
  int spawn_errno = 0;        // posix_spawnp failed (ENOENT: no such program)
  bool exited = false;        // ended by exit(): `exit_status` holds its status
  int exit_status = 0;
  int signal = 0;             // killed by this signal (SIGKILL after a timeout or too much output)
  bool timed_out = false;
  bool output_too_large = false;
  std::string output;         // what it wrote to stdout (at most max_output bytes)

  [[nodiscard]] bool succeeded() const noexcept {
    return spawn_errno == 0 && exited && exit_status == 0 && !timed_out && !output_too_large;
  }
  /// "exit status 3", "killed by signal 9", "timed out after 60 s", ... for messages.
  [[nodiscard]] std::string describe(std::chrono::milliseconds timeout, std::size_t max_output) const;
};

[[nodiscard]] boost::asio::awaitable<process_result> run_process(std::vector<std::string> argv,
                                                                 std::size_t max_output,
                                                                 std::chrono::milliseconds timeout);

} // namespace secexport::io

// Blocking reads from a file descriptor (stdin, a pipe, a file) that another thread can
// interrupt: the producer thread of `upload` and of the NDJSON file source reads with it,
// and a signal handler or a failed upload stops it without waiting for the next byte.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <system_error>

namespace secexport {

class fd_reader {
public:
  /// Does not take ownership of `fd`.
  explicit fd_reader(int fd);
  ~fd_reader();
  fd_reader(const fd_reader&) = delete;
  fd_reader& operator=(const fd_reader&) = delete;

  /// Reads up to `out.size()` bytes; 0 at end of input. Throws std::system_error on a read
  /// error, and std::system_error(ECANCELED) once interrupted.
  std::size_t read_some(std::span<char> out);
  /// Reads until `out` is full or the input ends; returns the count.
  std::size_t read_full(std::span<char> out);
  /// Thread-safe: makes the current and every later read throw ECANCELED.
  void interrupt() noexcept;

private:
  int fd_;
  int wake_; // eventfd
};

/// Opens `path` for reading ("-" is stdin); throws std::system_error naming the path.
[[nodiscard]] int open_input(const std::string& path);

} // namespace secexport

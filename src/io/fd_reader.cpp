#include "io/fd_reader.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

namespace secexport::io {

fd_reader::fd_reader(int fd) : fd_(fd), wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (wake_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

fd_reader::~fd_reader() { ::close(wake_); }

void fd_reader::interrupt() noexcept {
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_, &one, sizeof one);
}

std::size_t fd_reader::read_some(std::span<char> out) {
  for (;;) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_, POLLIN, 0}};
    int r = ::poll(fds, 2, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "poll");
    }
    if (fds[1].revents) throw std::system_error(ECANCELED, std::generic_category(), "read interrupted");
    auto n = ::read(fd_, out.data(), out.size());
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR || errno == EAGAIN) continue;
    throw std::system_error(errno, std::generic_category(), "read");
  }
}

std::size_t fd_reader::read_full(std::span<char> out) {
  std::size_t total = 0;
  while (total < out.size()) {
    auto n = read_some(out.subspan(total));
    if (n == 0) break;
    total += n;
  }
  return total;
}

int open_input(const std::string& path) {
  if (path == "-") return STDIN_FILENO;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot open " + path);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return fd;
}

} // namespace secexport::io

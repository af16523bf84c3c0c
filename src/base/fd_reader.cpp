#include "base/fd_reader.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace secexport {

fd_reader::fd_reader(int fd) : fd_(fd), wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (wake_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  // A pipe holds 64 KiB by default, so the reader wakes (and polls and reads) every 64 KiB:
  // 16 times fewer wake-ups at 1 MiB, the most an unprivileged process may ask for. Best
  // effort: a smaller limit (/proc/sys/fs/pipe-max-size) leaves the pipe as it was.
  struct stat st{};
  if (::fstat(fd_, &st) == 0 && S_ISFIFO(st.st_mode)) ::fcntl(fd_, F_SETPIPE_SZ, 1 << 20);
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

} // namespace secexport

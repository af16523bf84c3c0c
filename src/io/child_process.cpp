#include "io/child_process.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace secexport::io {

namespace net = boost::asio;

std::string process_result::describe(std::chrono::milliseconds timeout, std::size_t max_output) const {
  if (spawn_errno) return std::string("could not be started: ") + std::strerror(spawn_errno);
  if (timed_out) return "did not finish within " + std::to_string(timeout.count() / 1000) + " s and was killed";
  if (output_too_large) return "wrote more than " + std::to_string(max_output) + " bytes to stdout and was killed";
  if (exited) return "ended with exit status " + std::to_string(exit_status);
  return "was killed by signal " + std::to_string(signal);
}

namespace {

// posix_spawn's attributes and file actions, destroyed on every path.
struct spawn_setup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attributes{};
  spawn_setup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
  }
  ~spawn_setup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
  spawn_setup(const spawn_setup&) = delete;
  spawn_setup& operator=(const spawn_setup&) = delete;
};

// Starts argv with stdout on `out_fd`; returns the pid, or -errno.
pid_t spawn(const std::vector<std::string>& argv, int out_fd) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  spawn_setup s;
  posix_spawn_file_actions_addopen(&s.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&s.actions, out_fd, STDOUT_FILENO);
  posix_spawnattr_setpgroup(&s.attributes, 0); // its own group: a timeout kills its children too
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  posix_spawnattr_setsigdefault(&s.attributes, &defaults);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&s.attributes, &none);
  posix_spawnattr_setflags(&s.attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &s.actions, &s.attributes, args.data(), environ);
  return rc == 0 ? pid : -rc;
}

void record_status(process_result& r, int status) {
  if (WIFEXITED(status)) {
    r.exited = true;
    r.exit_status = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.signal = WTERMSIG(status);
  }
}

} // namespace

net::awaitable<process_result> run_process(std::vector<std::string> argv, std::size_t max_output,
                                           std::chrono::milliseconds timeout) {
  process_result r;
  if (argv.empty()) {
    r.spawn_errno = ENOENT;
    co_return r;
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    r.spawn_errno = errno;
    co_return r;
  }
  const pid_t pid = spawn(argv, fds[1]);
  ::close(fds[1]);
  if (pid < 0) {
    ::close(fds[0]);
    r.spawn_errno = -pid;
    co_return r;
  }

  auto executor = co_await net::this_coro::executor;
  net::posix::stream_descriptor out(executor, fds[0]);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  net::steady_timer timer(executor, deadline);
  bool killed = false;
  auto kill_group = [&] {
    if (!killed) ::kill(-pid, SIGKILL);
    killed = true;
  };
  timer.async_wait([&](boost::system::error_code ec) {
    if (ec) return; // cancelled: the output ended first
    r.timed_out = true;
    kill_group();
    boost::system::error_code ignored;
    out.cancel(ignored); // a grandchild may still hold the pipe open
  });

  std::array<char, 4096> buf;
  for (;;) {
    auto [ec, n] = co_await out.async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable));
    if (ec) break; // EOF, or cancelled by the timer
    if (r.output.size() + n > max_output) {
      r.output_too_large = true;
      kill_group();
      break;
    }
    r.output.append(buf.data(), n);
  }
  out.close();

  // Reap it. It has closed stdout (or was killed); give it until the deadline to exit.
  int status = 0;
  for (;;) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      r.timed_out = true;
      kill_group();
      ::waitpid(pid, &status, 0);
      break;
    }
    net::steady_timer poll(executor, std::chrono::milliseconds(10));
    co_await poll.async_wait(net::as_tuple(net::use_awaitable));
  }
  timer.cancel();
  record_status(r, status);
  co_return r;
}

} // namespace secexport::io

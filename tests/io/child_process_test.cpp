// io::run_process with real (tiny) programs: exit statuses, the output bound, the timeout
// that kills the whole process group, and a program that does not exist. No sockets.
#include "io/child_process.hpp"

#include "io/run_coroutine.hpp"

#include <gtest/gtest.h>

#include <csignal>

namespace secexport::io {
namespace {

using namespace std::chrono_literals;

process_result run(std::vector<std::string> argv, std::size_t max_output = 1 << 16,
                   std::chrono::milliseconds timeout = 10s) {
  boost::asio::io_context ioc;
  return run_to_completion<process_result>(ioc, [&] { return run_process(argv, max_output, timeout); });
}

TEST(child_process, collects_stdout_and_the_exit_status_without_a_shell) {
  auto r = run({"/bin/sh", "-c", "printf 'hello %s' \"$0\"; exit 3", "world"});
  EXPECT_EQ(r.output, "hello world");
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_status, 3);
  EXPECT_FALSE(r.succeeded());
  EXPECT_EQ(r.describe(10s, 1 << 16), "ended with exit status 3");
  // Arguments reach the program as they are: no shell sees them.
  r = run({"/bin/echo", "$HOME", "*", "a b"});
  EXPECT_TRUE(r.succeeded());
  EXPECT_EQ(r.output, "$HOME * a b\n");
}

TEST(child_process, stdin_is_empty) {
  auto r = run({"/bin/cat"});
  EXPECT_TRUE(r.succeeded());
  EXPECT_EQ(r.output, "");
}

TEST(child_process, too_much_output_kills_it) {
  auto r = run({"/usr/bin/yes"}, 1000);
  EXPECT_TRUE(r.output_too_large);
  EXPECT_LE(r.output.size(), 1000u);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_FALSE(r.succeeded());
}

TEST(child_process, a_timeout_kills_the_process_group_even_when_a_grandchild_holds_stdout) {
  const auto start = std::chrono::steady_clock::now();
  auto r = run({"/bin/sh", "-c", "sleep 30 & sleep 30"}, 1 << 16, 300ms);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.succeeded());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(r.describe(300ms, 1 << 16).find("did not finish within"), 0u);
}

TEST(child_process, a_missing_program_is_named_as_such) {
  auto r = run({"/nonexistent/credential-helper"});
  EXPECT_EQ(r.spawn_errno, ENOENT);
  EXPECT_FALSE(r.succeeded());
  EXPECT_NE(r.describe(10s, 1).find("could not be started"), std::string::npos);
}

} // namespace
} // namespace secexport::io

// read_private_line: the one reader of secret files (store key, token files, secret key files).
#include "base/secret.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace secexport {
namespace {

namespace fs = std::filesystem;

class secret_file_test : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("secexport-secret-file-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& text, mode_t mode) {
    auto p = dir_ / name;
    std::ofstream(p) << text;
    ::chmod(p.c_str(), mode);
    return p;
  }

  fs::path dir_;
};

TEST_F(secret_file_test, reads_the_first_line_without_its_line_end) {
  auto r = read_private_line(write("k", "the-secret \r\nsecond line\n", 0600), "the key");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "the-secret");
}

TEST_F(secret_file_test, each_refusal_has_its_code_names_the_file_and_never_shows_the_contents) {
  const std::string value = "s3cr3t-value-never-shown";
  auto refused = [&](const fs::path& p, errc code, std::string_view says) {
    auto r = read_private_line(p, "the key " + p.string());
    ASSERT_FALSE(r) << p;
    EXPECT_EQ(r.error().code, make_error_code(code)) << r.error().message;
    EXPECT_NE(r.error().message.find("the key " + p.string()), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(says), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find(value), std::string::npos);
  };
  refused(write("shared", value + "\n", 0640), errc::file_not_private, "chmod 600");
  refused(write("empty", "\n", 0600), errc::empty_secret, "is empty");
  refused(dir_, errc::not_a_file, "is a directory");
  refused(dir_ / "missing", errc::unreadable_file, "No such file");
}

TEST_F(secret_file_test, a_pipe_is_read_as_it_is) {
  // `--secret-access-key-file <(pass show key)` names a pipe: no permissions to check.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ASSERT_EQ(::write(fds[1], "from-a-pipe\n", 12), 12);
  ::close(fds[1]);
  auto r = read_private_line("/proc/self/fd/" + std::to_string(fds[0]), "the pipe");
  ::close(fds[0]);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "from-a-pipe");
}

} // namespace
} // namespace secexport

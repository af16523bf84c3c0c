// A directory of its own for the running GoogleTest test (under the system temp directory,
// named after the test and the process), removed when the test ends.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <string>

namespace secexport::testing {

class scratch_dir {
public:
  explicit scratch_dir(const std::string& suite)
      : path_(std::filesystem::temp_directory_path() /
              (suite + "." + std::to_string(::getpid()) + "." +
               ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    std::filesystem::remove_all(path_);
  }
  ~scratch_dir() { std::filesystem::remove_all(path_); }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

private:
  std::filesystem::path path_;
};

} // namespace secexport::testing

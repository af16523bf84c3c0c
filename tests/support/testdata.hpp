// Paths to shared test data and small file helpers for tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace secexport::testing {

inline std::filesystem::path testdata_dir() { return SECEXPORT_TESTDATA_DIR; }

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read test data " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace secexport::testing

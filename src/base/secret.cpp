#include "base/secret.hpp"

#include <openssl/crypto.h>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <vector>

namespace secexport {
namespace {

struct registry {
  std::mutex mutex;
  std::vector<std::string> values; // longest first, so a secret containing another is masked whole
};

registry& secrets() {
  static registry r;
  return r;
}

} // namespace

secret::secret(std::string value) : value_(std::move(value)) { register_secret(value_); }

secret::~secret() {
  if (!value_.empty()) OPENSSL_cleanse(value_.data(), value_.size());
}

void register_secret(std::string_view value) {
  if (value.size() < 6) return; // too short to mask without mangling ordinary text
  auto& r = secrets();
  std::lock_guard lock(r.mutex);
  if (std::find(r.values.begin(), r.values.end(), value) != r.values.end()) return;
  auto pos = std::find_if(r.values.begin(), r.values.end(),
                          [&](const std::string& v) { return v.size() < value.size(); });
  r.values.emplace(pos, value);
}

std::string redact(std::string_view text) {
  std::string out(text);
  auto& r = secrets();
  std::lock_guard lock(r.mutex);
  for (const auto& v : r.values) {
    for (auto pos = out.find(v); pos != std::string::npos; pos = out.find(v, pos + 3))
      out.replace(pos, v.size(), "***");
  }
  return out;
}

std::string mask_identifier(std::string_view id) {
  if (id.size() <= 4) return std::string(id.size(), '*');
  std::string out(id.substr(0, 4));
  out.append(id.size() - 4, '*');
  return out;
}

std::string read_secret_line(std::istream& in) {
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

result<std::string> read_private_line(const std::filesystem::path& file, std::string_view what) {
  const std::string named(what);
  auto fail = [](errc code, std::string message) { return error{make_error_code(code), std::move(message)}; };
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return fail(errc::unreadable_file, "cannot read " + named + ": " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return fail(errc::not_a_file, named + " is a directory, not a file");
  // A pipe (`--x-file <(pass show x)`) has no permissions worth checking; a regular file does.
  if (S_ISREG(st.st_mode) && (st.st_mode & 077))
    return fail(errc::file_not_private,
                named + " is readable by group or others and holds a secret; chmod 600 " + file.string());
  std::ifstream in(file);
  if (!in) return fail(errc::unreadable_file, "cannot read " + named + ": " + std::strerror(errno));
  auto line = read_secret_line(in);
  if (line.empty()) return fail(errc::empty_secret, named + " is empty (the secret is its first line)");
  return line;
}

} // namespace secexport

#include "base/secret.hpp"

#include <openssl/crypto.h>

#include <algorithm>
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

} // namespace secexport

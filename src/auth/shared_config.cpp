#include "auth/shared_config.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace secexport::auth {
namespace {

struct getenv_environment final : environment {
  std::optional<std::string> get(std::string_view name) const override {
    const char* v = std::getenv(std::string(name).c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  }
};

std::string read_optional_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return {};
    throw config_error(path + ": cannot read: " + std::strerror(errno));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string expand_home(const std::string& path, const environment& env) {
  if (path.starts_with("~/")) return env.get("HOME").value_or("") + path.substr(1);
  return path;
}

} // namespace

const environment& process_environment() {
  static getenv_environment env;
  return env;
}

shared_config shared_config::load(const environment& env) {
  shared_config c;
  c.credentials_path_ =
      expand_home(env.get("AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials"), env);
  c.config_path_ = expand_home(env.get("AWS_CONFIG_FILE").value_or("~/.aws/config"), env);
  c.credentials_ = parse_ini(read_optional_file(c.credentials_path_), c.credentials_path_).value();
  c.config_ = parse_ini(read_optional_file(c.config_path_), c.config_path_).value();
  return c;
}

shared_config shared_config::from_text(std::string_view credentials_text, std::string_view config_text) {
  shared_config c;
  c.credentials_path_ = "credentials";
  c.config_path_ = "config";
  c.credentials_ = parse_ini(credentials_text, c.credentials_path_).value();
  c.config_ = parse_ini(config_text, c.config_path_).value();
  return c;
}

std::optional<ini_section> shared_config::profile(std::string_view name) const {
  std::optional<ini_section> merged;
  // The config file names profiles "[profile NAME]", except "[default]".
  auto cfg = config_.find(name == "default" ? std::string("default") : "profile " + std::string(name));
  if (cfg == config_.end() && name == "default") cfg = config_.find("profile default");
  if (cfg != config_.end()) merged = cfg->second;
  if (auto cred = credentials_.find(name); cred != credentials_.end()) {
    if (!merged) merged.emplace();
    for (const auto& [k, v] : cred->second) (*merged)[k] = v;
  }
  return merged;
}

std::optional<ini_section> shared_config::credentials_file_profile(std::string_view name) const {
  if (auto cred = credentials_.find(name); cred != credentials_.end()) return cred->second;
  return std::nullopt;
}

std::string shared_config::where(std::string_view profile) const {
  return "profile '" + std::string(profile) + "' (" + credentials_path_ + ", " + config_path_ + ")";
}

} // namespace secexport::auth

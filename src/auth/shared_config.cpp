#include "auth/shared_config.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace secexport::auth {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

[[noreturn]] void fail(std::string_view file, std::size_t line, std::string_view what) {
  throw config_error(std::string(file) + ":" + std::to_string(line) + ": " + std::string(what));
}

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

ini_file parse_ini(std::string_view text, std::string_view file_name) {
  ini_file out;
  ini_section* section = nullptr;
  std::string parent_key; // a key with an empty value that may own indented sub-keys
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view raw = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    auto line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') {
      if (nl == text.size()) break;
      continue;
    }
    bool indented = raw.front() == ' ' || raw.front() == '\t';
    if (line.front() == '[') {
      if (line.back() != ']') fail(file_name, line_no, "section header is missing its closing ']'");
      auto name = trim(line.substr(1, line.size() - 2));
      if (name.empty()) fail(file_name, line_no, "empty section name");
      section = &out[std::string(name)];
      parent_key.clear();
    } else {
      auto eq = line.find('=');
      if (eq == std::string_view::npos)
        fail(file_name, line_no, "expected 'key = value' (the line has no '=')");
      if (!section) fail(file_name, line_no, "a 'key = value' line before any [section]");
      auto key = trim(line.substr(0, eq));
      auto value = trim(line.substr(eq + 1));
      if (key.empty()) fail(file_name, line_no, "empty key before '='");
      if (indented && !parent_key.empty()) {
        (*section)[parent_key + "." + std::string(key)] = std::string(value);
      } else {
        (*section)[std::string(key)] = std::string(value);
        parent_key = value.empty() ? std::string(key) : std::string();
      }
    }
    if (nl == text.size()) break;
  }
  return out;
}

const environment& process_environment() {
  static getenv_environment env;
  return env;
}

shared_config shared_config::load(const environment& env) {
  shared_config c;
  c.credentials_path_ =
      expand_home(env.get("AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials"), env);
  c.config_path_ = expand_home(env.get("AWS_CONFIG_FILE").value_or("~/.aws/config"), env);
  c.credentials_ = parse_ini(read_optional_file(c.credentials_path_), c.credentials_path_);
  c.config_ = parse_ini(read_optional_file(c.config_path_), c.config_path_);
  return c;
}

shared_config shared_config::from_text(std::string_view credentials_text, std::string_view config_text) {
  shared_config c;
  c.credentials_path_ = "credentials";
  c.config_path_ = "config";
  c.credentials_ = parse_ini(credentials_text, c.credentials_path_);
  c.config_ = parse_ini(config_text, c.config_path_);
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

std::string shared_config::where(std::string_view profile) const {
  return "profile '" + std::string(profile) + "' (" + credentials_path_ + ", " + config_path_ + ")";
}

} // namespace secexport::auth

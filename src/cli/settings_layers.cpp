#include "cli/settings_layers.hpp"

#include "base/ini.hpp"
#include "cli/common_options.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace secexport::cli {

std::optional<std::string> config_file::get(std::string_view key) const {
  auto it = values.find(key);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

std::string environment_name(std::string_view option) {
  std::string name = "SECEXPORT_";
  for (char c : option) name.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return name;
}

config_file load_config_file(const std::string& path) {
  config_file c;
  c.path = path;
  if (path.empty()) return c;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw usage_error("cannot read the config file " + path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  auto ini = parse_ini(text.str(), path);
  if (!ini) throw usage_error("config file " + ini.error().message);
  for (const auto& [section, keys] : *ini) {
    if (section != "secexport")
      throw usage_error("config file " + path + ": unknown section [" + section + "] (settings go in [secexport])");
    for (const auto& [k, v] : keys) c.values[k] = v;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) c.private_to_owner = (st.st_mode & 077) == 0;
  return c;
}

void layer_settings(CLI::App& command, const config_file& config) {
  for (auto* opt : command.get_options()) {
    if (opt->count() > 0 || opt->get_lnames().empty()) continue;
    const auto& name = opt->get_lnames().front();
    if (name == "help" || name == "config") continue;
    std::string value, origin;
    const auto env = environment_name(name);
    if (const char* v = std::getenv(env.c_str()); v && *v) {
      value = v;
      origin = "the environment variable " + env;
    } else if (auto c = config.get(name)) {
      value = *c;
      origin = "'" + name + "' in " + config.path;
    } else {
      continue;
    }
    try {
      opt->add_result(value);
      opt->run_callback();
    } catch (const CLI::Error& e) {
      throw usage_error("bad value for --" + name + " from " + origin + ": " + e.what());
    }
  }
}

} // namespace secexport::cli

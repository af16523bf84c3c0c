#include "cli/settings_layers.hpp"

#include "base/ini.hpp"
#include "cli/common_options.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>
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

namespace {

// Edit distance, for "did you mean" (short option names: the quadratic table is fine).
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const auto up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

} // namespace

std::string nearest_name(std::string_view word, const std::vector<std::string>& names) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(3, word.size() / 3) + 1;
  for (const auto& n : names)
    if (auto d = distance(word, n); d < best_distance) best = n, best_distance = d;
  return best;
}

config_file load_config_file(const std::string& path) {
  config_file c;
  c.path = path;
  if (path.empty()) return c;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw usage_error("cannot read the config file " + path + ": " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw usage_error("the config file " + path + " is a directory; --config names a file");
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
  c.private_to_owner = (st.st_mode & 077) == 0;
  return c;
}

void layer_settings(CLI::App& command, const config_file& config) {
  // A misspelt key must not be ignored: it would leave a setting at its default unnoticed.
  std::vector<std::string> known{"source-token"};
  for (const auto* opt : command.get_options())
    if (!opt->get_lnames().empty() && opt->get_lnames().front() != "help" && opt->get_lnames().front() != "config")
      known.push_back(opt->get_lnames().front());
  for (const auto& [key, value] : config.values) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    auto near = nearest_name(key, known);
    throw usage_error("config file " + config.path + ": unknown setting '" + key + "'" +
                      (near.empty() ? "" : " (did you mean '" + near + "'?)") +
                      "; settings are the long options of `" + command.get_name() + "` without their dashes");
  }
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

// Where a command's settings come from, strongest first: the command line, then the
// environment (SECEXPORT_<OPTION>, e.g. SECEXPORT_BUCKET, SECEXPORT_SOURCE_CONCURRENCY), then
// a config file (--config, or SECEXPORT_CONFIG), then the built-in default. The config file
// is INI: a [secexport] section of `option-name = value` lines, the names of the long options
// without their dashes.
//
// Values from the environment and the file go through the same validation as flags; a bad
// one is an error naming where it came from.
#pragma once

#include <CLI/CLI.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace secexport::cli {

struct config_file {
  std::string path;
  std::map<std::string, std::string, std::less<>> values; // the [secexport] section
  bool private_to_owner = true; // mode has no group/other bits

  [[nodiscard]] std::optional<std::string> get(std::string_view key) const;
};

/// Reads the config file (an empty path gives an empty config). Throws usage_error with
/// the file and line on malformed input, and for a directory.
[[nodiscard]] config_file load_config_file(const std::string& path);

/// For each option of `command` that the command line did not set: the environment, then
/// the config file. Throws usage_error(exit_usage) naming the variable or the file, and for a
/// config key that is no option of `command` (naming the nearest one).
void layer_settings(CLI::App& command, const config_file& config);

/// The name in `names` closest to `word` by edit distance, if close enough to be a typo.
[[nodiscard]] std::string nearest_name(std::string_view word, const std::vector<std::string>& names);

/// SECEXPORT_<OPTION> for a long option name ("source-url" -> "SECEXPORT_SOURCE_URL").
[[nodiscard]] std::string environment_name(std::string_view option);

} // namespace secexport::cli

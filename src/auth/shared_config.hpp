// The AWS CLI's shared files: `~/.aws/credentials` and `~/.aws/config` (or the files named by
// AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE), parsed the way the AWS CLI reads them
// (base/ini.hpp): `[name]` sections in the credentials file, `[default]` / `[profile name]`
// in the config file.
//
// A malformed file is a `config_error` naming the file and the line; its message never
// contains a value from the file (values may be secrets).
#pragma once

#include "auth/error.hpp"
#include "base/ini.hpp"

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace secexport::auth {

/// The process environment, injectable for tests.
struct environment {
  virtual ~environment() = default;
  [[nodiscard]] virtual std::optional<std::string> get(std::string_view name) const = 0;
};
/// getenv()
[[nodiscard]] const environment& process_environment();

/// Both shared files, merged per profile (credentials-file keys win, as in the AWS CLI).
class shared_config {
public:
  /// Reads the files (missing files are fine; unreadable or malformed ones throw).
  [[nodiscard]] static shared_config load(const environment& env);
  [[nodiscard]] static shared_config from_text(std::string_view credentials_text,
                                               std::string_view config_text);

  /// The merged keys of a profile, or nullopt when neither file has it.
  [[nodiscard]] std::optional<ini_section> profile(std::string_view name) const;
  /// The profile's keys in the shared credentials file only (the AWS CLI looks for keys
  /// there before credential_process, and in the config file after it).
  [[nodiscard]] std::optional<ini_section> credentials_file_profile(std::string_view name) const;
  [[nodiscard]] const std::string& credentials_path() const noexcept { return credentials_path_; }
  [[nodiscard]] const std::string& config_path() const noexcept { return config_path_; }
  /// "profile NAME in FILE" for messages.
  [[nodiscard]] std::string where(std::string_view profile) const;

private:
  ini_file credentials_, config_;
  std::string credentials_path_, config_path_;
};

} // namespace secexport::auth

// The tenant store as the commands find it: --tenants-dir, SECEXPORT_TENANTS_DIR, or the
// default documented in --help; and its key for secrets at rest: --store-key-file or
// SECEXPORT_STORE_KEY_FILE.
#pragma once

#include "tenant/tenant_settings.hpp"

#include <CLI/CLI.hpp>

#include <string>

namespace secexport::cli {

struct store_flags {
  std::string dir;
  std::string key_file;
};

/// --tenants-dir and --store-key-file.
void add_tenants_dir_option(CLI::App& app, store_flags& flags);
/// The store the flags (and the environment) name. Throws store_error for an unusable key file.
[[nodiscard]] tenant::tenant_store open_store(const store_flags& flags);

} // namespace secexport::cli

// The tenant store as the commands find it: --tenants-dir, SECEXPORT_TENANTS_DIR, or the
// default documented in --help.
#pragma once

#include "tenant/tenant_settings.hpp"

#include <CLI/CLI.hpp>

#include <string>

namespace secexport::cli {

void add_tenants_dir_option(CLI::App& app, std::string& dir);
[[nodiscard]] tenant::tenant_store open_store(const std::string& dir);

} // namespace secexport::cli

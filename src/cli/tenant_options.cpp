#include "cli/tenant_options.hpp"

namespace secexport::cli {

void add_tenants_dir_option(CLI::App& app, std::string& dir) {
  app.add_option("--tenants-dir", dir,
                 "Directory of tenant settings, one TENANT.conf each, mode 0600 (else SECEXPORT_TENANTS_DIR, "
                 "else $XDG_CONFIG_HOME/secexport/tenants or ~/.config/secexport/tenants)");
}

tenant::tenant_store open_store(const std::string& dir) {
  return tenant::tenant_store(dir.empty() ? tenant::tenant_store::default_dir() : std::filesystem::path(dir));
}

} // namespace secexport::cli

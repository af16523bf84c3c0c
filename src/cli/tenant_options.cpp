#include "cli/tenant_options.hpp"

#include <cstdlib>

namespace secexport::cli {

void add_tenants_dir_option(CLI::App& app, store_flags& flags) {
  app.add_option("--tenants-dir", flags.dir,
                 "Directory of tenant settings, one TENANT.conf each, mode 0600 (else SECEXPORT_TENANTS_DIR, "
                 "else $XDG_CONFIG_HOME/secexport/tenants or ~/.config/secexport/tenants)");
  app.add_option("--store-key-file", flags.key_file,
                 "File holding the store key (32 bytes as 64 hex digits or base64, mode 0600; make one with "
                 "`openssl rand -hex 32`): secret access keys are saved AES-256-GCM-encrypted with it (else "
                 "SECEXPORT_STORE_KEY_FILE; without a key they are saved in clear, with a warning)");
}

tenant::tenant_store open_store(const store_flags& flags) {
  auto dir = flags.dir.empty() ? tenant::tenant_store::default_dir() : std::filesystem::path(flags.dir);
  std::string key_file = flags.key_file;
  if (key_file.empty())
    if (const char* k = std::getenv("SECEXPORT_STORE_KEY_FILE"); k && *k) key_file = k;
  if (key_file.empty()) return tenant::tenant_store(std::move(dir));
  return tenant::tenant_store(std::move(dir), tenant::load_store_key(key_file));
}

} // namespace secexport::cli

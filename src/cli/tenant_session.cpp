#include "cli/tenant_session.hpp"

namespace secexport::cli {

aws_session open_tenant_session(boost::asio::any_io_executor executor, const aws_flags& exporter,
                                const tenant::tenant_settings& t, const std::string& session_name) {
  aws_flags flags = exporter;
  if (!t.region.empty()) flags.region = t.region;
  switch (t.method) {
  case tenant::auth_method::role_arn:
    flags.role_arn = t.role_arn;
    flags.external_id = t.external_id;
    flags.role_session_name = session_name;
    flags.duration_seconds = t.session_duration;
    return open_aws_session(executor, flags);
  case tenant::auth_method::access_key: {
    auth::credentials keys;
    keys.access_key_id = t.access_key_id;
    keys.secret_access_key = t.secret_access_key;
    keys.source = "tenant " + t.id + "'s access key";
    flags.role_arn.clear();
    flags.external_id.clear();
    return open_aws_session(executor, flags, std::move(keys));
  }
  case tenant::auth_method::none: break;
  }
  throw command_error("tenant " + t.id + " has no method yet: save it with --method access-key or role-arn",
                      exit_usage);
}

void add_tenants_dir_option(CLI::App& app, std::string& dir) {
  app.add_option("--tenants-dir", dir,
                 "Directory of tenant settings, one TENANT.conf each, mode 0600 (else SECEXPORT_TENANTS_DIR, "
                 "else $XDG_CONFIG_HOME/secexport/tenants or ~/.config/secexport/tenants)");
}

tenant::tenant_store open_store(const std::string& dir) {
  return tenant::tenant_store(dir.empty() ? tenant::tenant_store::default_dir() : std::filesystem::path(dir));
}

} // namespace secexport::cli

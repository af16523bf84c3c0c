#include "tenant/tenant_session.hpp"

namespace secexport::tenant {

s3::connection_settings tenant_connection(const s3::connection_settings& exporter, const tenant_settings& t,
                                          const std::string& session_name) {
  auto c = exporter;
  if (!t.region.empty()) c.aws.region = t.region;
  switch (t.method) {
  case auth_method::role_arn: {
    auth::assume_role_spec role;
    role.role_arn = t.role_arn;
    role.external_id = t.external_id;
    role.session_name = session_name;
    role.duration = std::chrono::seconds(t.session_duration);
    role.source = "tenant " + t.id;
    c.aws.role = std::move(role);
    c.aws.explicit_keys.reset();
    return c;
  }
  case auth_method::access_key: {
    auth::credentials keys;
    keys.access_key_id = t.access_key_id;
    keys.secret_access_key = t.secret_access_key;
    keys.source = "tenant " + t.id + "'s access key";
    c.aws.role.reset();
    c.aws.explicit_keys = std::move(keys);
    return c;
  }
  case auth_method::none: break;
  }
  throw failure(errc::not_configured,
                "tenant " + t.id + " has no method yet: save it with --method access-key or role-arn");
}

s3::session open_tenant_session(boost::asio::any_io_executor executor, const s3::connection_settings& exporter,
                                const tenant_settings& t, const std::string& session_name) {
  return s3::open_session(executor, tenant_connection(exporter, t, session_name));
}

} // namespace secexport::tenant

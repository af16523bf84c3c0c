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

namespace {

// (Outside the coroutine: GCC 12 miscompiles initializer lists inside coroutine frames.)
check_request request_for(const tenant_settings& t,
                          std::function<boost::asio::awaitable<void>(const check_step&)> on_step) {
  check_request r;
  r.tenant = t.id;
  r.bucket = t.bucket;
  r.prefix = t.prefix;
  r.assume_role = t.method == auth_method::role_arn;
  r.role_arn = t.role_arn;
  r.external_id = t.external_id;
  r.on_step = std::move(on_step);
  return r;
}

} // namespace

boost::asio::awaitable<check_report> test_credentials(boost::asio::any_io_executor executor,
                                                      const s3::connection_settings& exporter,
                                                      const tenant_settings& t,
                                                      std::function<boost::asio::awaitable<void>(const check_step&)> on_step) {
  auto session = open_tenant_session(executor, exporter, t, "secexport-" + t.id + "-check");
  auto report = co_await check_credentials(*session.s3, *session.credentials, request_for(t, std::move(on_step)));
  session.context->close_idle();
  co_return report;
}

} // namespace secexport::tenant

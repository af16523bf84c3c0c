// Reaching a tenant's bucket: the exporter's own AWS identity (the usual credential chain:
// flags, environment, profiles, instance metadata) and, on top of it, the tenant's method:
// its access keys, or AssumeRole of its role with its external ID. Shared by the credential
// check (`tenant test|save`) and the daily job.
#pragma once

#include "s3/session.hpp"
#include "tenant/credential_check.hpp"
#include "tenant/tenant_settings.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <string>

namespace secexport::tenant {

/// The connection settings for `t` on top of the exporter's: its region, and its method's
/// credentials (the role to assume with the external ID, or the access keys). Throws
/// failure(errc::not_configured) for a tenant without a method.
[[nodiscard]] s3::connection_settings tenant_connection(const s3::connection_settings& exporter,
                                                        const tenant_settings& t, const std::string& session_name);

/// `session_name` identifies tenant and run in CloudTrail ("secexport-acme-20261124").
[[nodiscard]] s3::session open_tenant_session(boost::asio::any_io_executor executor,
                                              const s3::connection_settings& exporter, const tenant_settings& t,
                                              const std::string& session_name);

/// "Test credentials" for `t` as it stands (saved or not): opens its session on `executor`
/// (the exporter's identity plus the tenant's method) and runs check_credentials, handing
/// each step to `on_step` as it finishes (optional). Throws failure(errc::not_configured) for
/// a tenant without a method.
[[nodiscard]] boost::asio::awaitable<check_report>
test_credentials(boost::asio::any_io_executor executor, const s3::connection_settings& exporter,
                 const tenant_settings& t,
                 std::function<boost::asio::awaitable<void>(const check_step&)> on_step = {});

} // namespace secexport::tenant

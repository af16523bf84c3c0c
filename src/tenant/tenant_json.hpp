// The JSON renderings of what the tenant layer knows, shared by `secexport tenant ... --output
// json` and the settings API (`secexport serve`), so both say the same thing the same way:
// a tenant's settings (secrets only as set / not set), the credential check's steps, and the
// external ID with the trust policy. Pure.
#pragma once

#include "base/json_writer.hpp"
#include "tenant/credential_check.hpp"
#include "tenant/external_id.hpp"
#include "tenant/tenant_settings.hpp"

#include <string_view>

namespace secexport::tenant {

/// The JSON member name of a settings field ("role_arn", "secret_access_key"); the API's
/// request bodies use the same names.
[[nodiscard]] std::string_view json_name(field f) noexcept;

/// {"tenant", "enabled", "method", "bucket", "prefix", "region", "role_arn", "external_id",
///  "session_duration", "access_key_id" (masked), "secret_access_key_set", "source_url",
///  "source_token_env", "ready", "problems": [{"field", "message"}]}. Never a secret.
void write_settings(json_writer& w, const tenant_settings& t);

/// {"tenants": [settings of each tenant, or {"tenant", "error"} for a file that cannot be
/// read]}; returns how many could not be read. Throws store_error when the store cannot be
/// listed.
std::size_t write_tenant_list(json_writer& w, const tenant_store& store);

/// {"action": "PutObject", "permission": "s3:PutObject", "status": "pass|fail|skip",
///  "code": "AccessDenied" (when failed), "denied": bool, "message": "..."}; redacted.
void write_check_step(json_writer& w, const check_step& s);
/// {"passed": bool, "failed_action": name|null, "steps": [...]}
void write_check_report(json_writer& w, const check_report& r);

/// {"tenant", "external_id", "issued_now", "account_id", "identity_arn", "principal",
///  "trust_policy": {...}}
void write_external_id(json_writer& w, const external_id_info& info);

} // namespace secexport::tenant

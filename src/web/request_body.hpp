// The API's request bodies, parsed (simdjson) and checked before anything acts on them. Every
// problem is an api_error(bad_request) that names the field at fault; a secret posted in a
// body becomes a `secret` at once (registered for redaction) and is never echoed. Pure.
#pragma once

#include "base/time.hpp"
#include "tenant/tenant_settings.hpp"

#include <optional>
#include <string_view>

namespace secexport::web {

using sys_days = std::chrono::sys_days;

/// A tenant's settings as posted to `test` and `PUT`: each member present overrides the
/// saved value ("method", "bucket", "prefix", "region", "role_arn", "session_duration",
/// "access_key_id", "secret_access_key", "source_url", "source_token_env"; and "enabled"
/// where `allow_enabled`). Strings must be strings, session_duration an integer; an unknown
/// member is refused (a typo must not be ignored); "prefix" is normalised as the CLI does.
struct settings_request {
  tenant::settings_change change;
  std::optional<bool> enabled;
};
[[nodiscard]] settings_request parse_settings_request(std::string_view body, bool allow_enabled);

/// {"date": "YYYY-MM-DD"}: the day a (re-)export is asked for.
[[nodiscard]] sys_days parse_export_request(std::string_view body);

/// The `days` query parameter of the exports list: 1 to 92, 7 when absent.
[[nodiscard]] unsigned parse_days(const std::optional<std::string>& value);

/// A tenant ID from the path: the rules of exporter::check_tenant_id, as bad_request naming
/// "tenant".
void check_tenant_param(std::string_view tenant);

} // namespace secexport::web

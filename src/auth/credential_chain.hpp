// The credential chain on top of the providers: what `resolve_aws_settings` (aws_config.hpp)
// decided, turned into one provider: static keys (flags, environment, profiles), web
// identity, container credentials, credential_process or the instance metadata service,
// then each role to assume, in order, each using the previous link's credentials.
#pragma once

#include "auth/aws_client.hpp"
#include "auth/aws_config.hpp"
#include "auth/credentials_provider.hpp"

namespace secexport::auth {

/// Throws failure(errc::bad_config) for an unusable endpoint in the settings.
[[nodiscard]] std::shared_ptr<credentials_provider>
make_credentials_provider(aws_context& context, const aws_settings& settings, refresh_options options = {});

} // namespace secexport::auth

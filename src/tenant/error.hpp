// Error codes of the tenant layer (see base/error.hpp for the model).
#pragma once

#include "base/error.hpp"

namespace secexport::tenant {

enum class errc {
  invalid_setting = 1, // a value a setting cannot take (the message names the setting)
  not_configured,      // a tenant that lacks what an export needs
  no_such_tenant,      // no settings file for the tenant
  store_missing,       // the store's directory does not exist
  store_unreadable,    // the store's directory or a file in it cannot be read
  file_not_private,    // a settings file group or others can read (it may hold a secret)
  malformed_file,      // a settings file that does not parse (FILE:LINE in the message)
  write_failed,        // a settings file could not be written
  check_failed,        // the credential check failed (the report says which step)
  store_key_missing,   // an encrypted secret and no store key (SECEXPORT_STORE_KEY_FILE)
  store_key_wrong,     // a secret the store key cannot decrypt (another key, or another tenant's file)
};

[[nodiscard]] const boost::system::error_category& tenant_category() noexcept;
[[nodiscard]] inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), tenant_category()};
}

} // namespace secexport::tenant

template <> struct boost::system::is_error_code_enum<secexport::tenant::errc> : std::true_type {};

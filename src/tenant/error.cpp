#include "tenant/error.hpp"

#include "base/detail/error_category.hpp"

namespace secexport::tenant {
namespace {

using detail::row;

constexpr detail::code_row codes[] = {
    row(errc::invalid_setting, "invalid tenant setting", condition::bad_input),
    row(errc::not_configured, "tenant not configured", condition::bad_input),
    row(errc::no_such_tenant, "no such tenant", condition::bad_input), // a wrong name on the command line
    row(errc::store_missing, "tenant store missing", condition::bad_input),
    row(errc::store_unreadable, "tenant store unreadable"),
    row(errc::file_not_private, "tenant file readable by others", condition::bad_input),
    row(errc::malformed_file, "malformed tenant file", condition::bad_input),
    row(errc::write_failed, "cannot write tenant file"),
    row(errc::check_failed, "credential check failed"),
    row(errc::store_key_missing, "store key missing", condition::bad_input),
    row(errc::store_key_wrong, "store key cannot decrypt", condition::bad_input),
};

} // namespace

const boost::system::error_category& tenant_category() noexcept {
  static const detail::table_category c("secexport.tenant", codes);
  return c;
}

} // namespace secexport::tenant

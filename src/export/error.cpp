#include "export/error.hpp"

#include "base/detail/error_category.hpp"

namespace secexport::exporter {
namespace {

using detail::row;

constexpr detail::code_row codes[] = {
    row(errc::bad_settings, "bad export settings", condition::bad_input),
    row(errc::bad_key_template, "bad key template", condition::bad_input),
    row(errc::bad_tenant_id, "bad tenant ID", condition::bad_input),
    row(errc::previous_manifest, "cannot remove the previous manifest"),
    row(errc::report_check, "report check failed", condition::integrity),
    row(errc::manifest_write, "cannot write the manifest"),
    row(errc::failed, "export failed"),
    row(errc::cancelled, "export cancelled", condition::cancelled),
};

} // namespace

const boost::system::error_category& export_category() noexcept {
  static const detail::table_category c("secexport.export", codes);
  return c;
}

} // namespace secexport::exporter

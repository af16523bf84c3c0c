// Error codes of the export layer (see base/error.hpp for the model).
#pragma once

#include "base/error.hpp"

namespace secexport::exporter {

enum class errc {
  bad_settings = 1,   // export settings that cannot work (the message names the setting)
  bad_key_template,   // a key template that does not expand to a usable key
  bad_tenant_id,      // a tenant ID that cannot be used in keys
  previous_manifest,  // the previous manifest could not be removed
  report_check,       // the uploaded report could not be checked, or is not what was sent
  manifest_write,     // the report is complete but its manifest could not be written
  failed,             // the export failed (the message names the step and the cause)
  cancelled,          // the export was stopped (a signal, the daily job's grace period)
};

[[nodiscard]] const boost::system::error_category& export_category() noexcept;
[[nodiscard]] inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), export_category()};
}

} // namespace secexport::exporter

template <> struct boost::system::is_error_code_enum<secexport::exporter::errc> : std::true_type {};

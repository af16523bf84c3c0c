#include "s3/error.hpp"

#include "base/detail/error_category.hpp"

namespace secexport::s3 {
namespace {

using detail::row;

constexpr detail::code_row codes[] = {
    row(errc::bad_bucket_name, "bad bucket name", condition::bad_input),
    row(errc::bad_object_key, "bad object key", condition::bad_input),
    row(errc::bad_part_settings, "unusable part settings", condition::bad_input),
    row(errc::too_many_parts, "too many parts"),
    row(errc::upload_failed, "upload failed"),
    row(errc::size_mismatch, "size mismatch", condition::integrity),
    row(errc::integrity_mismatch, "integrity mismatch", condition::integrity),
    row(errc::unverifiable, "integrity cannot be verified"),
    row(errc::cancelled, "upload cancelled", condition::cancelled),
};

} // namespace

const boost::system::error_category& s3_category() noexcept {
  static const detail::table_category c("secexport.s3", codes);
  return c;
}

} // namespace secexport::s3

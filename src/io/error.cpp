#include "io/error.hpp"

#include "base/detail/error_category.hpp"

namespace secexport::io {
namespace {

using detail::row;

constexpr detail::code_row codes[] = {
    row(errc::bad_url, "bad URL", condition::bad_input),
    row(errc::url_has_userinfo, "URL with user information", condition::bad_input),
    row(errc::response_too_large, "response too large"),
    row(errc::retries_exhausted, "attempts exhausted", condition::transient),
    row(errc::retry_budget_exhausted, "retry budget exhausted", condition::transient),
    row(errc::http_status, "unexpected HTTP status"),
};

} // namespace

const boost::system::error_category& io_category() noexcept {
  static const detail::table_category c("secexport.io", codes);
  return c;
}

} // namespace secexport::io

#include "source/error.hpp"

#include "base/detail/error_category.hpp"

namespace secexport::source {
namespace {

using detail::row;

constexpr detail::code_row codes[] = {
    row(errc::refused, "the event source refused the request"),
    row(errc::unavailable, "the event source is unavailable", condition::transient),
    row(errc::unreadable_page, "unreadable page"),
    row(errc::unusable_event, "unusable event"),
    row(errc::out_of_order, "events out of order"),
    row(errc::page_too_large, "page too large"),
    row(errc::cursor_loop, "cursor loop"),
    row(errc::read_failed, "read failed"),
};

} // namespace

const boost::system::error_category& source_category() noexcept {
  static const detail::table_category c("secexport.source", codes);
  return c;
}

} // namespace secexport::source

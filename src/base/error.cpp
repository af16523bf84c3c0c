#include "base/error.hpp"

#include "base/detail/error_category.hpp"

namespace secexport {

namespace detail {

const code_row* table_category::find(int ev) const noexcept {
  for (const auto& r : rows_)
    if (r.value == ev) return &r;
  return nullptr;
}

std::string table_category::message(int ev) const {
  const auto* r = find(ev);
  return r ? std::string(r->message) : std::string(name_) + " error " + std::to_string(ev);
}

boost::system::error_condition table_category::default_error_condition(int ev) const noexcept {
  if (const auto* r = find(ev); r && r->condition) return {r->condition, condition_category()};
  return {ev, *this};
}

bool table_category::equivalent(int ev, const boost::system::error_condition& c) const noexcept {
  if (c.category() == condition_category()) {
    const auto* r = find(ev);
    return r && r->condition == c.value();
  }
  return c.category() == *this && c.value() == ev;
}

} // namespace detail

namespace {

using detail::row;

constexpr detail::code_row conditions[] = {
    row(condition::bad_input, "bad input"),
    row(condition::transient, "transient failure"),
    row(condition::denied, "permission denied"),
    row(condition::not_found, "not found"),
    row(condition::cancelled, "cancelled"),
    row(condition::integrity, "integrity check failed"),
    row(condition::credentials_expired, "credentials expired"),
    row(condition::clock_skewed, "clock skewed"),
    row(condition::wrong_region, "wrong region"),
};

constexpr detail::code_row codes[] = {
    row(errc::malformed_file, "malformed file", condition::bad_input),
    row(errc::unreadable_file, "cannot read the file", condition::bad_input),
    row(errc::not_a_file, "not a regular file", condition::bad_input),
    row(errc::file_not_private, "file readable by group or others", condition::bad_input),
    row(errc::empty_secret, "empty secret", condition::bad_input),
    row(errc::bad_value, "bad value", condition::bad_input),
    row(errc::interrupted, "interrupted", condition::cancelled),
    row(errc::bad_usage, "bad usage", condition::bad_input),
};

} // namespace

const boost::system::error_category& condition_category() noexcept {
  static const detail::table_category c("secexport.condition", conditions);
  return c;
}

const boost::system::error_category& base_category() noexcept {
  static const detail::table_category c("secexport.base", codes);
  return c;
}

void throw_exception_from_error(const error& e, const boost::source_location&) { throw failure(e); }

} // namespace secexport

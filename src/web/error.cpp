#include "web/error.hpp"

#include "base/detail/error_category.hpp"
#include "base/json_writer.hpp"
#include "base/secret.hpp"

namespace secexport::web {
namespace {

using detail::row;

constexpr detail::code_row codes[] = {
    row(errc::bad_request, "bad request", condition::bad_input),
    row(errc::unauthorized, "unauthorized", condition::denied),
    row(errc::not_found, "not found", condition::not_found),
    row(errc::conflict, "conflict", condition::transient),
    row(errc::not_ready, "tenant not ready", condition::bad_input),
    row(errc::check_failed, "credential check failed", condition::denied),
    row(errc::upstream_failed, "upstream failed"),
    row(errc::internal, "internal error"),
};

} // namespace

const boost::system::error_category& web_category() noexcept {
  static const detail::table_category c("secexport.web", codes);
  return c;
}

unsigned http_status(errc e) noexcept {
  switch (e) {
  case errc::bad_request: return 400;
  case errc::unauthorized: return 401;
  case errc::not_found: return 404;
  case errc::conflict:
  case errc::not_ready: return 409;
  case errc::check_failed: return 422;
  case errc::upstream_failed: return 502;
  case errc::internal: break;
  }
  return 500;
}

std::string_view code_name(errc e) noexcept {
  switch (e) {
  case errc::bad_request: return "bad_request";
  case errc::unauthorized: return "unauthorized";
  case errc::not_found: return "not_found";
  case errc::conflict: return "conflict";
  case errc::not_ready: return "not_ready";
  case errc::check_failed: return "check_failed";
  case errc::upstream_failed: return "upstream_failed";
  case errc::internal: break;
  }
  return "internal";
}

std::string error_json(std::string_view code, std::string_view message, std::string_view field) {
  json_writer w;
  w.begin_object().key("error").begin_object();
  w.member("code", code);
  w.member("message", redact(message));
  if (!field.empty()) w.member("field", field);
  w.end_object().end_object();
  return std::move(w).take();
}

} // namespace secexport::web

// Error codes of the web layer (see base/error.hpp for the model): what the settings API
// answers when a request cannot be served. Each code has its HTTP status and a stable name
// that API clients may rely on (docs/API.md).
#pragma once

#include "base/error.hpp"

#include <string>
#include <string_view>

namespace secexport::web {

enum class errc {
  bad_request = 1,  // 400: malformed JSON, a wrong type, an unknown or invalid field (named)
  unauthorized,     // 401: no or a wrong admin token
  not_found,        // 404: no such tenant, export run or resource
  conflict,         // 409: a save or an export of the tenant is already running
  not_ready,        // 409: the tenant lacks what the action needs (enable without a method)
  check_failed,     // 422: the credential check failed; nothing was saved
  upstream_failed,  // 502: AWS (STS, S3) failed in a way the request cannot fix
  internal,         // 500: the store could not be read or written
};

[[nodiscard]] const boost::system::error_category& web_category() noexcept;
[[nodiscard]] inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), web_category()};
}

/// The HTTP status and the stable code name ("bad_request") of `e`.
[[nodiscard]] unsigned http_status(errc e) noexcept;
[[nodiscard]] std::string_view code_name(errc e) noexcept;

/// Ends one API request: its code, a message for people and the request field at fault
/// (empty when none).
class api_error : public failure {
public:
  api_error(errc code, const std::string& message, std::string field = {})
      : failure(make_error_code(code), message), errc_(code), field_(std::move(field)) {}
  [[nodiscard]] errc code_enum() const noexcept { return errc_; }
  [[nodiscard]] const std::string& field() const noexcept { return field_; }

private:
  errc errc_;
  std::string field_;
};

/// The JSON body of an error: {"error": {"code", "message", "field"?}}; the message redacted.
[[nodiscard]] std::string error_json(std::string_view code, std::string_view message, std::string_view field = {});

} // namespace secexport::web

template <> struct boost::system::is_error_code_enum<secexport::web::errc> : std::true_type {};

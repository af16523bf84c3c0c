// Error codes of the network layer (see base/error.hpp for the model).
#pragma once

#include "base/error.hpp"

namespace secexport::io {

enum class errc {
  bad_url = 1,            // not http(s)://host[:port][/path] (the message says which part)
  url_has_userinfo,       // user:password@ in a URL: refused, it would end up in messages
  response_too_large,     // a response body beyond the client's limit
  retries_exhausted,      // the attempt limit was reached on a transient failure
  retry_budget_exhausted, // the endpoint's retry budget ran dry
  http_status,            // an HTTP status the caller does not accept (message has it)
};

[[nodiscard]] const boost::system::error_category& io_category() noexcept;
[[nodiscard]] inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), io_category()};
}

} // namespace secexport::io

template <> struct boost::system::is_error_code_enum<secexport::io::errc> : std::true_type {};

// Error codes of the AWS layer (see base/error.hpp for the model): the errors of our own
// AWS code, and the error codes AWS services (S3, STS) answer with, parsed once from a
// response body into `service_errc`. Every decision on an S3 or STS error compares these
// enums, never the text.
#pragma once

#include "base/error.hpp"

#include <string_view>

namespace secexport::auth {

enum class errc {
  bad_config = 1,      // AWS settings (flags, environment, shared files) that cannot work
  no_credentials,      // no link of the credential chain produced credentials
  bad_response,        // a 2xx response whose body is not what the action returns
  call_failed,         // an AWS call failed (the message has the service's code and text)
};

/// The error codes of S3 and STS responses that secexport acts on. Anything else is
/// `other` (the raw code is kept for messages).
enum class service_errc {
  other = 1,
  // credentials and signatures
  access_denied,
  invalid_access_key_id,
  signature_does_not_match,
  expired_token,
  invalid_token,
  request_time_too_skewed,
  request_expired,
  // where the bucket is
  permanent_redirect,
  authorization_header_malformed,
  // throttling and server trouble
  slow_down,
  request_timeout,
  internal_error,
  service_unavailable,
  throttling,
  request_limit_exceeded,
  too_many_requests,
  idp_communication_error,
  operation_aborted,
  // the bytes sent are not the bytes received
  bad_digest,
  invalid_digest,
  content_sha256_mismatch,
  checksum_mismatch,
  // what is missing
  no_such_key,
  no_such_bucket,
  no_such_upload,
  not_found, // a 404 without a body (HEAD)
  // what the request asked is not possible
  invalid_request,
  invalid_part,
  invalid_part_order,
  entity_too_small,
  entity_too_large,
  malformed_xml,
  validation_error,
  invalid_bucket_name,
};

[[nodiscard]] const boost::system::error_category& auth_category() noexcept;
[[nodiscard]] const boost::system::error_category& service_category() noexcept;

[[nodiscard]] inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), auth_category()};
}
[[nodiscard]] inline boost::system::error_code make_error_code(service_errc e) noexcept {
  return {static_cast<int>(e), service_category()};
}

/// Bad AWS configuration (flags, environment, shared files): a failure with errc::bad_config
/// whose message names the profile, file or variable, never a secret value.
class config_error : public failure {
public:
  explicit config_error(const std::string& message) : failure(make_error_code(errc::bad_config), message) {}
};

/// "AccessDenied" -> service_errc::access_denied; unknown codes -> other; "" -> none.
[[nodiscard]] boost::system::error_code parse_service_code(std::string_view code) noexcept;
/// The service's spelling of a code ("AccessDenied").
[[nodiscard]] std::string_view to_string(service_errc e) noexcept;

} // namespace secexport::auth

template <> struct boost::system::is_error_code_enum<secexport::auth::errc> : std::true_type {};
template <> struct boost::system::is_error_code_enum<secexport::auth::service_errc> : std::true_type {};

#include "auth/error.hpp"

#include "base/detail/error_category.hpp"

#include <utility>

namespace secexport::auth {
namespace {

using detail::row;
using enum service_errc;

// Each service code with the services' canonical spelling (the message) and the condition
// that decides what to do about it (io/retry.hpp).
constexpr detail::code_row services[] = {
    row(other, "AWS error"),
    row(access_denied, "AccessDenied", condition::denied),
    row(invalid_access_key_id, "InvalidAccessKeyId", condition::denied),
    row(signature_does_not_match, "SignatureDoesNotMatch", condition::denied),
    row(expired_token, "ExpiredToken", condition::credentials_expired),
    row(invalid_token, "InvalidToken", condition::denied),
    row(request_time_too_skewed, "RequestTimeTooSkewed", condition::clock_skewed),
    row(request_expired, "RequestExpired", condition::clock_skewed),
    row(permanent_redirect, "PermanentRedirect", condition::wrong_region),
    row(authorization_header_malformed, "AuthorizationHeaderMalformed", condition::wrong_region),
    row(slow_down, "SlowDown", condition::transient),
    row(request_timeout, "RequestTimeout", condition::transient),
    row(internal_error, "InternalError", condition::transient),
    row(service_unavailable, "ServiceUnavailable", condition::transient),
    row(throttling, "Throttling", condition::transient),
    row(request_limit_exceeded, "RequestLimitExceeded", condition::transient),
    row(too_many_requests, "TooManyRequestsException", condition::transient),
    row(idp_communication_error, "IDPCommunicationError", condition::transient),
    row(operation_aborted, "OperationAborted", condition::transient),
    row(bad_digest, "BadDigest", condition::integrity),
    row(invalid_digest, "InvalidDigest", condition::integrity),
    row(content_sha256_mismatch, "XAmzContentSHA256Mismatch", condition::integrity),
    row(checksum_mismatch, "InvalidChecksum", condition::integrity),
    row(no_such_key, "NoSuchKey", condition::not_found),
    row(no_such_bucket, "NoSuchBucket", condition::not_found),
    row(no_such_upload, "NoSuchUpload", condition::not_found),
    row(not_found, "NotFound", condition::not_found),
    row(invalid_request, "InvalidRequest"),
    row(invalid_part, "InvalidPart"),
    row(invalid_part_order, "InvalidPartOrder"),
    row(entity_too_small, "EntityTooSmall"),
    row(entity_too_large, "EntityTooLarge"),
    row(malformed_xml, "MalformedXML"),
    row(validation_error, "ValidationError"),
    row(invalid_bucket_name, "InvalidBucketName", condition::bad_input),
};

// Other spellings of the same codes (STS says ExpiredTokenException and ThrottlingException
// where S3 says ExpiredToken and SlowDown).
constexpr std::pair<std::string_view, service_errc> aliases[] = {
    {"InvalidClientTokenId", invalid_access_key_id}, {"ExpiredTokenException", expired_token},
    {"TokenRefreshRequired", expired_token},         {"InternalFailure", internal_error},
    {"ThrottlingException", throttling},             {"AccessDeniedException", access_denied},
    {"ServiceUnavailableException", service_unavailable},
};

constexpr detail::code_row codes[] = {
    row(errc::bad_config, "bad AWS configuration", condition::bad_input),
    // The chain's last link (instance metadata) failed: not necessarily the command line's fault.
    row(errc::no_credentials, "no AWS credentials"),
    row(errc::bad_response, "unreadable AWS response"),
    row(errc::call_failed, "AWS call failed"),
};

} // namespace

const boost::system::error_category& auth_category() noexcept {
  static const detail::table_category c("secexport.auth", codes);
  return c;
}

const boost::system::error_category& service_category() noexcept {
  static const detail::table_category c("aws", services);
  return c;
}

boost::system::error_code parse_service_code(std::string_view code) noexcept {
  if (code.empty()) return {};
  for (const auto& r : services)
    if (r.message == code && r.value != static_cast<int>(other)) return static_cast<service_errc>(r.value);
  for (const auto& [text, e] : aliases)
    if (text == code) return e;
  return other;
}

std::string_view to_string(service_errc e) noexcept {
  for (const auto& r : services)
    if (r.value == static_cast<int>(e)) return r.message;
  return "AWS error";
}

} // namespace secexport::auth

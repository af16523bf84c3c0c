// What a failed AWS call (S3, STS) reports: the service's error code parsed once into
// auth::service_errc, its message and request id, or the transport failure; and the
// exception that carries it where a failed call ends an operation. Parsing is pure; fuzzed.
#pragma once

#include "auth/error.hpp"
#include "base/error.hpp"
#include "io/retry.hpp"

#include <string>
#include <string_view>

namespace secexport::auth {

struct aws_error {
  unsigned status = 0;
  boost::system::error_code code; // service_errc of the response ("AccessDenied" -> access_denied)
  std::string code_text;          // the code as the service spelt it, for messages
  std::string message;            // the service's message (redacted)
  std::string request_id;
  boost::system::error_code transport_code; // set when no response arrived
  std::string transport;                    // ... and what failed, for messages
  std::string bucket_region;                // x-amz-bucket-region of a redirect
  io::retry_class kind = io::retry_class::success;
  unsigned attempts = 0;
  bool sent_more_than_once = false; // the server may have acted on an earlier copy
  bool retries_exhausted = false;   // transient, but the attempts or the budget ran out

  [[nodiscard]] bool failed() const noexcept { return kind != io::retry_class::success; }
  [[nodiscard]] bool is(service_errc e) const noexcept { return code == e; }
  /// "AccessDenied (HTTP 403): Access Denied [request id X]" or the transport failure.
  [[nodiscard]] std::string describe() const;
};

/// Thrown where a failed call ends an operation (credentials cannot be obtained, ...). Its
/// code is the service's code when there is one, else auth::errc::call_failed.
class aws_call_error : public failure {
public:
  aws_call_error(const std::string& message, aws_error error)
      : failure(error.code ? error.code : make_error_code(errc::call_failed), message), error_(std::move(error)) {}
  [[nodiscard]] const aws_error& error() const noexcept { return error_; }

private:
  aws_error error_;
};

/// Code, message and request id of an S3 (`<Error>`) or STS (`<ErrorResponse>`) error body;
/// a body-less error status gets the code its status implies (301, 403, 404).
[[nodiscard]] aws_error parse_aws_error(std::string_view xml, unsigned status);

} // namespace secexport::auth

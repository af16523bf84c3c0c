// Error codes of the S3 layer (see base/error.hpp for the model). Errors S3 itself answers
// with are auth::service_errc.
#pragma once

#include "base/error.hpp"

namespace secexport::s3 {

enum class errc {
  bad_bucket_name = 1, // not a valid S3 bucket name (the message says which rule)
  bad_object_key,      // empty, too long, or not a usable key
  bad_part_settings,   // part size, memory and concurrency that cannot work together
  too_many_parts,      // the stream would need more than S3's 10,000 parts
  upload_failed,       // an operation of the upload failed (the message names it)
  size_mismatch,       // the object in S3 does not have the size that was sent
  integrity_mismatch,  // the store's checksum or ETag differs from ours (sent again)
  unverifiable,        // the store confirms no checksum and returns no MD5 ETag
  cancelled,           // the upload was stopped (a signal, the export failed elsewhere)
};

[[nodiscard]] const boost::system::error_category& s3_category() noexcept;
[[nodiscard]] inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), s3_category()};
}

} // namespace secexport::s3

template <> struct boost::system::is_error_code_enum<secexport::s3::errc> : std::true_type {};

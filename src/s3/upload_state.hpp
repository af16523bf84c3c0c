// The decisions of one upload, as plain state and one pure function (after aws-c-s3's
// auto-ranged put): the driver records what happened and asks `next_action` what to do.
// Tested exhaustively without sockets.
//
// Rules, in order:
// - After a failure: wait for everything in flight (cancelled by the driver), then abort
//   the multipart upload if one was created, then report failure.
// - A stream that ended within its first part becomes one PutObject (no multipart round
//   trips, and nothing left behind if it fails).
// - Otherwise CreateMultipartUpload as soon as part 1 is submitted (the producer submits a
//   full part only once it knows more data follows), UploadPart in part order while fewer
//   than `max_in_flight` are in flight, and CompleteMultipartUpload once the input has
//   ended and every part is acknowledged.
#pragma once

#include <cstdint>
#include <string_view>

namespace secexport::s3 {

struct upload_state {
  // What the producer handed over. The last part and the end of input arrive together.
  std::uint32_t parts_submitted = 0;
  bool input_finished = false;
  // Progress.
  bool single_started = false;   // PutObject
  bool create_started = false;
  bool created = false;
  std::uint32_t parts_started = 0;
  std::uint32_t parts_in_flight = 0;
  std::uint32_t parts_done = 0;
  bool complete_started = false;
  bool operation_in_flight = false; // PutObject, Create or Complete not yet answered
  bool succeeded = false;
  bool failed = false;
  bool abort_started = false;
  bool abort_finished = false;
  unsigned max_in_flight = 1;
};

enum class upload_action {
  wait,
  put_object,
  create_upload,
  upload_part, // the part numbered parts_started + 1
  complete,
  abort,
  succeeded,
  failed,
};

[[nodiscard]] upload_action next_action(const upload_state& s) noexcept;
[[nodiscard]] std::string_view to_string(upload_action a) noexcept;

} // namespace secexport::s3

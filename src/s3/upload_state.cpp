#include "s3/upload_state.hpp"

namespace secexport::s3 {

upload_action next_action(const upload_state& s) noexcept {
  if (s.failed) {
    if (s.parts_in_flight > 0 || s.operation_in_flight) return upload_action::wait;
    if (s.created && !s.abort_started) return upload_action::abort;
    if (s.abort_started && !s.abort_finished) return upload_action::wait;
    return upload_action::failed;
  }
  if (s.succeeded) return upload_action::succeeded;
  if (s.single_started) return upload_action::wait;
  if (!s.create_started) {
    if (s.input_finished && s.parts_submitted <= 1) return upload_action::put_object;
    if (s.parts_submitted >= 1) return upload_action::create_upload;
    return upload_action::wait;
  }
  if (!s.created) return upload_action::wait;
  if (s.parts_started < s.parts_submitted && s.parts_in_flight < s.max_in_flight)
    return upload_action::upload_part;
  if (s.input_finished && s.parts_done == s.parts_submitted && !s.complete_started)
    return upload_action::complete;
  return upload_action::wait;
}

std::string_view to_string(upload_action a) noexcept {
  switch (a) {
  case upload_action::wait: return "wait";
  case upload_action::put_object: return "put_object";
  case upload_action::create_upload: return "create_upload";
  case upload_action::upload_part: return "upload_part";
  case upload_action::complete: return "complete";
  case upload_action::abort: return "abort";
  case upload_action::succeeded: return "succeeded";
  case upload_action::failed: return "failed";
  }
  return "?";
}

} // namespace secexport::s3

// Error codes of the event source layer (see base/error.hpp for the model), and the
// exception that stops an export when the source cannot deliver.
#pragma once

#include "base/error.hpp"

namespace secexport::source {

enum class errc {
  refused = 1,     // the service answered with an error that is not worth retrying (4xx)
  unavailable,     // transient failures until the attempts or the retry budget ran out
  unreadable_page, // a page that is not the JSON the contract describes (after retries)
  unusable_event,  // an event with a missing or mistyped field (--on-bad-event fail)
  out_of_order,    // the service broke its (created_at, id) ordering promise
  page_too_large,  // a page larger than its share of the memory budget
  cursor_loop,     // next_cursor repeats: the chain would never end
  read_failed,     // reading an NDJSON file or stdin failed
};

[[nodiscard]] const boost::system::error_category& source_category() noexcept;
[[nodiscard]] inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), source_category()};
}

/// The source cannot deliver (after retries): the message names what and where (tenant,
/// time range, cursor or line).
class source_error : public failure {
public:
  source_error(errc code, const std::string& message) : failure(make_error_code(code), message) {}
};

} // namespace secexport::source

template <> struct boost::system::is_error_code_enum<secexport::source::errc> : std::true_type {};

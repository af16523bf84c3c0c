// The pre-generated bodies of one (seed, tenant)'s events. A body is every member of an event
// after `created_at`, as JSON text ending with the event's closing brace:
//
//   "email_at_time_of_event":"…","current_email":"…"|null,"developer_id":"…",
//   "event_name":"…","other_account":"…"|null,"properties":{…}}
//
// Building the pool costs a few milliseconds once per tenant; serving an event is then an id,
// a created_at and a memcpy of the body its position selects (event_generator.hpp).
// Immutable after construction, so shareable between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace secexport::event_source {

struct event_body {
  std::uint32_t offset = 0; // into the pool's text
  std::uint32_t length = 0;
  // Offsets relative to the body, for the fault variants (badevent, badutf8):
  std::uint32_t event_name_begin = 0;  // `"event_name":"…",` including the comma
  std::uint32_t event_name_end = 0;
  std::uint32_t properties_inside = 0; // just after the properties object's `{`
  bool properties_empty = false;
};

/// The event names of the product spec, in its order.
[[nodiscard]] std::span<const std::string_view> all_event_names() noexcept;

class event_pool {
public:
  static constexpr std::size_t size = 4096; // a power of two: selection is a mask

  explicit event_pool(std::uint64_t key);

  [[nodiscard]] const event_body& body(std::size_t i) const noexcept { return bodies_[i & (size - 1)]; }
  [[nodiscard]] std::string_view text(const event_body& b) const noexcept {
    return {text_.data() + b.offset, b.length};
  }
  [[nodiscard]] std::size_t max_length() const noexcept { return max_length_; }
  [[nodiscard]] std::size_t total_length() const noexcept { return text_.size(); }

private:
  std::string text_;
  std::vector<event_body> bodies_;
  std::size_t max_length_ = 0;
};

} // namespace secexport::event_source

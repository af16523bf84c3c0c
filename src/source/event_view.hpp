// One security event as the report needs it, viewed in place in the page it came from.
// Strings are the raw text between the JSON quotes (escapes not yet decoded); properties
// is the raw JSON text of the object. Views are valid only while their page is alive.
#pragma once

#include "base/time.hpp"

#include <string_view>

namespace secexport::source {

struct event_view {
  sys_us created_at;
  std::string_view id;
  std::string_view email_at_time_of_event;
  std::string_view current_email; // ignored when current_email_null
  bool current_email_null = false;
  std::string_view developer_id;
  std::string_view event_name;
  std::string_view other_account; // ignored when other_account_null
  bool other_account_null = false;
  std::string_view properties;    // raw JSON, possibly with insignificant whitespace
};

} // namespace secexport::source

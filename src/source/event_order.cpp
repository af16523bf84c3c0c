#include "source/event_order.hpp"

namespace secexport::source {

event_verdict event_order::admit(const source::event_view& e, const page& p) {
  if (e.created_at < start_ || e.created_at >= end_) {
    ++stats_.outside_window;
    return event_verdict::outside_window;
  }
  if (p.request_end != sys_us{} && (e.created_at < p.request_start || e.created_at >= p.request_end)) {
    ++stats_.outside_request;
    return event_verdict::outside_request;
  }
  if (p.after && compare_key(e, *p.after) <= 0) {
    ++stats_.redelivered;
    return event_verdict::already_delivered;
  }
  if (e.created_at >= p.slice_end) {
    ++stats_.redelivered;
    return event_verdict::later_slice;
  }
  if (last_) {
    int c = compare_key(e, *last_);
    if (c == 0) {
      ++stats_.duplicates;
      return event_verdict::duplicate;
    }
    if (c < 0) return event_verdict::out_of_order;
    last_->time = e.created_at;
    last_->id.assign(e.id);
  } else {
    last_ = event_key{e.created_at, std::string(e.id)};
  }
  ++stats_.kept;
  return event_verdict::keep;
}

} // namespace secexport::source

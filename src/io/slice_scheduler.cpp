#include "io/slice_scheduler.hpp"

#include <algorithm>
#include <limits>
#include <cassert>
#include <stdexcept>

namespace secexport::io {

using std::chrono::microseconds;

namespace {
// A split keeps this fraction of a page: density estimates are rough, and a slice that turns
// out a little longer than one page costs a second round trip.
constexpr double split_fill = 0.75;
} // namespace

slice_scheduler::slice_scheduler(const scheduler_settings& settings) : s_(settings) {
  if (s_.end <= s_.start) throw std::invalid_argument("empty time window");
  s_.concurrency = std::max(1u, s_.concurrency);
  s_.ahead_pages = std::max(1u, s_.ahead_pages);
  // Room for the head slice's own pages must always remain.
  s_.max_pages = std::max(s_.max_pages, s_.ahead_pages + 2);
  const auto span = (s_.end - s_.start).count();
  const auto n = static_cast<std::int64_t>(std::min<std::int64_t>(s_.concurrency, std::max<std::int64_t>(span, 1)));
  for (std::int64_t i = 0; i < n; ++i) {
    slice sl{};
    sl.id = next_id_++;
    sl.start = s_.start + microseconds(span * i / n);
    sl.end = i + 1 == n ? s_.end : s_.start + microseconds(span * (i + 1) / n);
    sl.chain_start = sl.start;
    sl.chain_end = sl.end;
    slices_.push_back(std::move(sl));
  }
}

slice_scheduler::slice* slice_scheduler::find(std::uint32_t id) {
  for (auto& s : slices_)
    if (s.id == id) return &s;
  return nullptr;
}

slice_fetch slice_scheduler::start_fetch(slice& s) {
  if (s.cursor.empty()) { // a new chain: from the slice start, or from the last event seen
    s.chain_start = s.after ? s.after->time : s.start;
    s.chain_end = s.end;
  }
  s.in_flight = true;
  ++in_flight_;
  return {s.id, s.chain_start, s.chain_end, s.cursor, s.after};
}

double slice_scheduler::pages_left(const slice& s) const {
  if (s.done) return 0;
  if (s.density <= 0) return std::numeric_limits<double>::infinity();
  const sys_us from = s.resume ? s.resume->time : s.start;
  return static_cast<double>((s.end - from).count()) * s.density / s_.page_limit;
}

std::optional<slice_fetch> slice_scheduler::next_fetch() {
  if (in_flight_ >= s_.concurrency) return std::nullopt;
  const unsigned reserve = s_.ahead_pages + 1;
  const double horizon = s_.max_pages - reserve;
  // Walk the slices in time order, estimating how many pages lie between the consumer and
  // each slice: slices within the horizon read ahead; those beyond it fetch at most their
  // first page (a density sample), so buffers are not spent on data needed much later.
  double pages_before = 0;
  for (std::size_t i = 0; i < slices_.size(); ++i) {
    auto& s = slices_[i];
    const bool head = i == 0;
    const bool near = head || pages_before <= horizon;
    const unsigned cap = near ? s_.ahead_pages : (s.fetched == 0 ? 1 : 0);
    if (!s.done && !s.in_flight && s.waiting < cap &&
        pages_in_use() < s_.max_pages - (head ? 0 : reserve))
      return start_fetch(s);
    pages_before += s.waiting + pages_left(s);
  }
  return split_for_work();
}

std::optional<slice_fetch> slice_scheduler::split_for_work() {
  const unsigned reserve = s_.ahead_pages + 1;
  if (pages_in_use() >= s_.max_pages - reserve) return std::nullopt;
  double pages_before = 0;
  for (std::size_t i = 0; i < slices_.size() && pages_before <= s_.max_pages - reserve; ++i) {
    auto& s = slices_[i];
    const double left = pages_left(s);
    pages_before += s.waiting + left;
    if (s.done || s.density <= 0 || left <= 1.0) continue;
    // Keep what most likely fits in one more page; the rest becomes a new slice. Slices
    // near the consumer are thus read in one round trip each, all at the same time.
    const sys_us from = s.resume ? s.resume->time : s.start;
    auto keep = static_cast<std::int64_t>(split_fill * static_cast<double>(s_.page_limit) / s.density);
    sys_us at = from + microseconds(std::max<std::int64_t>(keep, 1));
    if (at >= s.end || at <= s.start) continue;
    slice later{};
    later.id = next_id_++;
    later.start = at;
    later.end = s.end;
    later.chain_start = later.start;
    later.chain_end = later.end;
    later.density = s.density; // a first guess, so the new slice can be split at once
    s.end = at;
    if (!s.in_flight && !s.cursor.empty()) { // its chain runs past the new end: restart it
      s.cursor.clear();
      s.after = s.resume;
    }
    ++splits_;
    auto it = slices_.insert(slices_.begin() + static_cast<std::ptrdiff_t>(i) + 1, std::move(later));
    return start_fetch(*it);
  }
  return std::nullopt;
}

void slice_scheduler::on_page(const slice_fetch& fetch, const page_summary& page) {
  --in_flight_;
  ++waiting_;
  auto* s = find(fetch.slice);
  assert(s && s->in_flight);
  s->in_flight = false;
  ++s->waiting;
  ++s->fetched;
  // A restarted chain first re-reads events up to `after`: the resume point never moves back.
  if (page.last && (!s->resume || *page.last > *s->resume)) s->resume = page.last;
  if (page.first && page.last && page.events >= 2) {
    auto span = (page.last->time - page.first->time).count();
    // A page whose events all share one microsecond is as dense as it gets.
    s->density = static_cast<double>(page.events - 1) / static_cast<double>(std::max<std::int64_t>(span, 1));
  }
  if (page.last && page.last->time >= s->end) {
    s->done = true; // the chain went past the slice's end: the rest belongs to later slices
  } else if (!page.has_next) {
    s->done = true; // the chain reached chain_end, which is never before the slice's end
  } else if (fetch.end == s->end) {
    s->cursor = page.next_cursor;
  } else { // split while this page was in flight: restart within the new, shorter range
    s->cursor.clear();
    s->after = s->resume;
  }
}

void slice_scheduler::on_consumed(std::uint32_t id) {
  assert(waiting_ > 0);
  --waiting_;
  if (auto* s = find(id); s && s->waiting > 0) --s->waiting;
}

std::optional<std::uint32_t> slice_scheduler::head() const {
  if (slices_.empty()) return std::nullopt;
  return slices_.front().id;
}

bool slice_scheduler::head_complete() const {
  return !slices_.empty() && slices_.front().done && !slices_.front().in_flight;
}

void slice_scheduler::advance_head() {
  assert(head_complete());
  // Pages of this slice that are still being consumed keep counting in waiting_.
  slices_.erase(slices_.begin());
}

sys_us slice_scheduler::slice_end(std::uint32_t id) const {
  for (const auto& s : slices_)
    if (s.id == id) return s.end;
  return s_.end; // an advanced head: nothing after it is fetched by it any more
}

} // namespace secexport::io

#include "source/slice_scheduler.hpp"

#include <algorithm>
#include <limits>
#include <cassert>
#include <stdexcept>

namespace secexport::source {

using std::chrono::microseconds;

namespace {
// A split keeps this fraction of a page: density estimates are rough, and a slice that turns
// out a little longer than one page costs a second round trip.
constexpr double split_fill = 0.75;
// Slices are never cut narrower: where events are denser than a page a millisecond, more
// round trips per slice are cheaper than a sea of slivers.
constexpr microseconds min_slice{1000};
} // namespace

slice_scheduler::slice_scheduler(const scheduler_settings& settings) : s_(settings) {
  if (s_.end <= s_.start) throw std::invalid_argument("empty time window");
  s_.concurrency = std::max(1u, s_.concurrency);
  s_.ahead_pages = std::max(1u, s_.ahead_pages);
  // Room for the head slice's own pages must always remain.
  s_.max_pages = std::max(s_.max_pages, s_.ahead_pages + 2);
  // One slice to begin with: its first page tells the density, and splits then cut the
  // time just ahead of the writer into page-sized slices, K of them in flight. (Cutting the
  // day into K equal slices up front only parks pages far ahead of the writer.)
  slice whole{};
  whole.id = next_id_++;
  whole.start = whole.chain_start = s_.start;
  whole.end = whole.chain_end = s_.end;
  slices_.push_back(std::move(whole));
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
  // Walk the slices in time order, estimating how many pages are still to be fetched before
  // each slice (pages already fetched cost the writer nothing to get through): slices within
  // the horizon read ahead; those beyond it fetch at most their first page, so buffers are
  // not spent on data needed much later.
  double pages_before = 0;
  for (std::size_t i = 0; i < slices_.size(); ++i) {
    auto& s = slices_[i];
    const bool head = i == 0;
    const bool near = head || pages_before <= horizon;
    const unsigned cap = near ? s_.ahead_pages : (s.fetched == 0 ? 1 : 0);
    if (!s.done && !s.in_flight && s.waiting < cap &&
        pages_in_use() < s_.max_pages - (head ? 0 : reserve)) {
      // Right-size before fetching: a request should cover about one page, so the slice is
      // done in one round trip and what lies beyond can be fetched at the same time (if a
      // request slot is left for it).
      if (in_flight_ + 1 < s_.concurrency) (void)split(i);
      return start_fetch(slices_[i]);
    }
    pages_before += pages_left(s);
  }
  return split_for_work();
}

std::optional<std::size_t> slice_scheduler::split(std::size_t i) {
  auto& s = slices_[i];
  const double left = pages_left(s);
  if (s.done || s.density <= 0 || left <= 1.0) return std::nullopt;
  // Keep what most likely fits in one more page; the rest becomes a new slice. Slices near
  // the consumer are thus read in one round trip each, all at the same time. A page in flight
  // covers about a page from `from`: split beyond it, or its events past the split would be
  // fetched (and parsed) twice.
  if (s.in_flight && left <= 1.0 + split_fill) return std::nullopt;
  const sys_us from = s.resume ? s.resume->time : s.start;
  const double pages_kept = split_fill + (s.in_flight ? 1.0 : 0.0);
  auto keep = static_cast<std::int64_t>(pages_kept * static_cast<double>(s_.page_limit) / s.density);
  sys_us at = from + std::max(microseconds(keep), min_slice);
  if (at >= s.end || at <= s.start) return std::nullopt;
  slice later{};
  later.id = next_id_++;
  later.start = at;
  later.end = s.end;
  later.chain_start = later.start;
  later.chain_end = later.end;
  later.density = s.density; // a first guess, replaced by the density of its first page
  s.end = at;
  if (!s.in_flight && !s.cursor.empty()) { // its chain runs past the new end: restart it
    s.cursor.clear();
    s.after = s.resume;
  }
  ++splits_;
  slices_.insert(slices_.begin() + static_cast<std::ptrdiff_t>(i) + 1, std::move(later));
  return i + 1;
}

std::optional<slice_fetch> slice_scheduler::split_for_work() {
  // A new slice's first page must not take the room that slices already begun need for their
  // next page: otherwise they wait until the writer reaches them, one round trip at a time.
  unsigned begun = 0;
  for (const auto& s : slices_)
    if (s.fetched > 0 && !s.done && !s.in_flight) ++begun;
  const unsigned reserve = s_.ahead_pages + 1;
  if (pages_in_use() + begun >= s_.max_pages - reserve) return std::nullopt;
  double pages_before = 0;
  for (std::size_t i = 0; i < slices_.size() && pages_before <= s_.max_pages - reserve; ++i) {
    auto& s = slices_[i];
    pages_before += pages_left(s);
    if (auto later = split(i)) return start_fetch(slices_[*later]);
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
  // The density this page saw: a full page from its own span; the last page of a chain
  // from the whole range it covered (sparse and empty ranges teach as much as dense ones).
  const sys_us covered_from = s->resume && !fetch.cursor.empty() ? s->resume->time : fetch.start;
  if (page.has_next && page.first && page.last && page.events >= 2) {
    auto span = (page.last->time - page.first->time).count();
    // A page whose events all share one microsecond is as dense as it gets.
    s->density = static_cast<double>(page.events - 1) / static_cast<double>(std::max<std::int64_t>(span, 1));
  } else if (!page.has_next) {
    auto span = (fetch.end - covered_from).count();
    s->density = static_cast<double>(std::max<std::size_t>(page.events, 1)) /
                 static_cast<double>(std::max<std::int64_t>(span, 1));
  }
  // A restarted chain first re-reads events up to `after`: the resume point never moves back.
  if (page.last && (!s->resume || *page.last > *s->resume)) s->resume = page.last;
  if (page.last && page.last->time >= s->end) {
    s->done = true; // the chain went past the slice's end: the rest belongs to later slices
  } else if (!page.has_next) {
    s->done = true; // the chain reached chain_end, which is never before the slice's end
  }
  if (s->done) { // the best guess for what follows is what was just seen
    auto next = std::find_if(slices_.begin(), slices_.end(), [&](const slice& x) { return x.id == s->id; }) + 1;
    if (next != slices_.end() && next->fetched == 0 && !next->in_flight) next->density = s->density;
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

} // namespace secexport::source

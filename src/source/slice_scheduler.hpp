// Decides which pages to fetch from a cursor-paginated source so that a source with slow
// pages is read many pages at a time, while the CSV is still written in (created_at, id)
// order and memory stays bounded. Pure logic, no I/O: the time_slice_reader feeds it what
// happened and asks it what to do; tests drive it with a simulated source.
//
// The window [start, end) is cut into time slices, each read by its own cursor chain, up to
// `concurrency` (--source-concurrency K) pages in flight. The consumer reads slices in time
// order; pages of a slice ahead of it wait in memory (at most
// `ahead_pages` per slice, `max_pages` in all, some always reserved for the slice being
// consumed, so it can never be starved). Only slices within about `max_pages` pages of the
// consumer (estimated from event densities) read ahead; later ones fetch just their first
// page, so buffers hold what is needed next. With a slow source, static slices would not help:
// the slice being consumed is still read one page per round trip. So before a slice's next
// page is requested, the slice is cut where that page most likely ends (estimated from the
// event density of its last page) and the rest becomes a new slice; and when a request slot
// is free and no slice can use it, the earliest slice with more than a page still to read is
// split the same way and the later part fetched now. The slices just ahead of the consumer
// thus hold about one page each and are all fetched at the same time.
//
// A split cannot stop a cursor chain that runs past the new end; that slice restarts from
// its last event (start = its time, and events up to it are filtered out by `after`), and
// events of an earlier page beyond the new end are dropped when consumed (the new slice
// delivers them). Filtering, ordering and deduplication happen in the consumer.
#pragma once

#include "source/event_page.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace secexport::source {

struct scheduler_settings {
  sys_us start{}, end{};
  unsigned concurrency = 4;    // requests in flight (--source-concurrency)
  unsigned ahead_pages = 2;    // pages a slice may hold before the consumer reaches it
  unsigned max_pages = 16;     // page buffers in all, in flight or waiting
  unsigned page_limit = 1000;  // events per page asked for
};

struct slice_fetch {
  std::uint32_t slice = 0;
  sys_us start{}, end{};              // the chain's range, sent with every page of the chain
  std::string cursor;                 // empty: the chain's first page
  std::optional<event_key> after;     // the consumer drops events <= after from this page
};

struct page_summary {
  std::size_t events = 0;              // events in the page as served
  std::optional<event_key> first, last;
  bool has_next = false;               // next_cursor was not null
  std::string next_cursor;
};

class slice_scheduler {
public:
  explicit slice_scheduler(const scheduler_settings& settings);

  /// The next page to fetch, or nullopt when nothing may or need be fetched now.
  [[nodiscard]] std::optional<slice_fetch> next_fetch();
  /// A fetched page arrived (after any retries).
  void on_page(const slice_fetch& fetch, const page_summary& page);
  /// The consumer finished with one page of `slice`.
  void on_consumed(std::uint32_t slice);

  /// The slice the consumer reads now; nullopt when every slice is done.
  [[nodiscard]] std::optional<std::uint32_t> head() const;
  /// The head slice will get no more pages: the consumer may move on after its pages.
  [[nodiscard]] bool head_complete() const;
  /// Drops the completed head slice.
  void advance_head();
  [[nodiscard]] bool finished() const { return slices_.empty() && in_flight_ == 0; }

  /// The current end of `slice` (it shrinks when the slice is split); events at or after it
  /// belong to later slices.
  [[nodiscard]] sys_us slice_end(std::uint32_t slice) const;

  [[nodiscard]] unsigned in_flight() const noexcept { return in_flight_; }
  [[nodiscard]] unsigned pages_in_use() const noexcept { return in_flight_ + waiting_; }
  [[nodiscard]] std::uint64_t splits() const noexcept { return splits_; }
  [[nodiscard]] std::size_t slices() const noexcept { return slices_.size(); }
  [[nodiscard]] const scheduler_settings& settings() const noexcept { return s_; }

private:
  struct slice {
    std::uint32_t id;
    sys_us start, end;
    sys_us chain_start, chain_end;   // the range the current cursor chain was opened with
    std::string cursor;              // empty: open a new chain next
    std::optional<event_key> after;  // filter for pages of the next chain
    std::optional<event_key> resume; // the last event fetched so far
    double density = 0;              // events per microsecond, 0 = unknown
    bool in_flight = false;
    bool done = false;               // no more pages to fetch
    unsigned waiting = 0;            // fetched, not yet consumed
    unsigned fetched = 0;            // pages fetched in all
  };

  slice* find(std::uint32_t id);
  /// Estimated pages still to fetch for `s` (infinite while its density is unknown).
  [[nodiscard]] double pages_left(const slice& s) const;
  slice_fetch start_fetch(slice& s);
  /// Splits slices_[i] after about one page; returns the new slice's index.
  std::optional<std::size_t> split(std::size_t i);
  std::optional<slice_fetch> split_for_work();

  scheduler_settings s_;
  std::vector<slice> slices_; // in time order; slices_.front() is the head
  std::uint32_t next_id_ = 0;
  unsigned in_flight_ = 0;
  unsigned waiting_ = 0;
  std::uint64_t splits_ = 0;
};

} // namespace secexport::source

// Reads a tenant's events for a time window from the paged event API, many pages at a time
// (slice_scheduler), and hands them to the producer thread in report order.
//
// Threads: `run()` and the fetches run on the network executor; pages are parsed on a
// small parse pool (one simdjson parser per thread, reused) as soon as they arrive, in any
// order, so the scheduler learns cursors and densities at once; `next()`, `release()` and
// `stop()` are for the producer thread. Memory: at most `max_pages` pages exist; a page is
// reused once the producer releases it. With `page_memory` set, the bodies of all pages
// together never hold more than that many bytes: a page may be larger than its share
// (page_memory / max_pages) while others are smaller, a page that would not fit is
// source::errc::page_too_large (named, before its body is read), and a page buffer that grew
// beyond its share shrinks back to it when the producer releases it. Each page's event views
// are reserved for --page-limit events (the budget counts them beside `page_memory`).
#pragma once

#include "io/http_client.hpp"
#include "source/page_parser.hpp"
#include "source/page_source.hpp"
#include "source/slice_scheduler.hpp"
#include "source/source_client.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>

namespace secexport::source {

struct http_source_settings {
  source_settings source;
  sys_us start{}, end{};       // the export window
  unsigned concurrency = 4;    // --source-concurrency: pages requested at once
  unsigned ahead_pages = 2;
  unsigned max_pages = 16;     // pages in memory at most
  std::uint64_t page_memory = 0; // bytes all page bodies may hold together (0: no budget)
  bool skip_bad_events = false;
  unsigned parse_threads = 1;
};

class http_page_source final : public page_source {
public:
  /// `http` is the source endpoint's client (its retry budget is the source's own);
  /// retries are counted in `counters` (the export's).
  http_page_source(boost::asio::any_io_executor network, io::http_client& http, io::retry_clock& clock,
                   io::retry_counters* counters, http_source_settings settings);
  ~http_page_source() override;

  /// Network executor: fetches until every page is delivered, the source failed, or stop().
  boost::asio::awaitable<void> run();

  page* next() override;
  void release(page* p) override;
  void stop() override;
  [[nodiscard]] source_stats stats() const override;

private:
  boost::asio::awaitable<void> fetch(slice_fetch f, page* p);
  void spawn_fetch(slice_fetch f, page* p);
  void deliver();
  struct held_pages {
    std::uint64_t bytes = 0, largest = 0;
  };
  /// The memory budget's answer for `p`'s next body, and what the other pages held (source
  /// thread).
  std::uint64_t page_allowance(page* p, std::optional<std::uint64_t> declared, held_pages& held);
  /// A repeated next_cursor in `f`'s chain: the chain would never end.
  [[nodiscard]] bool loops(const slice_fetch& f, const page& p);
  void fail(error e);
  void wake() { wakeup_.cancel(); }

  boost::asio::any_io_executor executor_;
  http_source_settings settings_;
  source_client client_;
  slice_scheduler scheduler_;
  boost::asio::thread_pool parse_pool_;

  // Network thread only.
  std::vector<std::unique_ptr<page>> pages_;
  std::map<std::uint32_t, std::set<std::string>> chain_cursors_; // cursors each slice's chain has followed
  std::vector<page*> free_;
  std::map<std::uint32_t, std::deque<page*>> pending_; // fetched, waiting for their slice's turn
  boost::asio::steady_timer wakeup_;
  std::vector<boost::asio::cancellation_signal> slots_;
  std::vector<std::size_t> free_slots_;
  unsigned running_ = 0;
  bool failed_ = false, stopping_ = false;

  // Shared with the producer thread.
  mutable std::mutex mutex_;
  std::condition_variable ready_cv_;
  std::deque<page*> ready_;
  bool ended_ = false, stopped_ = false;
  std::optional<error> error_;
  source_stats stats_;
};

} // namespace secexport::source

#include "source/http_page_source.hpp"

#include "base/log.hpp"

#include <pthread.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace secexport::source {

namespace net = boost::asio;

namespace {

page_parser& thread_parser() {
  thread_local page_parser parser = [] { // one simdjson parser per parse thread, reused
    ::pthread_setname_np(::pthread_self(), "se-parse");
    return page_parser{};
  }();
  return parser;
}

scheduler_settings scheduler_for(const http_source_settings& s) {
  scheduler_settings out;
  out.start = s.start;
  out.end = s.end;
  out.concurrency = s.concurrency;
  out.ahead_pages = s.ahead_pages;
  out.max_pages = s.max_pages;
  out.page_limit = s.source.limit;
  return out;
}

} // namespace

http_page_source::http_page_source(net::any_io_executor network, io::http_client& http, io::retry_clock& clock,
                                   io::retry_counters* counters, http_source_settings settings)
    : executor_(network), settings_(std::move(settings)), client_(http, settings_.source, clock, counters),
      scheduler_(scheduler_for(settings_)), parse_pool_(std::max(1u, settings_.parse_threads)),
      wakeup_(network), slots_(settings_.concurrency) {
  const unsigned pages = scheduler_.settings().max_pages;
  for (unsigned i = 0; i < pages; ++i) {
    pages_.push_back(std::make_unique<page>());
    free_.push_back(pages_.back().get());
  }
  for (std::size_t i = slots_.size(); i-- > 0;) free_slots_.push_back(i);
}

http_page_source::~http_page_source() { parse_pool_.join(); }

void http_page_source::spawn_fetch(slice_fetch f, page* p) {
  auto slot = free_slots_.back();
  free_slots_.pop_back();
  ++running_;
  net::co_spawn(executor_, fetch(std::move(f), p),
                net::bind_cancellation_slot(slots_[slot].slot(), [this, slot](std::exception_ptr e) {
                  free_slots_.push_back(slot);
                  --running_;
                  if (e) {
                    try {
                      std::rethrow_exception(e);
                    } catch (const boost::system::system_error& se) {
                      if (se.code() != net::error::operation_aborted)
                        fail({errc::unavailable, std::string("reading the event source failed: ") + se.what()});
                    } catch (const std::exception& ex) {
                      fail({errc::unavailable, std::string("reading the event source failed: ") + ex.what()});
                    }
                  }
                  wake();
                }));
}

net::awaitable<void> http_page_source::fetch(slice_fetch f, page* p) {
  p->clear();
  p->slice = f.slice;
  p->cursor = f.cursor;
  p->request_start = f.start;
  p->request_end = f.end;
  p->after = f.after;
  const page_request request{f.start, f.end, f.cursor};
  // Each page is parsed at once, off the network thread, whatever its place in the report;
  // a page that does not parse is fetched again (the retry engine decides how often). Not
  // cancellable: Asio 1.81 forwards a cancellation across executors into the parse thread
  // racily (ASan saw the slot freed under it), and a parse takes a millisecond.
  auto parse = [this, p]() -> net::awaitable<std::optional<std::string>> {
    auto parsed = co_await net::co_spawn(
        parse_pool_.get_executor(),
        [p]() -> net::awaitable<std::optional<std::string>> { co_return thread_parser().parse_page(*p); },
        net::bind_cancellation_slot(net::cancellation_slot(), net::use_awaitable));
    co_return parsed;
  };
  auto fetched = co_await client_.fetch(request, p->body, parse);
  if (!fetched) {
    fail(fetched.error());
    co_return;
  }
  if (!p->bad.empty() && !settings_.skip_bad_events) {
    const auto& b = p->bad.front();
    fail({errc::unusable_event, "event " + std::to_string(b.position) + " of the page for " + client_.describe(request) +
                                    " is unusable: " + b.reason +
                                    " (--on-bad-event skip skips such events and counts them)"});
    co_return;
  }
  page_summary summary;
  summary.events = p->events.size() + p->bad.size();
  if (!p->events.empty()) {
    summary.first = event_key{p->events.front().created_at, std::string(p->events.front().id)};
    summary.last = event_key{p->events.back().created_at, std::string(p->events.back().id)};
  }
  summary.has_next = p->next_cursor.has_value();
  if (summary.has_next) summary.next_cursor = *p->next_cursor;
  {
    std::lock_guard lock(mutex_);
    ++stats_.pages;
    stats_.events += p->events.size();
    stats_.bytes += p->body.size();
    stats_.bad_events += p->bad.size();
    stats_.invalid_utf8 += p->invalid_utf8_replaced;
  }
  if (failed_ || stopping_) co_return; // the page goes back with the rest at the end
  scheduler_.on_page(f, summary);
  pending_[f.slice].push_back(p);
}

void http_page_source::deliver() {
  while (auto head = scheduler_.head()) {
    if (auto it = pending_.find(*head); it != pending_.end()) {
      std::lock_guard lock(mutex_);
      for (auto* p : it->second) {
        p->slice_end = scheduler_.slice_end(*head);
        ready_.push_back(p);
      }
      pending_.erase(it);
      ready_cv_.notify_one();
    }
    if (!scheduler_.head_complete()) break;
    scheduler_.advance_head();
  }
}

void http_page_source::fail(error e) {
  if (failed_) return;
  failed_ = true;
  {
    std::lock_guard lock(mutex_);
    error_ = std::move(e);
  }
  ready_cv_.notify_all();
  for (auto& s : slots_) s.emit(net::cancellation_type::terminal);
  wake();
}

net::awaitable<void> http_page_source::run() {
  for (;;) {
    if (!failed_ && !stopping_) {
      while (!free_.empty()) {
        auto f = scheduler_.next_fetch();
        if (!f) break;
        auto* p = free_.back();
        free_.pop_back();
        spawn_fetch(std::move(*f), p);
      }
      deliver();
      if (scheduler_.finished() && pending_.empty()) {
        std::lock_guard lock(mutex_);
        ended_ = true;
        ready_cv_.notify_all();
      }
    }
    if ((failed_ || stopping_ || ended_) && running_ == 0) break;
    wakeup_.expires_at(net::steady_timer::time_point::max());
    co_await wakeup_.async_wait(net::as_tuple(net::use_awaitable));
  }
  std::lock_guard lock(mutex_);
  stats_.requests = client_.requests();
  stats_.splits = scheduler_.splits();
}

page* http_page_source::next() {
  std::unique_lock lock(mutex_);
  ready_cv_.wait(lock, [&] { return !ready_.empty() || ended_ || error_ || stopped_; });
  if (error_) throw failure(*error_);
  if (ready_.empty()) return nullptr;
  auto* p = ready_.front();
  ready_.pop_front();
  return p;
}

void http_page_source::release(page* p) {
  net::post(executor_, [this, p] {
    scheduler_.on_consumed(p->slice);
    free_.push_back(p);
    wake();
  });
}

void http_page_source::stop() {
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  ready_cv_.notify_all();
  net::post(executor_, [this] {
    stopping_ = true;
    for (auto& s : slots_) s.emit(net::cancellation_type::terminal);
    wake();
  });
}

source_stats http_page_source::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

} // namespace secexport::source

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
    // Reserved, as the budget counts them (exporter::source_memory): pages filling up one by one
    // would otherwise double their views up to 2x --page-limit. Touched only as parsed into.
    pages_.back()->events.reserve(settings_.source.limit);
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
        [p, trim = settings_.page_memory / std::max<std::size_t>(1, pages_.size())]()
            -> net::awaitable<std::optional<std::string>> {
          auto& parser = thread_parser();
          auto problem = parser.parse_page(*p);
          if (trim) parser.trim(trim); // what a large page made the parser keep goes
          co_return problem;
        },
        net::bind_cancellation_slot(net::cancellation_slot(), net::use_awaitable));
    co_return parsed;
  };
  p->committed = p->body.capacity();
  page_limit_fn limit;
  std::string limit_text;
  auto others = std::make_shared<held_pages>(); // what the other pages held when this one was judged
  if (settings_.page_memory) {
    limit = [this, p, others](std::optional<std::uint64_t> declared) { return page_allowance(p, declared, *others); };
    limit_text = "the event source may still hold of its " + std::to_string(settings_.page_memory) +
                 "-byte share of --max-memory (" + std::to_string(pages_.size()) + " pages of --page-limit " +
                 std::to_string(settings_.source.limit) + " events)";
  }
  auto fetched = co_await client_.fetch(request, p->body, parse, std::move(limit), std::move(limit_text));
  p->committed = p->body.capacity();
  if (!fetched) {
    auto e = fetched.error();
    if (e.code == errc::page_too_large && others->bytes) // name what took the rest of the share
      e.message += " (the other pages held then took " + std::to_string(others->bytes) + " bytes, the largest " +
                   std::to_string(others->largest) + ")";
    fail(std::move(e));
    co_return;
  }
  if (loops(f, *p)) {
    fail({errc::cursor_loop, "the event source answered the page for " + client_.describe(request) +
                                 " with next_cursor '" + *p->next_cursor +
                                 "', which this chain of pages has already followed: it would never end"});
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

std::uint64_t http_page_source::page_allowance(page* p, std::optional<std::uint64_t> declared, held_pages& held) {
  std::uint64_t others = 0;
  held = {};
  for (const auto& q : pages_)
    if (q.get() != p) {
      others += q->committed;
      held.largest = std::max(held.largest, q->committed);
    }
  held.bytes = others;
  const auto allowed = settings_.page_memory > others ? settings_.page_memory - others : 0;
  // Held at once, so that another page arriving meanwhile sees it taken.
  p->committed = std::max<std::uint64_t>(p->body.capacity(), std::min(declared.value_or(allowed), allowed));
  return allowed;
}

bool http_page_source::loops(const slice_fetch& f, const page& p) {
  auto& seen = chain_cursors_[f.slice];
  if (f.cursor.empty()) seen.clear(); // a new chain
  else seen.insert(f.cursor);
  return p.next_cursor && (*p.next_cursor == f.cursor || seen.contains(*p.next_cursor));
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
    // A page that grew beyond its share of the budget gives the rest back.
    if (settings_.page_memory) {
      const auto share = std::max<std::uint64_t>(settings_.page_memory / pages_.size(), 64u << 10);
      if (p->body.capacity() > share) p->body.shrink_to(static_cast<std::size_t>(share));
      if (p->events.capacity() > settings_.source.limit) { // a source that sent more events than asked
        p->events.clear();
        p->events.shrink_to_fit();
        p->events.reserve(settings_.source.limit);
      }
      p->committed = p->body.capacity();
    }
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

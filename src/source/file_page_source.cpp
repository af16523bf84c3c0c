#include "source/file_page_source.hpp"

#include <algorithm>
#include <cstring>

namespace secexport::source {

file_page_source::file_page_source(int fd, std::string name, bool skip_bad_events, std::size_t chunk)
    : reader_(fd), name_(std::move(name)), skip_bad_(skip_bad_events), chunk_(chunk) {}

page* file_page_source::next() {
  for (;;) {
    if (eof_ && carry_.empty()) return nullptr;
    page_.clear();
    page_.body.append(carry_);
    carry_.clear();
    std::size_t last_newline = std::string::npos;
    while (!eof_) {
      auto room = page_.body.prepare(chunk_);
      std::size_t n = 0;
      try {
        n = reader_.read_some({room, chunk_});
      } catch (const std::system_error& e) {
        throw source_error(errc::read_failed, "reading " + name_ + " failed: " + e.what());
      }
      if (n == 0) {
        eof_ = true;
        break;
      }
      page_.body.commit(n);
      stats_.bytes += n;
      // Only whole lines are parsed; a line longer than a chunk makes the page grow, within
      // bounds.
      auto view = page_.body.view();
      auto nl = view.rfind('\n');
      if (nl != std::string_view::npos) {
        last_newline = nl;
        break;
      }
      if (page_.body.size() >= 2 * chunk_)
        throw source_error(errc::page_too_large, name_ + ": line " + std::to_string(line_) + " is longer than " +
                                                     std::to_string(2 * chunk_) + " bytes, more than an event may be");
    }
    auto view = page_.body.view();
    if (!eof_ && last_newline != std::string::npos && last_newline + 1 < view.size()) {
      carry_.assign(view.substr(last_newline + 1));
      page_.body.truncate(last_newline + 1);
    }
    if (page_.body.empty()) continue;
    page_.first_line = line_;
    line_ += static_cast<std::uint64_t>(std::count(page_.body.data(), page_.body.data() + page_.body.size(), '\n'));
    if (auto problem = parser_.parse_lines(page_)) throw source_error(errc::unreadable_page, name_ + ": " + *problem);
    ++stats_.pages;
    stats_.events += page_.events.size();
    stats_.bad_events += page_.bad.size();
    stats_.invalid_utf8 += page_.invalid_utf8_replaced;
    if (!page_.bad.empty() && !skip_bad_) {
      const auto& b = page_.bad.front();
      throw source_error(errc::unusable_event, name_ + ": line " + std::to_string(b.position) + " is unusable: " + b.reason +
                         " (--on-bad-event skip skips such events and counts them)");
    }
    return &page_;
  }
}

} // namespace secexport::source

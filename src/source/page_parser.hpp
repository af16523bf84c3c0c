// Reads event pages with simdjson's on-demand API in one forward pass: every field of every
// event is visited once; strings are kept as views of their raw text (decoded later, while
// the CSV row is written); `properties` is taken as its raw JSON text. A body that is not
// valid UTF-8 is repaired once (U+FFFD per invalid sequence, counted) before parsing.
//
// One parser per thread, reused for every page (simdjson keeps its buffers).
#pragma once

#include "source/event_page.hpp"

#include <simdjson.h>

#include <optional>
#include <string>

namespace secexport::source {

class page_parser {
public:
  /// Parses an API page `{"events":[...],"next_cursor":"..."|null}` in `p.body`, filling
  /// p.events, p.bad and p.next_cursor. Returns a description of what is wrong when the page
  /// as a whole cannot be read (malformed JSON, wrong shape); events that are individually
  /// broken (missing or mistyped fields) go to p.bad and do not fail the page.
  [[nodiscard]] std::optional<std::string> parse_page(page& p);

  /// Parses NDJSON (one event object per line) in `p.body`, which must end at a line end;
  /// `p.first_line` numbers the first line. Blank lines are skipped. Returns a description
  /// naming the line when a line is not JSON at all.
  [[nodiscard]] std::optional<std::string> parse_lines(page& p);

  /// Gives back the memory a page larger than `keep` bytes made the parser hold (simdjson's
  /// index grows to the largest document; the UTF-8 repair buffer too).
  void trim(std::size_t keep);

private:
  /// Repairs invalid UTF-8 in p.body in place; returns false if nothing was wrong.
  bool repair(page& p);

  simdjson::ondemand::parser parser_;
  std::string repaired_;
};

/// Reads one event object into `out`; returns the reason it is unusable, if it is.
[[nodiscard]] std::optional<std::string> read_event(simdjson::ondemand::object object, source::event_view& out);

} // namespace secexport::source

// Reads events from NDJSON (one event object per line) in a file or stdin, for offline
// exports and replays. Runs entirely on the producer thread: reads a chunk, parses the whole
// lines in it, hands the page over; the partial last line waits for the next chunk.
#pragma once

#include "base/fd_reader.hpp"
#include "source/page_parser.hpp"
#include "source/page_source.hpp"

#include <string>

namespace secexport::source {

class file_page_source final : public page_source {
public:
  /// `fd` is read, not closed; `name` is for messages ("stdin", a path). A line longer than
  /// `chunk` makes a page grow, up to twice `chunk`: a longer line is page_too_large.
  file_page_source(int fd, std::string name, bool skip_bad_events, std::size_t chunk = 4u << 20);

  page* next() override;
  void release(page*) override {}
  void stop() override { reader_.interrupt(); }
  [[nodiscard]] source_stats stats() const override { return stats_; }

private:
  fd_reader reader_;
  std::string name_;
  bool skip_bad_;
  std::size_t chunk_;
  page page_;
  std::string carry_;     // the start of a line that continues in the next chunk
  std::uint64_t line_ = 1; // number of the first line of the next page
  bool eof_ = false;
  page_parser parser_;
  source_stats stats_;
};

} // namespace secexport::source

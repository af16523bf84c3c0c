// What the report writer reads: event pages in report order, one at a time, on the producer
// thread. Implementations: http_page_source (the paged API, fetched concurrently by the
// network thread) and file_page_source (NDJSON from a file or stdin).
#pragma once

#include "source/error.hpp"
#include "source/event_page.hpp"

#include <cstdint>
#include <string>

namespace secexport::source {

struct source_stats {
  std::uint64_t requests = 0;      // HTTP requests, retries included
  std::uint64_t pages = 0;         // pages read
  std::uint64_t events = 0;        // events parsed
  std::uint64_t bytes = 0;         // body bytes read
  std::uint64_t bad_events = 0;    // events that could not be read
  std::uint64_t invalid_utf8 = 0;  // sequences replaced by U+FFFD
  std::uint64_t splits = 0;        // time slices split to read concurrently
};

class page_source {
public:
  virtual ~page_source() = default;
  /// Blocks until the next page in order is ready; nullptr when there are no more. Throws
  /// source_error when the source failed.
  [[nodiscard]] virtual page* next() = 0;
  /// The caller is done with `p`; its memory may be reused.
  virtual void release(page* p) = 0;
  /// Stops reading (the upload failed): a blocked next() returns nullptr. Thread-safe.
  virtual void stop() = 0;
  [[nodiscard]] virtual source_stats stats() const = 0;
};

} // namespace secexport::source

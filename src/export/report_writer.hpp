// The producer's loop body: event pages in, CSV rows out, straight into the upload's part
// buffers. Admits each event through event_order (exactly once, in order, in the window)
// and encodes it with row_encoder directly into the current part when it fits, through one
// reusable scratch row at a part boundary (parts are byte ranges; the row is split there
// without losing or repeating a byte).
//
// `Out` is where the rows go: s3::part_writer (an uncompressed report) or compressing_writer
// (rows into the compressor's input buffer); both offer window / commit / write. A template,
// instantiated for the two in report_writer.cpp, so the per-row calls are direct ones.
#pragma once

#include "csv/row_encoder.hpp"
#include "export/compressing_writer.hpp"
#include "source/event_order.hpp"
#include "source/page_source.hpp"
#include "s3/part_writer.hpp"

#include <string>

namespace secexport::exporter {

struct report_stats {
  std::uint64_t rows = 0;
  std::uint64_t replaced_escapes = 0;
};

template <class Out> class report_writer {
public:
  report_writer(Out& out, csv::row_encoder_options options, source::event_order& order);

  /// The header row. False when the upload has failed.
  bool write_header();
  /// Every admitted event of `p` as a row. False when the upload has failed. Throws
  /// source::source_error when the source broke its ordering promise.
  bool write(const source::page& p);

  [[nodiscard]] report_stats stats() const noexcept { return {rows_, encoder_.replaced_escapes()}; }

private:
  Out& out_;
  csv::row_encoder encoder_;
  source::event_order& order_;
  std::string scratch_; // a row that straddles two parts
  std::uint64_t rows_ = 0;
};

extern template class report_writer<s3::part_writer>;
extern template class report_writer<compressing_writer>;

} // namespace secexport::exporter

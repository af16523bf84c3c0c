// Encodes security events as rows of the CSV report, exactly as the specification says:
//
//   CreatedAt,EmailAtTimeOfEvent,CurrentEmail,EventName,OtherAccount,JsonProperties,Version
//
// RFC 4180 (a field containing `,` `"` CR or LF is quoted, quotes doubled), CRLF line ends,
// UTF-8. CreatedAt is written as `YYYY-MM-DDTHH:MM:SS.mmmZ`; CurrentEmail falls back to the
// developer ID when the user no longer exists; OtherAccount is empty when absent;
// JsonProperties is the properties object minified; Version is 1. JSON string escapes are
// decoded on the way (one pass), and an escape that is not a Unicode scalar value (a lone
// surrogate) becomes U+FFFD and is counted.
//
// With the formula guard, a cell beginning with `=`, `+`, `-`, `@`, tab or CR gets a leading
// `'`, so spreadsheet programs show it instead of evaluating it.
//
// Rows are written straight into the caller's memory (a part buffer); the encoder keeps one
// small scratch string, reused, for decoded fields. Not thread-safe: one per producer.
#pragma once

#include "source/event_view.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace secexport::csv {

inline constexpr std::string_view report_header =
    "CreatedAt,EmailAtTimeOfEvent,CurrentEmail,EventName,OtherAccount,JsonProperties,Version\r\n";
inline constexpr int report_format_version = 1;

struct row_encoder_options {
  bool formula_guard = false;
};

class row_encoder {
public:
  explicit row_encoder(row_encoder_options options = {}) : options_(options) {}

  /// An upper bound of the bytes encode() writes for `e`.
  [[nodiscard]] static std::size_t max_row_size(const source::event_view& e) noexcept;
  /// Writes the row for `e` at `out`, which has room for max_row_size(e) bytes; returns the
  /// number of bytes written.
  std::size_t encode(const source::event_view& e, char* out);

  /// Gives back what an unusually large field made the scratch string keep.
  void trim(std::size_t keep) {
    if (scratch_.capacity() <= keep) return;
    scratch_.clear();
    scratch_.shrink_to_fit();
  }

  /// Lone-surrogate escapes replaced by U+FFFD so far.
  [[nodiscard]] std::uint64_t replaced_escapes() const noexcept { return replaced_; }


private:
  char* write_text_field(std::string_view raw, char* out);
  char* write_json_field(std::string_view json, char* out);
  char* write_cell(std::string_view text, char* out) const;

  row_encoder_options options_;
  std::string scratch_;
  std::uint64_t replaced_ = 0;
};

} // namespace secexport::csv

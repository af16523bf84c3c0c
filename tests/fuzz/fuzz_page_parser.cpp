// Fuzzes the event page parser (source/page_parser.cpp) with what an event source may send,
// and the CSV row encoder with every event it accepts.
//
// Input: one mode byte, then the body. Mode bit 0 clear: an API page for parse_page; set:
// NDJSON for parse_lines (a '\n' is appended when the body does not end with one, as
// parse_lines requires). The body is copied into the page's byte_buffer, which keeps the
// padding simdjson reads past the end. One parser serves every input, as one serves every
// page of a thread in production.
//
// Checks:
//   - parse-no-throw: parse_page and parse_lines report what is wrong with a page as their
//     result (page_parser.hpp); no exception escapes them.
// After a successful parse, for every event:
//   - view-in-body: its string views lie inside the page body (event_page.hpp: the views
//     point into `body`), except `properties` "{}" that stands for a null properties;
//   - row-size: row_encoder::encode, with and without the formula guard, writes at most
//     max_row_size bytes (the producer sizes its part buffers by it). The row goes into a
//     heap block of exactly max_row_size bytes, so ASan reports any write past it;
//   - row-utf8: the row is valid UTF-8 (the body was valid or repaired; utf8.hpp: "nothing
//     invalid ever reaches the CSV");
//   - row-created-at: the row starts with CreatedAt as YYYY-MM-DDTHH:MM:SS.mmmZ and a comma
//     (row_encoder.hpp).
#include "fuzz_check.hpp"

#include "base/utf8.hpp"
#include "csv/row_encoder.hpp"
#include "source/page_parser.hpp"

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>

using namespace secexport;

namespace {

bool within(std::string_view part, const byte_buffer& body) {
  auto begin = reinterpret_cast<std::uintptr_t>(body.data());
  auto p = reinterpret_cast<std::uintptr_t>(part.data());
  return part.empty() || (p >= begin && p + part.size() <= begin + body.size());
}

bool created_at_cell(std::string_view row) {
  constexpr std::string_view shape = "dddd-dd-ddTdd:dd:dd.dddZ,";
  if (row.size() < shape.size()) return false;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    bool ok = shape[i] == 'd' ? (row[i] >= '0' && row[i] <= '9') : row[i] == shape[i];
    if (!ok) return false;
  }
  return true;
}

void check_row(csv::row_encoder& encoder, const source::event_view& e) {
  const std::size_t max = csv::row_encoder::max_row_size(e);
  auto out = std::make_unique<char[]>(max);
  const std::size_t n = encoder.encode(e, out.get());
  FUZZ_CHECK("row-size", n <= max, "encode wrote " + std::to_string(n) + " bytes, max_row_size is " + std::to_string(max));
  std::string_view row(out.get(), n);
  FUZZ_CHECK("row-utf8", valid_utf8(row), "row " + fuzz::quoted(row));
  FUZZ_CHECK("row-created-at", created_at_cell(row), "row " + fuzz::quoted(row));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static source::page_parser parser;
  static csv::row_encoder plain, guarded({.formula_guard = true});

  const bool ndjson = data[0] & 1;
  source::page page;
  page.body.append(data + 1, size - 1);
  if (ndjson && (page.body.empty() || page.body.view().back() != '\n')) page.body.append("\n");

  std::optional<std::string> problem;
  try {
    problem = ndjson ? parser.parse_lines(page) : parser.parse_page(page);
  } catch (const std::exception& e) {
    FUZZ_CHECK("parse-no-throw", false, std::string("an exception escaped the parser: ") + e.what());
    return 0;
  }
  if (problem) return 0;

  for (const auto& e : page.events) {
    for (std::string_view v : {e.id, e.email_at_time_of_event, e.current_email, e.developer_id, e.event_name,
                               e.other_account})
      FUZZ_CHECK("view-in-body", within(v, page.body), "a field view " + fuzz::quoted(v) + " outside the body");
    FUZZ_CHECK("view-in-body", within(e.properties, page.body) || e.properties == "{}",
               "properties " + fuzz::quoted(e.properties) + " outside the body");
    check_row(plain, e);
    check_row(guarded, e);
  }
  return 0;
}

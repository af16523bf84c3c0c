// Fuzzes the CSV row encoder (csv/row_encoder.cpp) and JSON string decoding
// (base/json_text.cpp) with arbitrary bytes as the raw JSON string contents of an event: the
// page parser hands the encoder the text between the quotes, escapes undecoded, and a
// broken source can send any escape.
//
// Input: a 14-byte header (missing bytes read as 0), then the field bytes.
//   [0]      flags: bit 0 current_email null, bit 1 other_account null
//   [1..8]   created_at, little-endian, taken modulo the years 0000..9999 that
//            write_rfc3339_ms accepts
//   [9..13]  lengths of email_at_time_of_event, current_email, developer_id, event_name,
//            other_account (each 0..255, cut to what is left); properties is the rest
//
// Checks:
//   - row-size: encode, with and without the formula guard, writes at most max_row_size
//     bytes, into a heap block of exactly that size (ASan reports any write past it);
//   - row-utf8: when every field is valid UTF-8, so is the row (the CSV is UTF-8; an escape
//     that is not a scalar value becomes U+FFFD);
//   - decode-identity: decode_json_string of text without a backslash is that text, nothing
//     replaced;
//   - decode-utf8: decode_json_string of valid UTF-8 is valid UTF-8 (json_text.hpp: every
//     escape that is not a Unicode scalar value, malformed or unknown, becomes U+FFFD).
#include "fuzz_check.hpp"

#include "base/json_text.hpp"
#include "base/utf8.hpp"
#include "csv/row_encoder.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

using namespace secexport;

namespace {

constexpr std::size_t header_size = 14;

sys_us created_at(const std::uint8_t* bytes) {
  using namespace std::chrono;
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | bytes[i];
  const sys_us first{sys_days{year{0} / January / 1}};
  const sys_us end{sys_days{year{10000} / January / 1}};
  return first + microseconds{static_cast<std::int64_t>(v % static_cast<std::uint64_t>((end - first).count()))};
}

void check_row(csv::row_encoder& encoder, const source::event_view& e, bool fields_utf8) {
  const std::size_t max = csv::row_encoder::max_row_size(e);
  auto out = std::make_unique<char[]>(max);
  const std::size_t n = encoder.encode(e, out.get());
  FUZZ_CHECK("row-size", n <= max, "encode wrote " + std::to_string(n) + " bytes, max_row_size is " + std::to_string(max));
  std::string_view row(out.get(), n);
  if (fields_utf8) FUZZ_CHECK("row-utf8", valid_utf8(row), "row " + fuzz::quoted(row));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static csv::row_encoder plain, guarded({.formula_guard = true});
  static std::string decoded;

  std::uint8_t header[header_size] = {};
  std::memcpy(header, data, std::min(size, header_size));
  // Views of the page parser never have a null data(), even when empty (row_encoder copies
  // them with memcpy, and memcpy from a null pointer is undefined even for 0 bytes).
  static const char nothing[1] = {};
  std::string_view rest(nothing, 0);
  if (size > header_size) rest = {reinterpret_cast<const char*>(data) + header_size, size - header_size};
  auto take = [&](std::uint8_t length) {
    auto part = rest.substr(0, length);
    rest.remove_prefix(part.size());
    return part;
  };

  source::event_view e;
  e.created_at = created_at(header + 1);
  e.current_email_null = header[0] & 1;
  e.other_account_null = header[0] & 2;
  e.id = "fuzz";
  e.email_at_time_of_event = take(header[9]);
  e.current_email = take(header[10]);
  e.developer_id = take(header[11]);
  e.event_name = take(header[12]);
  e.other_account = take(header[13]);
  e.properties = rest;
  bool fields_utf8 = true;
  for (std::string_view f : {e.email_at_time_of_event, e.current_email, e.developer_id, e.event_name,
                             e.other_account, e.properties})
    fields_utf8 = fields_utf8 && valid_utf8(f);
  check_row(plain, e, fields_utf8);
  check_row(guarded, e, fields_utf8);

  std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t replaced = decode_json_string(input, decoded);
  if (input.find('\\') == std::string_view::npos)
    FUZZ_CHECK("decode-identity", decoded == input && replaced == 0, "decoded " + fuzz::quoted(decoded));
  if (valid_utf8(input))
    FUZZ_CHECK("decode-utf8", valid_utf8(decoded), "input " + fuzz::quoted(input) + " decoded " + fuzz::quoted(decoded));
  return 0;
}

#include "csv/row_encoder.hpp"

#include "csv/detail/byte_scan.hpp"
#include "base/json_text.hpp"
#include "base/utf8.hpp"

#include <cstring>

namespace secexport::csv {
namespace {

constexpr bool needs_guard(char c) noexcept {
  return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

constexpr bool json_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

} // namespace

std::size_t row_encoder::max_row_size(const source::event_view& e) noexcept {
  // Decoding escapes never lengthens a string; quoting at most doubles it and adds two
  // quotes and a guard character.
  auto text = [](std::string_view s) { return 2 * s.size() + 3; };
  std::size_t n = 24 + 6 + 1 + 2; // CreatedAt, six commas, Version, CRLF
  n += text(e.email_at_time_of_event);
  n += text(e.current_email_null ? e.developer_id : e.current_email);
  n += text(e.event_name);
  n += e.other_account_null ? 0 : text(e.other_account);
  n += 2 * e.properties.size() + 3;
  return n;
}


char* row_encoder::write_cell(std::string_view text, char* out) const {
  constexpr detail::byte_set csv_special{',', '"', '\r', '\n'};
  const bool guard = options_.formula_guard && !text.empty() && needs_guard(text.front());
  const auto first = detail::find_first(text.data(), text.size(), csv_special);
  if (first == text.size()) { // nothing to quote: the common case
    if (guard) *out++ = '\'';
    std::memcpy(out, text.data(), text.size());
    return out + text.size();
  }
  *out++ = '"';
  if (guard) *out++ = '\'';
  std::memcpy(out, text.data(), first);
  out += first;
  for (std::size_t i = first; i < text.size(); ++i) {
    if (text[i] == '"') *out++ = '"'; // doubled
    *out++ = text[i];
  }
  *out++ = '"';
  return out;
}

char* row_encoder::write_text_field(std::string_view raw, char* out) {
  if (detail::find_first(raw.data(), raw.size(), {'\\', '\\', '\\', '\\'}) == raw.size())
    return write_cell(raw, out);
  replaced_ += secexport::decode_json_string(raw, scratch_);
  return write_cell(scratch_, out);
}

char* row_encoder::write_json_field(std::string_view json, char* out) {
  // Minified on the way (whitespace outside strings dropped) and quotes doubled for CSV, in
  // runs: copy_until moves 16 bytes at a time up to the next byte that needs a decision.
  constexpr detail::byte_set inside{'"', '\\', '"', '\\'};
  if (detail::find_first(json.data(), json.size(), {'"', ',', '"', ','}) == json.size()) {
    // Nothing to quote ({} or numbers only): just drop insignificant whitespace.
    for (char c : json)
      if (!json_space(c)) *out++ = c;
    return out;
  }
  *out++ = '"';
  const char* p = json.data();
  std::size_t n = json.size();
  bool in_string = false;
  while (n) {
    if (!in_string) {
      auto k = detail::copy_until_quote_or_space(p, n, out);
      out += k;
      p += k;
      n -= k;
      if (!n) break;
      if (*p == '"') {
        in_string = true;
        *out++ = '"';
        *out++ = '"';
      } // else whitespace: dropped
      ++p;
      --n;
    } else {
      auto k = detail::copy_until(p, n, inside, out);
      out += k;
      p += k;
      n -= k;
      if (!n) break;
      if (*p == '\\') { // an escape: copy it and the escaped byte
        *out++ = '\\';
        if (n > 1) {
          if (p[1] == '"') *out++ = '"'; // an escaped quote is still a quote to CSV
          *out++ = p[1];
          p += 2;
          n -= 2;
        } else {
          ++p;
          --n;
        }
      } else { // the closing quote
        in_string = false;
        *out++ = '"';
        *out++ = '"';
        ++p;
        --n;
      }
    }
  }
  *out++ = '"';
  return out;
}

std::size_t row_encoder::encode(const source::event_view& e, char* out) {
  char* p = out;
  write_rfc3339_ms(e.created_at, p);
  p += rfc3339_ms_length;
  *p++ = ',';
  p = write_text_field(e.email_at_time_of_event, p);
  *p++ = ',';
  p = write_text_field(e.current_email_null ? e.developer_id : e.current_email, p);
  *p++ = ',';
  p = write_text_field(e.event_name, p);
  *p++ = ',';
  if (!e.other_account_null) p = write_text_field(e.other_account, p);
  *p++ = ',';
  p = write_json_field(e.properties, p);
  std::memcpy(p, ",1\r\n", 4);
  p += 4;
  return static_cast<std::size_t>(p - out);
}

} // namespace secexport::csv

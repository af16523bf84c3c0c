#include "base/json_text.hpp"

#include "base/utf8.hpp"

#include <cstdint>

namespace secexport {
namespace {

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads \uXXXX at raw[i] (the backslash); -1 if malformed.
long read_u_escape(std::string_view raw, std::size_t i) noexcept {
  if (i + 6 > raw.size() || raw[i + 1] != 'u') return -1;
  long v = 0;
  for (std::size_t k = 2; k < 6; ++k) {
    int d = hex_digit(raw[i + k]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

// The bytes of the UTF-8 character starting at raw[at] (1 for a byte that starts none, and
// never beyond the end).
std::size_t utf8_sequence_length(std::string_view raw, std::size_t at) noexcept {
  if (at >= raw.size()) return 0;
  const auto lead = static_cast<unsigned char>(raw[at]);
  std::size_t n = lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  std::size_t k = 1;
  while (k < n && at + k < raw.size() && (static_cast<unsigned char>(raw[at + k]) & 0xC0) == 0x80) ++k;
  return k;
}

} // namespace

void append_json_escaped(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
    case '"': out.append("\\\""); break;
    case '\\': out.append("\\\\"); break;
    case '\n': out.append("\\n"); break;
    case '\r': out.append("\\r"); break;
    case '\t': out.append("\\t"); break;
    default:
      if (u < 0x20) {
        out.append("\\u00");
        out.push_back(hex[u >> 4]);
        out.push_back(hex[u & 15]);
      } else {
        out.push_back(c);
      }
    }
  }
}

std::size_t decode_json_string(std::string_view raw, std::string& out) {
  out.clear();
  std::size_t replaced = 0;
  for (std::size_t i = 0; i < raw.size();) {
    char c = raw[i];
    if (c != '\\') {
      auto next = raw.find('\\', i);
      if (next == std::string_view::npos) next = raw.size();
      out.append(raw.substr(i, next - i));
      i = next;
      continue;
    }
    if (i + 1 >= raw.size()) { // a dangling backslash
      out.append(replacement_character);
      ++replaced;
      break;
    }
    char k = raw[i + 1];
    switch (k) {
    case '"': out.push_back('"'); i += 2; continue;
    case '\\': out.push_back('\\'); i += 2; continue;
    case '/': out.push_back('/'); i += 2; continue;
    case 'b': out.push_back('\b'); i += 2; continue;
    case 'f': out.push_back('\f'); i += 2; continue;
    case 'n': out.push_back('\n'); i += 2; continue;
    case 'r': out.push_back('\r'); i += 2; continue;
    case 't': out.push_back('\t'); i += 2; continue;
    case 'u': {
      long cp = read_u_escape(raw, i);
      if (cp < 0) break;
      if (cp >= 0xD800 && cp <= 0xDBFF) { // a high surrogate wants a low one next
        long low = read_u_escape(raw, i + 6);
        if (low >= 0xDC00 && low <= 0xDFFF) {
          append_utf8(out, static_cast<std::uint32_t>(0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00)));
          i += 12;
          continue;
        }
        out.append(replacement_character);
        ++replaced;
        i += 6;
        continue;
      }
      if (cp >= 0xDC00 && cp <= 0xDFFF) { // a low surrogate alone
        out.append(replacement_character);
        ++replaced;
        i += 6;
        continue;
      }
      append_utf8(out, static_cast<std::uint32_t>(cp));
      i += 6;
      continue;
    }
    default: break;
    }
    // An escape JSON does not have: the backslash and the whole character after it become
    // one U+FFFD (never half a multi-byte sequence: the output stays valid UTF-8).
    out.append(replacement_character);
    ++replaced;
    i += 1 + utf8_sequence_length(raw, i + 1);
  }
  return replaced;
}

} // namespace secexport

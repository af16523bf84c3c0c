// Fuzzes the INI reader (base/ini.cpp) that reads the AWS shared config and credentials
// files, secexport's config file and the tenant settings files: operator-written text that
// may hold secrets.
//
// Input: the file's text, named "fuzz.ini".
//
// Checks on a malformed text (ini.hpp: the message is "FILE:LINE: what" and "never contains
// a value from the text"):
//   - ini-message-prefix: the message starts with "fuzz.ini:" and a line number;
//   - ini-message-no-value: the message does not depend on the text's content. The text is
//     parsed a second time with every letter and digit replaced by another (a->b, ..., z->a,
//     0->1, ..., 9->0); what the reader looks at (spaces, tabs, CR, LF, '#', ';', '[', ']',
//     '=') is unchanged, so it must fail on the same line with the same message. A value,
//     a key or any input line copied into the message would differ. (Checking "no input line
//     of more than 8 bytes appears in the message" would be wrong as well as weaker: a valid
//     line "key = value" appears verbatim in the fixed text of one message.)
//   - ini-same-outcome: both texts parse, or neither (guards the check above).
#include "fuzz_check.hpp"

#include "base/ini.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

using namespace secexport;

namespace {

constexpr std::string_view file_name = "fuzz.ini";

char rotate(char c) {
  if (c >= 'a' && c <= 'z') return c == 'z' ? 'a' : static_cast<char>(c + 1);
  if (c >= 'A' && c <= 'Z') return c == 'Z' ? 'A' : static_cast<char>(c + 1);
  if (c >= '0' && c <= '9') return c == '9' ? '0' : static_cast<char>(c + 1);
  return c;
}

bool has_prefix(std::string_view message) {
  if (!message.starts_with(file_name) || message.size() < file_name.size() + 3 || message[file_name.size()] != ':')
    return false;
  auto rest = message.substr(file_name.size() + 1);
  std::size_t digits = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
  return digits > 0 && rest.substr(digits).starts_with(": ");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_ini(text, file_name);

  std::string other(text);
  for (char& c : other) c = rotate(c);
  auto parsed_other = parse_ini(other, file_name);
  FUZZ_CHECK("ini-same-outcome", parsed.has_value() == parsed_other.has_value(),
             "the text with letters and digits replaced parsed differently");
  if (parsed) return 0;

  const std::string& message = parsed.error().message;
  FUZZ_CHECK("ini-message-prefix", has_prefix(message), "message " + fuzz::quoted(message));
  FUZZ_CHECK("ini-message-no-value", message == parsed_other.error().message,
             "message " + fuzz::quoted(message) + " changes with the text's letters and digits: " +
                 fuzz::quoted(parsed_other.error().message));
  return 0;
}

// JSON string text: escaping (for the logs, the manifest and policy documents secexport
// writes) and unescaping (for the raw string views the event parser keeps).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace secexport {

/// Appends `text` to `out` as the inside of a JSON string (quotes not included).
void append_json_escaped(std::string& out, std::string_view text);

/// Decodes the JSON escapes of a raw string (the text between its quotes) into `out`
/// (cleared first). An escape that is not a Unicode scalar value (a lone surrogate, a
/// malformed or unknown escape) becomes U+FFFD; returns how many did.
std::size_t decode_json_string(std::string_view raw, std::string& out);

} // namespace secexport

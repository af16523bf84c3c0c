// INI text as the AWS CLI's shared files, secexport's config file and the tenant settings
// files write it: `[section]` headers, `key = value` lines, `#`/`;` comment lines, and
// indented sub-keys under a key with an empty value (`s3 =` / `  endpoint_url = ...`,
// stored as `s3.endpoint_url`). Keys and values are trimmed of spaces and tabs.
//
// A malformed text is an error (errc::malformed_file) whose message is "FILE:LINE: what";
// it never contains a value from the text (values may be secrets).
#pragma once

#include "base/error.hpp"

#include <map>
#include <string>
#include <string_view>

namespace secexport {

using ini_section = std::map<std::string, std::string, std::less<>>;
using ini_file = std::map<std::string, ini_section, std::less<>>;

[[nodiscard]] result<ini_file> parse_ini(std::string_view text, std::string_view file_name);

} // namespace secexport

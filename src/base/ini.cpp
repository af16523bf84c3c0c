#include "base/ini.hpp"

namespace secexport {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

error malformed(std::string_view file, std::size_t line, std::string_view what) {
  return {errc::malformed_file, std::string(file) + ":" + std::to_string(line) + ": " + std::string(what)};
}

} // namespace

result<ini_file> parse_ini(std::string_view text, std::string_view file_name) {
  ini_file out;
  ini_section* section = nullptr;
  std::string parent_key; // a key with an empty value that may own indented sub-keys
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view raw = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    auto line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') {
      if (nl == text.size()) break;
      continue;
    }
    bool indented = raw.front() == ' ' || raw.front() == '\t';
    if (line.front() == '[') {
      if (line.back() != ']') return malformed(file_name, line_no, "section header is missing its closing ']'");
      auto name = trim(line.substr(1, line.size() - 2));
      if (name.empty()) return malformed(file_name, line_no, "empty section name");
      section = &out[std::string(name)];
      parent_key.clear();
    } else {
      auto eq = line.find('=');
      if (eq == std::string_view::npos)
        return malformed(file_name, line_no, "expected 'key = value' (the line has no '=')");
      if (!section) return malformed(file_name, line_no, "a 'key = value' line before any [section]");
      auto key = trim(line.substr(0, eq));
      auto value = trim(line.substr(eq + 1));
      if (key.empty()) return malformed(file_name, line_no, "empty key before '='");
      if (indented && !parent_key.empty()) {
        (*section)[parent_key + "." + std::string(key)] = std::string(value);
      } else {
        (*section)[std::string(key)] = std::string(value);
        parent_key = value.empty() ? std::string(key) : std::string();
      }
    }
    if (nl == text.size()) break;
  }
  return out;
}

} // namespace secexport

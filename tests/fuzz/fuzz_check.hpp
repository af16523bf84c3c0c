// What the fuzz targets share: FUZZ_CHECK, an invariant that aborts (libFuzzer then keeps the
// input as a crash) with the check's name, the condition and a description of the values.
//
// A check can be switched off by name for a defect that is known and reported but not yet
// fixed, so the rest of the target keeps fuzzing:
//   SECEXPORT_FUZZ_SKIP_CHECKS=tenant-roundtrip tools/fuzz.sh run tenant_file
// (comma-separated names; every check is on by default).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace secexport::fuzz {

inline bool check_enabled(std::string_view name) {
  static const std::string skip = [] {
    const char* s = std::getenv("SECEXPORT_FUZZ_SKIP_CHECKS");
    return std::string(s ? s : "");
  }();
  std::string_view list = skip;
  while (!list.empty()) {
    auto comma = list.find(',');
    if (list.substr(0, comma) == name) return false;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return true;
}

[[noreturn]] inline void check_failed(const char* name, const char* condition, const std::string& detail,
                                      const char* file, int line) {
  std::fprintf(stderr, "\nFUZZ CHECK FAILED [%s] at %s:%d: %s\n  %s\n  (SECEXPORT_FUZZ_SKIP_CHECKS=%s switches it off)\n",
               name, file, line, condition, detail.c_str(), name);
  std::abort();
}

/// `s` quoted for a message: printable ASCII as is, other bytes as \xNN, cut at 200 bytes.
inline std::string quoted(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < 200; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') out.append({'\\', static_cast<char>(c)});
    else if (c >= 0x20 && c < 0x7f) out.push_back(static_cast<char>(c));
    else out.append({'\\', 'x', hex[c >> 4], hex[c & 15]});
  }
  if (s.size() > 200) out += "...";
  return out + "\"";
}

} // namespace secexport::fuzz

/// Aborts when `condition` is false and the check `name` is enabled; `detail` (a std::string
/// expression) is evaluated only then.
#define FUZZ_CHECK(name, condition, detail)                                                              \
  do {                                                                                             \
    if (!(condition) && ::secexport::fuzz::check_enabled(name))                                    \
      ::secexport::fuzz::check_failed(name, #condition, (detail), __FILE__, __LINE__);             \
  } while (0)

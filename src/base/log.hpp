// Structured logging to stderr, as text for people or as JSON lines for machines.
//
// A log line is an event name plus key/value fields. Every line passes through `redact()`
// (base/secret.hpp) before it is written, so a secret that slipped into a field (say, a
// server echoing a token in an error body) is masked. Thread-safe: lines are written whole.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace secexport {

enum class log_level { debug, info, warn, error, off };
enum class log_format { text, json };

struct log_field {
  std::string_view key;
  std::variant<std::string_view, std::int64_t, std::uint64_t, double, bool> value;

  log_field(std::string_view k, std::string_view v) : key(k), value(v) {}
  log_field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  log_field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  log_field(std::string_view k, bool v) : key(k), value(v) {}
  log_field(std::string_view k, double v) : key(k), value(v) {}
  template <class I>
    requires std::is_integral_v<I> && (!std::is_same_v<I, bool>)
  log_field(std::string_view k, I v) : key(k) {
    if constexpr (std::is_signed_v<I>) value = static_cast<std::int64_t>(v);
    else value = static_cast<std::uint64_t>(v);
  }
};

void set_log_level(log_level level);
void set_log_format(log_format format);
[[nodiscard]] log_level current_log_level();
[[nodiscard]] bool parse_log_level(std::string_view text, log_level& out);

/// A status line (the progress line) kept at the bottom of stderr: drawn in place ("\r" and
/// erase-to-end), taken away before each log line and drawn again after it, so logs and the
/// line never mix. Only for a terminal; an empty line removes it. Not through the sink.
void set_status_line(std::string_view line);

/// Replaces the stderr writer (tests capture lines with it); nullptr restores stderr.
void set_log_sink(std::function<void(std::string_view line)> sink);

void log(log_level level, std::string_view event, std::initializer_list<log_field> fields = {});

/// The final `error: MESSAGE` line of a failed command, whatever the level: in the JSON format
/// a JSON object like every other line ({"level":"error","msg":MESSAGE}). Redacted.
void report_error(std::string_view message);

inline void log_debug(std::string_view e, std::initializer_list<log_field> f = {}) { log(log_level::debug, e, f); }
inline void log_info(std::string_view e, std::initializer_list<log_field> f = {}) { log(log_level::info, e, f); }
inline void log_warn(std::string_view e, std::initializer_list<log_field> f = {}) { log(log_level::warn, e, f); }
inline void log_error(std::string_view e, std::initializer_list<log_field> f = {}) { log(log_level::error, e, f); }

} // namespace secexport

#include "base/log.hpp"

#include "base/json_text.hpp"
#include "base/secret.hpp"
#include "base/time.hpp"

#include <atomic>
#include <charconv>
#include <cstdio>
#include <mutex>

namespace secexport {
namespace {

std::atomic<log_level> g_level{log_level::info};
std::atomic<log_format> g_format{log_format::text};

struct sink_holder {
  std::mutex mutex;
  std::function<void(std::string_view)> sink;
  std::string status; // the status line on the terminal, if any
};

constexpr std::string_view erase_line = "\r\x1b[K"; // to the start of the line, then erase to its end

void write_stderr(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}
sink_holder& sink() {
  static sink_holder s;
  return s;
}

std::string_view level_name(log_level l) {
  switch (l) {
  case log_level::debug: return "debug";
  case log_level::info: return "info";
  case log_level::warn: return "warn";
  case log_level::error: return "error";
  case log_level::off: return "off";
  }
  return "?";
}

template <class N> void append_number(std::string& out, N n) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, end);
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v)
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) return true;
  return false;
}

// One field value: strings quoted and escaped in JSON (and in text when they need it),
// numbers and booleans bare.
void append_value(std::string& out, const log_field& f, bool json) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          if (!json && !needs_quotes(v)) {
            out.append(v);
          } else {
            out.push_back('"');
            append_json_escaped(out, v);
            out.push_back('"');
          }
        } else if constexpr (std::is_same_v<T, bool>) {
          out.append(v ? "true" : "false");
        } else if constexpr (std::is_same_v<T, double>) {
          char buf[32];
          int n = std::snprintf(buf, sizeof buf, json ? "%.6g" : "%.3f", v);
          out.append(buf, static_cast<std::size_t>(n));
        } else {
          append_number(out, v);
        }
      },
      f.value);
}

void write_line(log_level level, std::string_view event, std::initializer_list<log_field> fields);
void emit(const std::string& line);

} // namespace

void set_log_level(log_level level) { g_level = level; }
void set_log_format(log_format format) { g_format = format; }
log_level current_log_level() { return g_level; }

bool parse_log_level(std::string_view text, log_level& out) {
  for (auto l : {log_level::debug, log_level::info, log_level::warn, log_level::error, log_level::off})
    if (text == level_name(l)) {
      out = l;
      return true;
    }
  return false;
}

void set_status_line(std::string_view line) {
  auto& h = sink();
  std::lock_guard lock(h.mutex);
  if (line.empty() && h.status.empty()) return;
  h.status = line;
  write_stderr(std::string(erase_line) + h.status);
}

void set_log_sink(std::function<void(std::string_view)> s) {
  auto& h = sink();
  std::lock_guard lock(h.mutex);
  h.sink = std::move(s);
}


void log(log_level level, std::string_view event, std::initializer_list<log_field> fields) {
  if (level < g_level.load(std::memory_order_relaxed)) return;
  write_line(level, event, fields);
}

void report_error(std::string_view message) {
  if (g_format.load(std::memory_order_relaxed) == log_format::json) {
    write_line(log_level::error, message, {});
    return;
  }
  std::string line = "error: ";
  line.append(message);
  line = redact(line);
  line.push_back('\n');
  emit(line);
}

namespace {

void write_line(log_level level, std::string_view event, std::initializer_list<log_field> fields) {
  std::string line;
  line.reserve(128);
  auto now = format_rfc3339_ms(std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now()));
  if (g_format.load(std::memory_order_relaxed) == log_format::json) {
    line.append("{\"ts\":\"").append(now).append("\",\"level\":\"").append(level_name(level));
    line.append("\",\"msg\":\"");
    append_json_escaped(line, event);
    line.push_back('"');
    for (const auto& f : fields) {
      line.append(",\"");
      append_json_escaped(line, f.key);
      line.append("\":");
      append_value(line, f, true);
    }
    line.push_back('}');
  } else {
    line.append(now).push_back(' ');
    auto name = level_name(level);
    for (char c : name) line.push_back(static_cast<char>(c - 'a' + 'A'));
    line.push_back(' ');
    line.append(event);
    for (const auto& f : fields) {
      line.push_back(' ');
      line.append(f.key).push_back('=');
      append_value(line, f, false);
    }
  }
  line = redact(line);
  line.push_back('\n');
  emit(line);
}

void emit(const std::string& line) {
  auto& h = sink();
  std::lock_guard lock(h.mutex);
  if (h.sink) {
    h.sink(line);
  } else if (h.status.empty()) {
    write_stderr(line);
  } else {
    write_stderr(std::string(erase_line) + line + h.status);
  }
}

} // namespace

} // namespace secexport

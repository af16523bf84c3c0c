// A streaming JSON writer for what secexport prints for machines (`--output json`, the
// settings API): objects and arrays nested in order, commas placed by the writer, strings
// escaped by append_json_escaped. It checks nesting with asserts only; callers write
// well-formed sequences (a key before each value inside an object).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace secexport {

class json_writer {
public:
  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();
  /// The next member's name (inside an object).
  json_writer& key(std::string_view name);

  json_writer& value(std::string_view text);
  json_writer& value(const char* text) { return value(std::string_view(text)); }
  json_writer& value(const std::string& text) { return value(std::string_view(text)); }
  json_writer& value(bool b);
  json_writer& value(std::int64_t n);
  json_writer& value(std::uint64_t n);
  json_writer& value(int n) { return value(static_cast<std::int64_t>(n)); }
  json_writer& value(unsigned n) { return value(static_cast<std::uint64_t>(n)); }
  /// A finite number; NaN and infinities are written as null (JSON has no such numbers).
  json_writer& value(double d);
  json_writer& null();
  /// A value that is already JSON text (a policy document), copied as it is.
  json_writer& raw(std::string_view json);

  /// key(name).value(v): one member.
  template <class T> json_writer& member(std::string_view name, const T& v) { return key(name).value(v); }

  [[nodiscard]] const std::string& str() const noexcept { return out_; }
  [[nodiscard]] std::string take() && { return std::move(out_); }

private:
  void before_value();
  std::string out_;
  std::vector<bool> first_; // per open container: no member written yet
  bool after_key_ = false;
};

} // namespace secexport

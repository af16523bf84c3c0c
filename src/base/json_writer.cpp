#include "base/json_writer.hpp"

#include "base/json_text.hpp"

#include <cassert>
#include <cmath>
#include <charconv>

namespace secexport {

void json_writer::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
}

json_writer& json_writer::begin_object() {
  before_value();
  out_ += '{';
  first_.push_back(true);
  return *this;
}

json_writer& json_writer::end_object() {
  assert(!first_.empty() && !after_key_);
  first_.pop_back();
  out_ += '}';
  return *this;
}

json_writer& json_writer::end_array() {
  assert(!first_.empty() && !after_key_);
  first_.pop_back();
  out_ += ']';
  return *this;
}

json_writer& json_writer::begin_array() {
  before_value();
  out_ += '[';
  first_.push_back(true);
  return *this;
}

json_writer& json_writer::key(std::string_view name) {
  assert(!first_.empty() && !after_key_);
  before_value();
  out_ += '"';
  append_json_escaped(out_, name);
  out_ += "\":";
  after_key_ = true;
  return *this;
}

json_writer& json_writer::value(std::string_view text) {
  before_value();
  out_ += '"';
  append_json_escaped(out_, text);
  out_ += '"';
  return *this;
}

json_writer& json_writer::value(bool b) {
  before_value();
  out_ += b ? "true" : "false";
  return *this;
}

json_writer& json_writer::value(std::int64_t n) {
  before_value();
  out_ += std::to_string(n);
  return *this;
}

json_writer& json_writer::value(std::uint64_t n) {
  before_value();
  out_ += std::to_string(n);
  return *this;
}

json_writer& json_writer::value(double d) {
  if (!std::isfinite(d)) return null();
  before_value();
  char buf[32]; // the shortest text that reads back as d
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  assert(ec == std::errc());
  out_.append(buf, end);
  return *this;
}

json_writer& json_writer::null() {
  before_value();
  out_ += "null";
  return *this;
}

json_writer& json_writer::raw(std::string_view json) {
  before_value();
  out_ += json;
  return *this;
}

} // namespace secexport

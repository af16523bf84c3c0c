#include "source/page_parser.hpp"

#include "base/json_text.hpp"
#include "base/utf8.hpp"

#include <cstring>

namespace secexport::source {

namespace od = simdjson::ondemand;

namespace {

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// The raw text between the quotes of a string value, or nullopt if it is not a string.
std::optional<std::string_view> raw_string(od::value& v) {
  od::json_type t;
  if (v.type().get(t) || t != od::json_type::string) return std::nullopt;
  auto token = trim_right(v.raw_json_token());
  if (token.size() < 2) return std::nullopt;
  return token.substr(1, token.size() - 2);
}

// Whether `v` is JSON null; a malformed atom ("nul", "nulll") is not null, and its error
// surfaces when the value is read as the type the field wants. (simdjson's is_null() returns
// a result whose conversion to bool throws on such an atom.)
bool is_null(od::value& v) {
  bool null = false;
  return !v.is_null().get(null) && null;
}

std::string type_name(od::value& v) {
  od::json_type t;
  if (v.type().get(t)) return "invalid JSON";
  switch (t) {
  case od::json_type::array: return "an array";
  case od::json_type::object: return "an object";
  case od::json_type::number: return "a number";
  case od::json_type::string: return "a string";
  case od::json_type::boolean: return "a boolean";
  case od::json_type::null: return "null";
  }
  return "?";
}

simdjson::padded_string_view padded(const byte_buffer& b) {
  return simdjson::padded_string_view(b.data(), b.size(), b.size() + byte_buffer::padding);
}

} // namespace

std::optional<std::string> read_event(od::object object, source::event_view& out) {
  out = {};
  enum : unsigned { id = 1, created = 2, email = 4, current = 8, developer = 16, name = 32, other = 64, props = 128 };
  unsigned seen = 0;
  auto string_field = [&](od::value& v, std::string_view field, std::string_view& target,
                          bool* null_flag) -> std::optional<std::string> {
    if (null_flag && is_null(v)) {
      *null_flag = true;
      return std::nullopt;
    }
    auto s = raw_string(v);
    if (!s) return "field " + std::string(field) + " is " + type_name(v) + ", not a string";
    target = *s;
    return std::nullopt;
  };
  for (auto field_result : object) {
    od::field field;
    if (std::move(field_result).get(field)) return "malformed event object";
    auto key = field.key();
    auto& v = field.value();
    std::optional<std::string> problem;
    if (key == "id") {
      problem = string_field(v, "id", out.id, nullptr);
      seen |= id;
    } else if (key == "created_at") {
      std::string_view text;
      problem = string_field(v, "created_at", text, nullptr);
      if (!problem) {
        std::string decoded;
        if (text.find('\\') != std::string_view::npos) {
          decode_json_string(text, decoded);
          text = decoded;
        }
        auto t = parse_rfc3339(text);
        if (!t) problem = "created_at '" + std::string(text.substr(0, 64)) + "' is not an RFC 3339 time";
        else out.created_at = *t;
      }
      seen |= created;
    } else if (key == "email_at_time_of_event") {
      problem = string_field(v, "email_at_time_of_event", out.email_at_time_of_event, nullptr);
      seen |= email;
    } else if (key == "current_email") {
      problem = string_field(v, "current_email", out.current_email, &out.current_email_null);
      seen |= current;
    } else if (key == "developer_id") {
      problem = string_field(v, "developer_id", out.developer_id, nullptr);
      seen |= developer;
    } else if (key == "event_name") {
      problem = string_field(v, "event_name", out.event_name, nullptr);
      seen |= name;
    } else if (key == "other_account") {
      problem = string_field(v, "other_account", out.other_account, &out.other_account_null);
      seen |= other;
    } else if (key == "properties") {
      od::object object_value;
      if (is_null(v)) {
        out.properties = "{}";
      } else if (v.get_object().get(object_value)) {
        problem = "field properties is " + type_name(v) + ", not an object";
      } else if (auto err = object_value.raw_json().get(out.properties)) {
        problem = std::string("field properties is not valid JSON: ") + simdjson::error_message(err);
      }
      seen |= props;
    }
    if (problem) return problem;
  }
  constexpr std::pair<unsigned, const char*> required[] = {
      {id, "id"}, {created, "created_at"}, {email, "email_at_time_of_event"}, {developer, "developer_id"},
      {name, "event_name"}, {props, "properties"}};
  for (auto [bit, field] : required)
    if (!(seen & bit)) return "missing field " + std::string(field);
  if (!(seen & current)) out.current_email_null = true; // absent reads as null
  if (!(seen & other)) out.other_account_null = true;
  if (out.current_email_null && out.developer_id.empty())
    return "current_email is null and developer_id is empty";
  return std::nullopt;
}

void page_parser::trim(std::size_t keep) {
  if (parser_.capacity() > keep) parser_ = simdjson::ondemand::parser{};
  if (repaired_.capacity() > keep) {
    repaired_.clear();
    repaired_.shrink_to_fit();
  }
}

bool page_parser::repair(page& p) {
  if (valid_utf8(p.body.view())) return false;
  repaired_.clear();
  p.invalid_utf8_replaced += repair_utf8(p.body.view(), repaired_);
  p.body.clear();
  p.body.append(repaired_);
  return true;
}

std::optional<std::string> page_parser::parse_page(page& p) {
  p.events.clear();
  p.bad.clear();
  p.next_cursor.reset();
  repair(p);
  od::document doc;
  if (auto err = parser_.iterate(padded(p.body)).get(doc)) return std::string("not JSON: ") + simdjson::error_message(err);
  od::object root;
  if (doc.get_object().get(root)) return "not a JSON object with \"events\" and \"next_cursor\"";
  bool saw_events = false;
  for (auto field_result : root) {
    od::field field;
    if (auto err = std::move(field_result).get(field)) return std::string("malformed JSON: ") + simdjson::error_message(err);
    auto key = field.key();
    auto& v = field.value();
    if (key == "events") {
      od::array events;
      if (v.get_array().get(events)) return "\"events\" is " + type_name(v) + ", not an array";
      saw_events = true;
      std::size_t position = 0;
      for (auto element : events) {
        od::value ev;
        if (auto err = element.get(ev)) return "malformed JSON in event " + std::to_string(position) + ": " + simdjson::error_message(err);
        od::object obj;
        source::event_view view;
        if (ev.get_object().get(obj)) {
          p.bad.push_back({position, "the event is " + type_name(ev) + ", not an object"});
        } else if (auto problem = read_event(obj, view)) {
          p.bad.push_back({position, std::move(*problem)});
        } else {
          p.events.push_back(view);
        }
        ++position;
      }
    } else if (key == "next_cursor") {
      if (is_null(v)) {
        p.next_cursor.reset();
      } else {
        std::string_view cursor;
        if (v.get_string().get(cursor)) return "\"next_cursor\" is " + type_name(v) + ", not a string or null";
        p.next_cursor = std::string(cursor);
      }
    }
  }
  if (!saw_events) return "the page has no \"events\" array";
  return std::nullopt;
}

std::optional<std::string> page_parser::parse_lines(page& p) {
  p.events.clear();
  p.bad.clear();
  repair(p);
  const char* data = p.body.data();
  const std::size_t size = p.body.size();
  std::uint64_t line = p.first_line;
  for (std::size_t pos = 0; pos < size; ++line) {
    const char* nl = static_cast<const char*>(std::memchr(data + pos, '\n', size - pos));
    std::size_t end = nl ? static_cast<std::size_t>(nl - data) : size;
    std::string_view text(data + pos, end - pos);
    auto start = pos;
    pos = end + 1;
    if (trim_right(text).find_first_not_of(" \t") == std::string_view::npos) continue; // blank line
    od::document doc;
    simdjson::padded_string_view view(data + start, text.size(), size - start + byte_buffer::padding);
    if (auto err = parser_.iterate(view).get(doc))
      return "line " + std::to_string(line) + " is not JSON: " + simdjson::error_message(err);
    od::object obj;
    source::event_view ev;
    if (doc.get_object().get(obj)) {
      p.bad.push_back({line, "the line is not a JSON object"});
    } else if (auto problem = read_event(obj, ev)) {
      p.bad.push_back({line, std::move(*problem)});
    } else {
      p.events.push_back(ev);
    }
  }
  return std::nullopt;
}

} // namespace secexport::source

#include "web/request_body.hpp"

#include "export/object_key.hpp"
#include "web/error.hpp"

#include <simdjson.h>

#include <charconv>

namespace secexport::web {

namespace {

[[noreturn]] void bad(std::string_view field, const std::string& message) {
  throw api_error(errc::bad_request, std::string(field) + ": " + message, std::string(field));
}

simdjson::dom::object parse_object(simdjson::dom::parser& parser, const simdjson::padded_string& text) {
  simdjson::dom::element root;
  if (auto e = parser.parse(text).get(root); e)
    bad("body", std::string("the request body is not valid JSON (") + simdjson::error_message(e) + ")");
  simdjson::dom::object object;
  if (root.get(object)) bad("body", "the request body must be a JSON object");
  return object;
}

std::string string_member(std::string_view key, simdjson::dom::element value) {
  std::string_view s;
  if (value.get(s)) bad(key, "must be a string");
  return std::string(s);
}

} // namespace

settings_request parse_settings_request(std::string_view body, bool allow_enabled) {
  simdjson::dom::parser parser;
  const simdjson::padded_string text(body);
  auto object = parse_object(parser, text);
  settings_request out;
  auto& c = out.change;
  for (auto [key, value] : object) {
    if (key == "method") {
      auto m = tenant::parse_auth_method(string_member(key, value));
      if (!m || *m == tenant::auth_method::none) bad(key, "must be \"access-key\" or \"role-arn\"");
      c.method = *m;
    } else if (key == "bucket") {
      c.bucket = string_member(key, value);
    } else if (key == "prefix") {
      auto p = exporter::normalize_prefix(string_member(key, value));
      if (!p) bad(key, p.error().message);
      c.prefix = std::move(*p);
    } else if (key == "region") {
      c.region = string_member(key, value);
    } else if (key == "role_arn") {
      c.role_arn = string_member(key, value);
    } else if (key == "access_key_id") {
      c.access_key_id = string_member(key, value);
    } else if (key == "secret_access_key") {
      std::string_view s;
      if (value.get(s)) bad(key, "must be a string");
      if (s.empty()) bad(key, "is empty (leave it out to keep the saved one)");
      c.secret_access_key = secret(std::string(s)); // registered for redaction at once
    } else if (key == "source_url") {
      c.source_url = string_member(key, value);
    } else if (key == "source_token_env") {
      c.source_token_env = string_member(key, value);
    } else if (key == "session_duration") {
      std::int64_t n = 0;
      if (value.get(n)) bad(key, "must be an integer number of seconds");
      if (n < 900 || n > 43200) bad(key, "must be 900 to 43200 seconds");
      c.session_duration = static_cast<unsigned>(n);
    } else if (key == "enabled" && allow_enabled) {
      bool b = false;
      if (value.get(b)) bad(key, "must be true or false");
      out.enabled = b;
    } else {
      std::string name(key.substr(0, 64));
      for (auto& ch : name)
        if (static_cast<unsigned char>(ch) < 0x20 || ch == '"') ch = '?';
      bad(name, "is not a settings field (expected method, bucket, prefix, region, role_arn, session_duration, "
                "access_key_id, secret_access_key, source_url, source_token_env" +
                    std::string(allow_enabled ? ", enabled)" : ")"));
    }
  }
  return out;
}

sys_days parse_export_request(std::string_view body) {
  simdjson::dom::parser parser;
  const simdjson::padded_string text(body);
  auto object = parse_object(parser, text);
  std::optional<sys_days> day;
  for (auto [key, value] : object) {
    if (key != "date") bad(std::string(key.substr(0, 64)), "is not a field of an export request (expected date)");
    auto d = parse_iso_day(string_member(key, value));
    if (!d) bad("date", "must be a UTC day such as 2026-11-22");
    day = *d;
  }
  if (!day) bad("date", "is missing (the UTC day to export, such as 2026-11-22)");
  return *day;
}

unsigned parse_days(const std::optional<std::string>& value) {
  if (!value) return 7;
  unsigned n = 0;
  auto [p, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
  if (value->empty() || ec != std::errc() || p != value->data() + value->size() || n < 1 || n > 92)
    bad("days", "must be a whole number of days from 1 to 92");
  return n;
}

void check_tenant_param(std::string_view tenant) {
  if (auto ok = exporter::check_tenant_id(tenant); !ok) bad("tenant", ok.error().message);
}

} // namespace secexport::web

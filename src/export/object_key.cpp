#include "export/object_key.hpp"

#include "base/utf8.hpp"
#include "export/error.hpp"

namespace secexport::exporter {

bool is_one_utc_day(sys_us start, sys_us end) noexcept {
  auto day = std::chrono::floor<std::chrono::days>(start);
  return start == day && end == day + std::chrono::days(1);
}

result<std::string> normalize_prefix(std::string_view prefix) {
  auto bad = [&](std::string why) -> result<std::string> {
    return error{errc::bad_settings, "prefix '" + std::string(prefix.substr(0, 80)) + "': " + std::move(why)};
  };
  if (prefix.size() > 512) return bad("longer than 512 bytes");
  for (unsigned char c : prefix)
    if (c < 0x20 || c == 0x7f) return bad("control characters (tab, newline, ...) do not belong in a key");
  if (!valid_utf8(prefix)) return bad("S3 keys are UTF-8 and this is not");
  std::string out;
  for (std::size_t i = 0; i <= prefix.size();) {
    auto slash = prefix.find('/', i);
    if (slash == std::string_view::npos) slash = prefix.size();
    auto segment = prefix.substr(i, slash - i);
    i = slash + 1;
    if (segment.empty()) continue; // leading, trailing or doubled '/'
    if (segment == "." || segment == "..") return bad("'.' and '..' are not folders in S3 keys");
    if (!out.empty()) out.push_back('/');
    out.append(segment);
  }
  return out;
}

result<void> check_key_template(std::string_view key_template) {
  auto has = [&](std::string_view p) { return key_template.find(p) != std::string_view::npos; };
  if (has("{date}") || has("{start}") || (has("{yyyy}") && has("{mm}") && has("{dd}"))) return {};
  return error{errc::bad_key_template,
               "key template '" + std::string(key_template.substr(0, 120)) +
                   "' has no date: every day's report would overwrite the last one (use {date}, or {yyyy}, {mm} "
                   "and {dd}, or {start})"};
}

result<std::string> object_key(std::string_view prefix, std::string_view key_template, std::string_view tenant,
                       sys_us start, sys_us end) {
  if (key_template.empty()) key_template = is_one_utc_day(start, end) ? default_day_template : default_range_template;
  if (auto ok = check_key_template(key_template); !ok) return ok.error();
  auto normal_prefix = normalize_prefix(prefix);
  if (!normal_prefix) return normal_prefix.error();
  const auto day = std::chrono::floor<std::chrono::days>(start);
  const auto date = format_iso_day(day);
  auto compact = [](sys_us t) { return format_amz_date(std::chrono::floor<std::chrono::seconds>(t)); };
  std::string key;
  for (std::size_t i = 0; i < key_template.size();) {
    if (key_template[i] != '{') {
      key.push_back(key_template[i++]);
      continue;
    }
    auto close = key_template.find('}', i);
    if (close == std::string_view::npos) return error{errc::bad_key_template, "key template has an unclosed '{'"};
    auto name = key_template.substr(i + 1, close - i - 1);
    if (name == "tenant") key += tenant;
    else if (name == "date") key += date;
    else if (name == "yyyy") key += date.substr(0, 4);
    else if (name == "mm") key += date.substr(5, 2);
    else if (name == "dd") key += date.substr(8, 2);
    else if (name == "start") key += compact(start);
    else if (name == "end") key += compact(end);
    else
      return error{errc::bad_key_template, "key template has an unknown placeholder {" + std::string(name) +
                                               "} (known: tenant, date, yyyy, mm, dd, start, end)"};
    i = close + 1;
  }
  // The template's part follows the same rules as the prefix, but keeps its own trailing name.
  auto normal_key = normalize_prefix(key);
  if (!normal_key)
    return error{errc::bad_key_template, "key template '" + std::string(key_template.substr(0, 120)) +
                                             "' gives the key '" + key.substr(0, 120) +
                                             "': control characters, '.' and '..' do not belong in a key"};
  key = normal_prefix->empty() ? std::move(*normal_key) : *normal_prefix + "/" + *normal_key;
  if (key.empty()) return error{errc::bad_key_template, "the object key is empty"};
  if (key.size() > 1024) return error{errc::bad_key_template, "the object key is longer than S3's 1024 bytes"};
  return key;
}

namespace {

std::string beside(std::string_view base_key, std::string_view suffix) {
  std::string k(base_key);
  if (k.size() > 4 && k.ends_with(".csv")) k.resize(k.size() - 4);
  return k.append(suffix);
}

} // namespace

std::string report_key(std::string_view base_key, codec c) { return std::string(base_key).append(key_suffix(c)); }

std::string manifest_key(std::string_view base_key) { return beside(base_key, ".manifest.json"); }

std::string upload_marker_key(std::string_view base_key) { return beside(base_key, ".upload.json"); }

result<void> check_tenant_id(std::string_view tenant) {
  auto bad = [](std::string why) -> result<void> { return error{errc::bad_tenant_id, std::move(why)}; };
  if (tenant.empty() || tenant.size() > 128) return bad("tenant IDs are 1 to 128 characters long");
  for (char c : tenant) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("-_.@+=").find(c) != std::string_view::npos;
    if (!ok) return bad("tenant IDs use only letters, digits and - _ . @ + = (got '" + std::string(tenant) + "')");
  }
  if (tenant == "." || tenant == "..") return bad("a tenant ID cannot be '.' or '..'");
  return {};
}

} // namespace secexport::exporter

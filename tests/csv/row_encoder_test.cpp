#include "csv/row_encoder.hpp"
#include "base/utf8.hpp"
#include "base/json_text.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <random>

namespace secexport::csv {
namespace {

using source::event_view;

// An independent RFC 4180 reader (records of fields; quoted fields may hold , " CR LF).
std::vector<std::vector<std::string>> parse_csv(std::string_view text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, in_quotes = false, started = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        field.push_back(c);
      }
      continue;
    }
    if (c == '"' && !started) {
      in_quotes = quoted = started = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      quoted = started = false;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      row.push_back(std::move(field));
      rows.push_back(std::move(row));
      row.clear();
      field.clear();
      quoted = started = false;
      ++i;
    } else {
      if (quoted) throw std::runtime_error("text after a closing quote");
      field.push_back(c);
      started = true;
    }
  }
  if (in_quotes) throw std::runtime_error("unterminated quoted field");
  if (!row.empty() || !field.empty()) throw std::runtime_error("last record lacks CRLF");
  return rows;
}

sys_us t(std::string_view s) { return *parse_rfc3339(s); }

// Drops whitespace outside JSON strings, the slow obvious way.
std::string reference_minify(std::string_view json) {
  std::string out;
  bool in_string = false, escaped = false;
  for (char c : json) {
    if (in_string) {
      out.push_back(c);
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
      out.push_back(c);
    } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
      out.push_back(c);
    }
  }
  return out;
}

std::string encode(const event_view& e, row_encoder_options o = {}) {
  row_encoder enc(o);
  std::string out(row_encoder::max_row_size(e), '\0');
  out.resize(enc.encode(e, out.data()));
  return out;
}

event_view basic() {
  event_view e;
  e.created_at = t("2026-11-22T07:04:05.123456Z");
  e.id = "e1";
  e.email_at_time_of_event = "a@example.com";
  e.current_email = "a@example.com";
  e.developer_id = "dev-1";
  e.event_name = "Signed In";
  e.other_account_null = true;
  e.properties = R"({"ip":"10.0.0.1"})";
  return e;
}

TEST(row_encoder, header_and_a_plain_row) {
  EXPECT_EQ(report_header, "CreatedAt,EmailAtTimeOfEvent,CurrentEmail,EventName,OtherAccount,JsonProperties,Version\r\n");
  EXPECT_EQ(encode(basic()),
            "2026-11-22T07:04:05.123Z,a@example.com,a@example.com,Signed In,,\"{\"\"ip\"\":\"\"10.0.0.1\"\"}\",1\r\n");
}

TEST(row_encoder, current_email_falls_back_to_the_developer_id_and_other_account_may_be_empty) {
  auto e = basic();
  e.current_email_null = true;
  e.other_account_null = false;
  e.other_account = "b@example.com";
  EXPECT_EQ(encode(e), "2026-11-22T07:04:05.123Z,a@example.com,dev-1,Signed In,b@example.com,"
                       "\"{\"\"ip\"\":\"\"10.0.0.1\"\"}\",1\r\n");
}

TEST(row_encoder, quotes_fields_with_comma_quote_cr_or_lf_only) {
  auto e = basic();
  e.event_name = R"(a, b)";
  EXPECT_NE(encode(e).find(",\"a, b\","), std::string::npos);
  e.event_name = R"(say \"hi\")"; // JSON escapes in the raw text
  EXPECT_NE(encode(e).find(",\"say \"\"hi\"\"\","), std::string::npos);
  e.event_name = R"(line\r\nbreak)";
  EXPECT_NE(encode(e).find(",\"line\r\nbreak\","), std::string::npos);
  e.event_name = R"(tab\there)";
  EXPECT_NE(encode(e).find(",tab\there,"), std::string::npos);
  e.event_name = "";
  EXPECT_NE(encode(e).find("a@example.com,,,"), std::string::npos);
}

TEST(row_encoder, properties_are_minified_and_keep_their_escapes) {
  auto e = basic();
  e.properties = "{ \"a\" : [1, 2, {\"b\": \"x y\\\"z\"}],\n  \"c\": null }";
  auto row = encode(e);
  auto fields = parse_csv(row).at(0);
  EXPECT_EQ(fields[5], R"({"a":[1,2,{"b":"x y\"z"}],"c":null})");
  e.properties = "{}";
  EXPECT_EQ(parse_csv(encode(e)).at(0)[5], "{}");
  EXPECT_NE(encode(e).find(",{},1\r\n"), std::string::npos); // nothing to quote
}

TEST(row_encoder, timestamps_are_normalized_to_utc_milliseconds) {
  auto e = basic();
  for (auto [in, out] : {std::pair{"2026-11-22T07:04:05Z", "2026-11-22T07:04:05.000Z"},
                         std::pair{"2026-11-22T09:04:05.1+02:00", "2026-11-22T07:04:05.100Z"},
                         std::pair{"2026-11-21T23:30:00.999999-07:30", "2026-11-22T07:00:00.999Z"},
                         std::pair{"2026-11-22T23:59:59.9999Z", "2026-11-22T23:59:59.999Z"}}) {
    e.created_at = t(in);
    EXPECT_EQ(encode(e).substr(0, 24), out) << in;
  }
}

TEST(row_encoder, formula_guard_prefixes_dangerous_cells_only_when_asked) {
  auto e = basic();
  for (std::string_view s : {"=1+1", "+1", "-1", "@SUM(A1)", "\\tcmd", "\\rcmd"}) {
    e.event_name = s;
    auto plain = parse_csv(encode(e)).at(0)[3];
    auto guarded = parse_csv(encode(e, {true})).at(0)[3];
    std::string decoded;
    secexport::decode_json_string(s, decoded);
    EXPECT_EQ(plain, decoded);
    EXPECT_EQ(guarded, "'" + decoded) << s;
  }
  e.event_name = "Signed In";
  EXPECT_EQ(parse_csv(encode(e, {true})).at(0)[3], "Signed In");
  e.email_at_time_of_event = "=HYPERLINK(\\\"x\\\")";
  EXPECT_EQ(parse_csv(encode(e, {true})).at(0)[1], "'=HYPERLINK(\"x\")");
}

TEST(row_encoder, json_escapes_decode_and_lone_surrogates_become_replacement_characters) {
  std::string out;
  EXPECT_EQ(secexport::decode_json_string(R"(a\u00e9\u65e5\ud83d\ude00\/\\\b\f)", out), 0u);
  EXPECT_EQ(out, "a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80/\\\b\f");
  EXPECT_EQ(secexport::decode_json_string(R"(x\ud800y\udc00z\uDBFF)", out), 3u);
  EXPECT_EQ(out, "x\xEF\xBF\xBDy\xEF\xBF\xBDz\xEF\xBF\xBD");
  EXPECT_EQ(secexport::decode_json_string(R"(bad\q and \u12)", out), 2u);
  EXPECT_TRUE(valid_utf8(out));
}

// Random events, encoded and read back with an independent parser: every field comes back as
// the JSON-decoded original, for random Unicode, quotes, commas, line breaks and escapes.
TEST(row_encoder, fuzz_round_trip_through_an_independent_csv_parser) {
  std::mt19937 rng(2026);
  auto random_text = [&](std::string& raw, std::string& decoded) {
    raw.clear();
    decoded.clear();
    int n = static_cast<int>(rng() % 24);
    for (int i = 0; i < n; ++i) {
      switch (rng() % 10) {
      case 0: raw += ","; decoded += ","; break;
      case 1: raw += "\\\""; decoded += "\""; break;
      case 2: raw += "\\n"; decoded += "\n"; break;
      case 3: raw += "\\r\\n"; decoded += "\r\n"; break;
      case 4: raw += "\\\\"; decoded += "\\"; break;
      case 5: { // any BMP scalar value or an astral one, raw UTF-8 or escaped
        std::uint32_t cp = rng() % 0x10FFFF;
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xE9;
        std::string utf8;
        append_utf8(utf8, cp < 0x20 ? 0x20 + cp : cp);
        if (rng() % 2 && cp < 0x10000 && cp >= 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", cp);
          raw += esc;
        } else {
          raw += utf8;
        }
        decoded += utf8;
        break;
      }
      case 6: raw += "="; decoded += "="; break;
      case 7: raw += "\\t"; decoded += "\t"; break;
      default: {
        char c = static_cast<char>('a' + rng() % 26);
        raw += c;
        decoded += c;
      }
      }
    }
  };
  std::string raw[5], decoded[5];
  std::string csv_text(report_header);
  std::vector<std::vector<std::string>> expected;
  row_encoder enc;
  for (int i = 0; i < 20000; ++i) {
    for (int f = 0; f < 5; ++f) random_text(raw[f], decoded[f]);
    event_view e;
    e.created_at = sys_us{std::chrono::microseconds(static_cast<std::int64_t>(rng()) * 1000)};
    e.email_at_time_of_event = raw[0];
    e.current_email_null = rng() % 5 == 0;
    e.current_email = raw[1];
    e.developer_id = raw[2];
    e.event_name = raw[3];
    e.other_account_null = rng() % 2 == 0;
    e.other_account = raw[4];
    std::string props = "{\"t\": \"" + raw[0] + "\", \"n\": [1, 2.5, true, null], \"o\": {\"k\": \"" + raw[3] + "\"}}";
    e.properties = props;
    auto at = csv_text.size();
    csv_text.resize(at + row_encoder::max_row_size(e));
    csv_text.resize(at + enc.encode(e, csv_text.data() + at));
    expected.push_back({format_rfc3339_ms(e.created_at), decoded[0], e.current_email_null ? decoded[2] : decoded[1],
                        decoded[3], e.other_account_null ? "" : decoded[4], props});
  }
  ASSERT_TRUE(valid_utf8(csv_text));
  auto rows = parse_csv(csv_text);
  ASSERT_EQ(rows.size(), expected.size() + 1);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"CreatedAt", "EmailAtTimeOfEvent", "CurrentEmail", "EventName",
                                               "OtherAccount", "JsonProperties", "Version"}));
  simdjson::dom::parser p1, p2;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& row = rows[i + 1];
    ASSERT_EQ(row.size(), 7u) << "row " << i;
    for (int f = 0; f < 5; ++f) ASSERT_EQ(row[f], expected[i][f]) << "row " << i << " field " << f;
    EXPECT_EQ(row[6], "1");
    // JsonProperties is the same JSON, minified.
    auto a = p1.parse(row[5]);
    auto b = p2.parse(expected[i][5]);
    ASSERT_EQ(a.error(), simdjson::SUCCESS) << row[5];
    EXPECT_EQ(simdjson::minify(a.value()), simdjson::minify(b.value()));
    // Minified, with the source's own escapes kept: no whitespace outside strings.
    EXPECT_EQ(row[5], reference_minify(expected[i][5]));
  }
}

TEST(utf8, repair_replaces_each_maximal_invalid_subpart) {
  std::string out;
  EXPECT_EQ(repair_utf8("ok \xC3\xA9", out), 0u);
  EXPECT_EQ(out, "ok \xC3\xA9");
  out.clear();
  EXPECT_EQ(repair_utf8("a\xC3(b", out), 1u);
  EXPECT_EQ(out, "a\xEF\xBF\xBD(b");
  out.clear();
  EXPECT_EQ(repair_utf8("\xF0\x80\x80", out), 3u);
  out.clear();
  EXPECT_EQ(repair_utf8("\xE6\x97", out), 1u); // truncated at the end
  out.clear();
  EXPECT_EQ(repair_utf8("\xED\xA0\x80", out), 3u); // an encoded surrogate
  out.clear();
  EXPECT_EQ(repair_utf8("\xFF\xFE", out), 2u);
}

TEST(utf8, repair_of_random_bytes_is_always_valid_and_keeps_valid_text) {
  std::mt19937 rng(7);
  for (int i = 0; i < 5000; ++i) {
    std::string in(rng() % 64, '\0');
    for (auto& c : in) c = static_cast<char>(rng() % 4 ? rng() : 0x80 + rng() % 0x40);
    std::string out;
    auto replaced = repair_utf8(in, out);
    ASSERT_TRUE(valid_utf8(out));
    if (valid_utf8(in)) {
      EXPECT_EQ(replaced, 0u);
      EXPECT_EQ(out, in);
    }
  }
}

// Found by the csv_encoder fuzz target: an unknown escape before a multi-byte character left
// the character's continuation bytes behind, invalid UTF-8 in the report.
TEST(decode_json_string, an_unknown_escape_replaces_the_whole_character) {
  std::string out;
  EXPECT_EQ(secexport::decode_json_string("a\\\xC3\xA9" "b", out), 1u); // a \é b
  EXPECT_EQ(out, "a\xEF\xBF\xBD" "b");
  EXPECT_TRUE(valid_utf8(out));
  EXPECT_EQ(secexport::decode_json_string("\\\xF0\x9F\x98\x80", out), 1u); // \😀
  EXPECT_EQ(out, "\xEF\xBF\xBD");
  EXPECT_EQ(secexport::decode_json_string("x\\\xE6", out), 1u); // a truncated character at the end
  EXPECT_EQ(out, "x\xEF\xBF\xBD");
}

} // namespace
} // namespace secexport::csv

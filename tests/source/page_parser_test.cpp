#include "source/page_parser.hpp"

#include <gtest/gtest.h>

namespace secexport::source {
namespace {

page make(std::string_view body) {
  page p;
  p.body.append(body);
  return p;
}

constexpr std::string_view good_event =
    R"({"id":"e1","created_at":"2026-11-22T07:04:05.123Z","email_at_time_of_event":"a@x","current_email":null,)"
    R"("developer_id":"d1","event_name":"Signed In","other_account":"b@x","properties":{"k":"v"}})";

TEST(page_parser, reads_events_and_cursor_in_any_field_order) {
  page_parser parser;
  auto p = make(std::string(R"({"next_cursor":"c2","events":[)") + std::string(good_event) + "," +
                std::string(good_event) + "]}");
  ASSERT_FALSE(parser.parse_page(p));
  ASSERT_EQ(p.events.size(), 2u);
  EXPECT_EQ(p.next_cursor, "c2");
  const auto& e = p.events[0];
  EXPECT_EQ(e.id, "e1");
  EXPECT_EQ(format_rfc3339_ms(e.created_at), "2026-11-22T07:04:05.123Z");
  EXPECT_TRUE(e.current_email_null);
  EXPECT_FALSE(e.other_account_null);
  EXPECT_EQ(e.other_account, "b@x");
  EXPECT_EQ(e.properties, R"({"k":"v"})");

  auto last = make(R"({"events":[],"next_cursor":null})");
  ASSERT_FALSE(parser.parse_page(last));
  EXPECT_TRUE(last.events.empty());
  EXPECT_FALSE(last.next_cursor);
}

TEST(page_parser, broken_events_are_set_aside_with_their_position_and_reason) {
  page_parser parser;
  auto p = make(std::string(R"({"events":[)") + std::string(good_event) +
                R"(,{"id":"e2","created_at":"2026-11-22T07:04:05Z","email_at_time_of_event":"a","developer_id":"d","properties":{}})"
                R"(,{"id":"e3","created_at":12345,"email_at_time_of_event":"a","developer_id":"d","event_name":"x","properties":{}})"
                R"(,{"id":"e4","created_at":"2026-11-22","email_at_time_of_event":"a","developer_id":"d","event_name":"x","properties":{}})"
                R"(,{"id":"e5","created_at":"2026-11-22T07:04:05Z","email_at_time_of_event":"a","developer_id":"d","event_name":"x","properties":[1]})"
                R"(,"not an object"],"next_cursor":null})");
  ASSERT_FALSE(parser.parse_page(p));
  EXPECT_EQ(p.events.size(), 1u);
  ASSERT_EQ(p.bad.size(), 5u);
  EXPECT_EQ(p.bad[0].position, 1u);
  EXPECT_EQ(p.bad[0].reason, "missing field event_name");
  EXPECT_EQ(p.bad[1].reason, "field created_at is a number, not a string");
  EXPECT_NE(p.bad[2].reason.find("not an RFC 3339 time"), std::string::npos);
  EXPECT_EQ(p.bad[3].reason, "field properties is an array, not an object");
  EXPECT_EQ(p.bad[4].position, 5u);
}

TEST(page_parser, malformed_pages_are_reported) {
  page_parser parser;
  for (std::string_view body : {R"({"events":[)", "[]", R"({"next_cursor":null})", R"({"events":{}})", "garbage",
                                R"({"events":[],"next_cursor":5})"}) {
    auto p = make(body);
    EXPECT_TRUE(parser.parse_page(p)) << body;
  }
}

TEST(page_parser, invalid_utf8_is_repaired_and_counted) {
  page_parser parser;
  auto p = make(std::string(R"({"events":[{"id":"e1","created_at":"2026-11-22T00:00:00Z","email_at_time_of_event":"a)"
                            "\xFF"
                            R"(","developer_id":"d","event_name":"x","properties":{"t":")"
                            "\xC3("
                            R"("}}],"next_cursor":null})"));
  ASSERT_FALSE(parser.parse_page(p));
  EXPECT_EQ(p.invalid_utf8_replaced, 2u);
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.events[0].email_at_time_of_event, "a\xEF\xBF\xBD");
}

TEST(page_parser, ndjson_lines_with_line_numbers) {
  page_parser parser;
  auto p = make(std::string(good_event) + "\n\n" + R"({"id":"x"})" + "\n" + std::string(good_event) + "\n");
  p.first_line = 10;
  ASSERT_FALSE(parser.parse_lines(p));
  EXPECT_EQ(p.events.size(), 2u);
  ASSERT_EQ(p.bad.size(), 1u);
  EXPECT_EQ(p.bad[0].position, 12u);
  auto broken = make(std::string(good_event) + "\n{oops\n[1,2]\n");
  broken.first_line = 1;
  ASSERT_FALSE(parser.parse_lines(broken));
  ASSERT_EQ(broken.bad.size(), 2u);
  EXPECT_EQ(broken.bad[0].position, 2u);
  EXPECT_EQ(broken.bad[1].position, 3u);
  EXPECT_EQ(broken.bad[1].reason, "the line is not a JSON object");
}

// Found by the page_parser fuzz target (tests/fuzz/regressions/page_parser): a malformed
// `null` made simdjson throw out of the parser instead of a page or event problem.
TEST(page_parser, a_malformed_null_is_a_problem_not_an_exception) {
  page_parser parser;
  auto cursor = make(R"({"events":[],"next_cursor":nul})");
  auto problem = parser.parse_page(cursor);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("next_cursor"), std::string::npos) << *problem;
  auto field = make(R"({"events":[{"current_email":nux}],"next_cursor":null})");
  EXPECT_NO_THROW((void)parser.parse_page(field));
  auto props = make(R"({"events":[{"properties":nulll}],"next_cursor":null})");
  EXPECT_NO_THROW((void)parser.parse_page(props));
  auto line = make("{\"id\":\"a\",\"other_account\":n}\n");
  EXPECT_NO_THROW((void)parser.parse_lines(line));
}

TEST(page_parser, a_created_at_whose_utc_year_has_no_four_digits_is_unusable) {
  page_parser parser;
  for (auto t : {"0000-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01"}) {
    auto p = make(R"({"events":[{"id":"i","created_at":")" + std::string(t) +
                  R"(","email_at_time_of_event":"a","developer_id":"d","event_name":"n","properties":{}}],"next_cursor":null})");
    ASSERT_FALSE(parser.parse_page(p));
    EXPECT_TRUE(p.events.empty()) << t;
    ASSERT_EQ(p.bad.size(), 1u) << t;
  }
}
} // namespace
} // namespace secexport::source

#include "base/time.hpp"

#include <gtest/gtest.h>

namespace secexport {
namespace {

using namespace std::chrono;

sys_us at(int y, unsigned m, unsigned d, int hh, int mm, int ss, int us = 0) {
  return sys_us{sys_days{year{y} / month{m} / day{d}}} + hours{hh} + minutes{mm} + seconds{ss} + microseconds{us};
}

TEST(rfc3339, parses_every_precision_and_offset_to_the_same_instant) {
  auto expected = at(2026, 11, 22, 7, 4, 5, 123000);
  for (auto text : {"2026-11-22T07:04:05.123Z", "2026-11-22T07:04:05.123000Z", "2026-11-22T07:04:05.123000000Z",
                    "2026-11-22t07:04:05.123z", "2026-11-22 07:04:05.123Z", "2026-11-22T09:04:05.123+02:00",
                    "2026-11-21T21:34:05.123-09:30", "2026-11-22T07:04:05.123+00:00"})
    EXPECT_EQ(parse_rfc3339(text), expected) << text;
  EXPECT_EQ(parse_rfc3339("2026-11-22T07:04:05Z"), at(2026, 11, 22, 7, 4, 5));
  EXPECT_EQ(parse_rfc3339("2026-11-22T07:04:05.1234567Z"), at(2026, 11, 22, 7, 4, 5, 123456)); // truncated
}

TEST(rfc3339, rejects_malformed_and_out_of_range_values) {
  for (auto text : {"", "2026-11-22", "2026-11-22T07:04:05", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                    "2026-11-22T24:00:00Z", "2026-11-22T07:60:00Z", "2026-11-22T07:04:60Z", "2026-11-22T07:04:05.Z",
                    "2026-11-22T07:04:05+0200", "2026-11-22T07:04:05Zjunk", "20261122T070405Z", "2026-11-22X07:04:05Z",
                    "2026-11-22T07:04:05+24:00", "１０２６-11-22T07:04:05Z"})
    EXPECT_FALSE(parse_rfc3339(text)) << text;
}

TEST(rfc3339, formats_milliseconds_truncated_toward_the_past) {
  EXPECT_EQ(format_rfc3339_ms(at(2026, 11, 22, 7, 4, 5, 123999)), "2026-11-22T07:04:05.123Z");
  EXPECT_EQ(format_rfc3339_ms(at(2026, 11, 22, 23, 59, 59, 999999)), "2026-11-22T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339_ms(at(2026, 11, 23, 0, 0, 0)), "2026-11-23T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339_ms(at(1969, 12, 31, 23, 59, 59, 999500)), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339_ms(at(2024, 2, 29, 12, 0, 0, 5000)), "2024-02-29T12:00:00.005Z");
  EXPECT_EQ(format_rfc3339(at(2026, 11, 22, 0, 0, 0)), "2026-11-22T00:00:00Z");
  EXPECT_EQ(format_rfc3339(at(2026, 11, 22, 0, 0, 0, 1500)), "2026-11-22T00:00:00.001500Z");
}

TEST(rfc3339, format_and_parse_round_trip_over_many_instants) {
  for (std::int64_t s = -86'400 * 400; s < 86'400LL * 366 * 60; s += 86'400 * 7 + 3'607) {
    sys_us t{seconds{s} + milliseconds{s % 1000 < 0 ? -(s % 1000) : s % 1000}};
    auto text = format_rfc3339_ms(t);
    EXPECT_EQ(parse_rfc3339(text), floor<milliseconds>(t)) << text;
  }
}

TEST(amz_date, formats_and_parses) {
  auto t = floor<seconds>(at(2015, 8, 30, 12, 36, 0));
  EXPECT_EQ(format_amz_date(t), "20150830T123600Z");
  EXPECT_EQ(format_amz_day(t), "20150830");
  EXPECT_EQ(parse_amz_date("20150830T123600Z"), t);
  EXPECT_FALSE(parse_amz_date("20150830T123600"));
  EXPECT_FALSE(parse_amz_date("20151330T123600Z"));
}

TEST(http_date, parses_imf_fixdate) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), floor<seconds>(at(1994, 11, 6, 8, 49, 37)));
  EXPECT_EQ(parse_http_date("Wed, 25 Nov 2026 15:20:11 GMT"), floor<seconds>(at(2026, 11, 25, 15, 20, 11)));
  EXPECT_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
}

TEST(iso_day, parses_and_formats_calendar_days) {
  EXPECT_EQ(parse_iso_day("2024-02-29"), sys_days{year{2024} / 2 / 29});
  EXPECT_FALSE(parse_iso_day("2023-02-29"));
  EXPECT_FALSE(parse_iso_day("2026-11-2"));
  EXPECT_EQ(format_iso_day(sys_days{year{2026} / 11 / 22}), "2026-11-22");
}

TEST(rfc3339, an_offset_may_not_push_the_utc_year_out_of_four_digits) {
  EXPECT_FALSE(parse_rfc3339("0000-01-01T00:00:00+00:01"));
  EXPECT_FALSE(parse_rfc3339("9999-12-31T23:59:59-00:01"));
  EXPECT_TRUE(parse_rfc3339("0000-01-01T00:00:00Z"));
  EXPECT_TRUE(parse_rfc3339("9999-12-31T23:59:59.999999Z"));
}

} // namespace
} // namespace secexport

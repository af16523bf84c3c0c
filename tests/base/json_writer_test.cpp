#include "base/json_writer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace secexport {
namespace {

TEST(json_writer, places_commas_between_members_and_elements_at_every_depth) {
  json_writer w;
  w.begin_object().member("a", 1).key("b").begin_array().value(true).value(false).null().end_array();
  w.key("c").begin_object().end_object().key("d").begin_array().end_array().member("e", "x").end_object();
  EXPECT_EQ(w.str(), R"({"a":1,"b":[true,false,null],"c":{},"d":[],"e":"x"})");
}

TEST(json_writer, escapes_keys_and_strings) {
  json_writer w;
  w.begin_object().member("q\"k", std::string("line\nbreak\\\x01")).end_object();
  EXPECT_EQ(w.str(), "{\"q\\\"k\":\"line\\nbreak\\\\\\u0001\"}");
}

TEST(json_writer, writes_numbers_exactly_and_non_finite_as_null) {
  json_writer w;
  w.begin_array().value(std::uint64_t{18446744073709551615ULL}).value(std::int64_t{-9223372036854775807LL - 1});
  w.value(0.1).value(2.5e-7).value(std::nan("")).value(std::numeric_limits<double>::infinity()).end_array();
  EXPECT_EQ(w.str(), "[18446744073709551615,-9223372036854775808,0.1,2.5e-07,null,null]");
}

TEST(json_writer, copies_raw_json_as_a_value) {
  json_writer w;
  w.begin_object().key("policy").raw(R"({"Version":"2012-10-17"})").member("n", 2).end_object();
  EXPECT_EQ(std::move(w).take(), R"({"policy":{"Version":"2012-10-17"},"n":2})");
}

} // namespace
} // namespace secexport

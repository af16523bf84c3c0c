#include "base/ini.hpp"

#include <gtest/gtest.h>

namespace secexport {
namespace {

TEST(parse_ini, reads_sections_keys_comments_and_nested_keys) {
  auto parsed = parse_ini(
      "# comment\n"
      "[default]\n"
      "aws_access_key_id = AKIDEXAMPLE\n"
      "  ; indented comment\n"
      "region=eu-west-1\r\n"
      "s3 =\n"
      "  endpoint_url = https://127.0.0.1:9000\n"
      "  max_concurrent_requests = 10\n"
      "\n"
      "[profile prod]\n"
      "role_arn = arn:aws:iam::123456789012:role/r\n",
      "config");
  ASSERT_TRUE(parsed) << parsed.error().message;
  auto ini = *parsed;
  EXPECT_EQ(ini["default"]["aws_access_key_id"], "AKIDEXAMPLE");
  EXPECT_EQ(ini["default"]["region"], "eu-west-1");
  EXPECT_EQ(ini["default"]["s3.endpoint_url"], "https://127.0.0.1:9000");
  EXPECT_EQ(ini["default"]["s3.max_concurrent_requests"], "10");
  EXPECT_EQ(ini["profile prod"]["role_arn"], "arn:aws:iam::123456789012:role/r");
}

TEST(parse_ini, malformed_lines_name_file_and_line_but_never_the_value) {
  struct bad {
    const char* text;
    const char* expect;
  };
  for (auto [text, expect] : {bad{"[default]\naws_secret_access_key wJalrXUtnFEMI\n", "creds:2:"},
                              bad{"aws_secret_access_key = wJalrXUtnFEMI\n", "creds:1:"},
                              bad{"[default\nx=1\n", "creds:1:"},
                              bad{"[]\n", "creds:1:"},
                              bad{"[a]\n = wJalrXUtnFEMI\n", "creds:2:"}}) {
    auto parsed = parse_ini(text, "creds");
    ASSERT_FALSE(parsed) << "accepted: " << text;
    EXPECT_EQ(parsed.error().code, errc::malformed_file);
    EXPECT_TRUE(parsed.error().is(condition::bad_input));
    const auto& what = parsed.error().message;
    EXPECT_TRUE(what.starts_with(expect)) << what;
    EXPECT_EQ(what.find("wJalrXUtnFEMI"), std::string::npos) << what;
  }
}

} // namespace
} // namespace secexport

#include "base/log.hpp"
#include "base/secret.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <vector>

namespace secexport {
namespace {

struct captured_log {
  std::vector<std::string> lines;
  captured_log() {
    set_log_sink([this](std::string_view l) { lines.emplace_back(l); });
  }
  ~captured_log() {
    set_log_sink(nullptr);
    set_log_format(log_format::text);
    set_log_level(log_level::info);
  }
};

TEST(log, masks_registered_secrets_that_slip_into_a_field) {
  captured_log cap;
  secret token("tok-ABCDEFGH-123456789");
  log_warn("server said", {{"body", "denied for token tok-ABCDEFGH-123456789, sorry"}});
  ASSERT_EQ(cap.lines.size(), 1u);
  EXPECT_EQ(cap.lines[0].find("tok-ABCDEFGH"), std::string::npos);
  EXPECT_NE(cap.lines[0].find("***"), std::string::npos);
}

TEST(log, json_lines_are_valid_json_with_typed_fields) {
  captured_log cap;
  set_log_format(log_format::json);
  log_info("part uploaded", {{"part", 5}, {"bytes", std::uint64_t(8388608)}, {"key", "a \"b\"\n\tc"}, {"ok", true}});
  ASSERT_EQ(cap.lines.size(), 1u);
  simdjson::dom::parser parser;
  auto doc = parser.parse(cap.lines[0]);
  ASSERT_EQ(doc.error(), simdjson::SUCCESS) << cap.lines[0];
  EXPECT_EQ(std::string_view(doc["msg"]), "part uploaded");
  EXPECT_EQ(int64_t(doc["part"]), 5);
  EXPECT_EQ(uint64_t(doc["bytes"]), 8388608u);
  EXPECT_EQ(std::string_view(doc["key"]), "a \"b\"\n\tc");
  EXPECT_EQ(bool(doc["ok"]), true);
  EXPECT_EQ(std::string_view(doc["level"]), "info");
}

TEST(log, respects_the_level) {
  captured_log cap;
  set_log_level(log_level::warn);
  log_info("quiet");
  log_error("loud");
  ASSERT_EQ(cap.lines.size(), 1u);
  EXPECT_NE(cap.lines[0].find("ERROR loud"), std::string::npos);
}

TEST(secret, redact_masks_longest_first_and_mask_identifier_keeps_a_prefix) {
  secret a("abcdef123456"), b("abcdef123456-and-more");
  EXPECT_EQ(redact("x abcdef123456-and-more y abcdef123456"), "x *** y ***");
  EXPECT_EQ(mask_identifier("AKIAIOSFODNN7EXAMPLE"), "AKIA****************");
}

} // namespace
} // namespace secexport

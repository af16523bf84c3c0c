#include "export/error.hpp"
#include "export/manifest.hpp"
#include "export/object_key.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace secexport::exporter {
namespace {

sys_us at(std::string_view s) { return *parse_rfc3339(s); }

TEST(object_key, default_day_key_is_deterministic_and_prefixed) {
  auto s = at("2026-11-22T00:00:00Z"), e = at("2026-11-23T00:00:00Z");
  EXPECT_TRUE(is_one_utc_day(s, e));
  EXPECT_EQ(object_key("", "", "acme", s, e).value(), "security-events/acme/2026/11/22/security-events_acme_2026-11-22.csv");
  EXPECT_EQ(object_key("exports/", "", "acme", s, e).value(), "exports/security-events/acme/2026/11/22/security-events_acme_2026-11-22.csv");
  EXPECT_EQ(object_key("a//", "/{tenant}-{date}.csv", "acme", s, e).value(), "a/acme-2026-11-22.csv");
  EXPECT_EQ(manifest_key("x/y.csv"), "x/y.manifest.json");
  EXPECT_EQ(manifest_key("x/y"), "x/y.manifest.json");
  // A codec adds its suffix to the report's key; the manifest stays beside the template's key,
  // the same for every codec, so the daily job finds a day done however it was compressed.
  EXPECT_EQ(report_key("x/y.csv", codec::gzip), "x/y.csv.gz");
  EXPECT_EQ(report_key("x/y.csv", codec::zstd), "x/y.csv.zst");
  EXPECT_EQ(report_key("x/y.csv", codec::none), "x/y.csv");
  EXPECT_EQ(report_key("x/y", codec::gzip), "x/y.gz");
}

TEST(object_key, ranges_get_their_own_default) {
  auto s = at("2026-11-22T06:00:00Z"), e = at("2026-11-22T18:00:00Z");
  EXPECT_FALSE(is_one_utc_day(s, e));
  EXPECT_EQ(object_key("", "", "acme", s, e).value(), "security-events/acme/ranges/security-events_acme_20261122T060000Z_20261122T180000Z.csv");
}

TEST(object_key, template_errors_are_clear) {
  auto s = at("2026-11-22T00:00:00Z"), e = at("2026-11-23T00:00:00Z");
  EXPECT_EQ(object_key("", "{nope}", "acme", s, e).error().code, errc::bad_key_template);
  EXPECT_EQ(object_key("", "{tenant", "acme", s, e).error().code, errc::bad_key_template);
  EXPECT_TRUE(object_key("", std::string(1100, 'k'), "acme", s, e).error().is(condition::bad_input));
}

TEST(object_key, prefixes_are_normalised_and_dot_segments_refused) {
  const auto day = sys_us{std::chrono::sys_days{std::chrono::year{2026} / 11 / 22}};
  const auto next = day + std::chrono::days(1);
  auto key = [&](std::string_view prefix) { return object_key(prefix, "{tenant}/{date}.csv", "acme", day, next); };
  EXPECT_EQ(key("/exports/").value(), "exports/acme/2026-11-22.csv");
  EXPECT_EQ(key("a//b/").value(), "a/b/acme/2026-11-22.csv");
  EXPECT_EQ(key("").value(), "acme/2026-11-22.csv");
  for (std::string_view bad : {"a/../b", "./a", "a\nb", "\xff"}) {
    auto k = key(bad);
    ASSERT_FALSE(k) << bad;
    EXPECT_EQ(k.error().code, exporter::errc::bad_settings);
  }
  EXPECT_EQ(normalize_prefix("/x//y/").value(), "x/y");
}

TEST(object_key, a_template_without_the_date_would_overwrite_every_day_and_is_refused) {
  const auto day = sys_us{std::chrono::sys_days{std::chrono::year{2026} / 11 / 22}};
  const auto next = day + std::chrono::days(1);
  for (std::string_view bad : {"fixed.csv", "{tenant}.csv", "{yyyy}/{mm}/report.csv"}) {
    auto k = object_key("", bad, "acme", day, next);
    ASSERT_FALSE(k) << bad;
    EXPECT_NE(k.error().message.find("every day's report would overwrite"), std::string::npos) << k.error().message;
  }
  for (std::string_view good : {"{date}.csv", "{yyyy}/{mm}/{dd}.csv", "r-{start}.csv"})
    EXPECT_TRUE(object_key("", good, "acme", day, next)) << good;
}

TEST(tenant_id, rules) {
  EXPECT_TRUE(check_tenant_id("acme-corp_1.eu"));
  EXPECT_FALSE(check_tenant_id(""));
  EXPECT_FALSE(check_tenant_id("a/b"));
  EXPECT_FALSE(check_tenant_id(".."));
  EXPECT_FALSE(check_tenant_id("with space"));
}

TEST(manifest, is_valid_json_with_every_field) {
  manifest m;
  m.tenant = "acme \"quoted\"";
  m.window_start = at("2026-11-22T00:00:00Z");
  m.window_end = at("2026-11-23T00:00:00Z");
  m.bucket = "b";
  m.key = "k.csv";
  m.rows = 10;
  m.bytes = 1234;
  m.sha256_hex = std::string(64, 'a');
  m.etag = "\"abc-2\"";
  m.source = "https://events";
  m.duplicates_dropped = 2;
  auto json = m.to_json();
  simdjson::dom::parser p;
  auto doc = p.parse(json);
  ASSERT_EQ(doc.error(), simdjson::SUCCESS) << json;
  EXPECT_EQ(std::string_view(doc["tenant"]), "acme \"quoted\"");
  EXPECT_EQ(std::string_view(doc["window"]["start"]), "2026-11-22T00:00:00Z");
  EXPECT_EQ(uint64_t(doc["rows"]), 10u);
  EXPECT_EQ(uint64_t(doc["bytes"]), 1234u);
  EXPECT_EQ(std::string_view(doc["object"]["etag"]), "\"abc-2\"");
  EXPECT_EQ(uint64_t(doc["source"]["duplicates_dropped"]), 2u);
  EXPECT_EQ(int64_t(doc["csv_format_version"]), 1);
  EXPECT_EQ(std::string_view(doc["exporter"]["name"]), "secexport");
  EXPECT_EQ(std::string_view(doc["compression"]["codec"]), "none");
  EXPECT_EQ(int64_t(doc["compression"]["level"]), 0);
}

TEST(manifest, a_compressed_report_records_its_codec_the_csv_size_and_the_stored_size) {
  manifest m;
  m.key = "k.csv.zst";
  m.compression = {codec::zstd, 3};
  m.csv_bytes = 48213377;
  m.bytes = 5812003;
  auto json = m.to_json();
  simdjson::dom::parser p;
  auto doc = p.parse(json);
  ASSERT_EQ(doc.error(), simdjson::SUCCESS) << json;
  EXPECT_EQ(std::string_view(doc["compression"]["codec"]), "zstd");
  EXPECT_EQ(int64_t(doc["compression"]["level"]), 3);
  EXPECT_EQ(uint64_t(doc["csv_bytes"]), 48213377u);
  EXPECT_EQ(uint64_t(doc["bytes"]), 5812003u);
  EXPECT_EQ(std::string_view(doc["object"]["key"]), "k.csv.zst");
}

} // namespace
} // namespace secexport::exporter

// The export's settings into a request: the key, the memory split between pages and parts,
// the payload protection and the content type, and the errors that name the setting.
#include "export/compressing_writer.hpp"
#include "export/error.hpp"
#include "export/export_settings.hpp"
#include "source/event_view.hpp"
#include "s3/error.hpp"

#include <gtest/gtest.h>

namespace secexport::exporter {
namespace {

export_settings one_day() {
  export_settings s;
  s.tenant = "acme";
  s.start = *parse_rfc3339("2026-11-22T00:00:00Z");
  s.end = *parse_rfc3339("2026-11-23T00:00:00Z");
  s.bucket = "acme-audit";
  s.prefix = "exports";
  s.source_url = "https://events.internal";
  s.source_token = secret("a-source-token-value");
  return s;
}

TEST(export_settings, page_buffers_come_out_of_the_memory_budget) {
  auto s = one_day();
  s.source_concurrency = 8;
  s.page_limit = 1000;
  EXPECT_EQ(pages_for(8), 28u);
  EXPECT_EQ(page_body_memory(s), 28u * 1000u * page_bytes_per_event);
  // The event views of each page come on top of the bodies: a page of 50 MB that fills the
  // bodies' share still has its views counted (they once went uncounted, up to 2x each).
  EXPECT_EQ(source_memory(s), 28u * 1000u * (page_bytes_per_event + sizeof(source::event_view)));
  auto r = make_export_request(s, true);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->policy.settings().memory_budget, s.parts.memory_budget - source_memory(s));
  ASSERT_TRUE(r->http_source);
  EXPECT_EQ(r->http_source->page_memory, page_body_memory(s));
  EXPECT_EQ(r->http_source->max_pages, 28u);
  EXPECT_EQ(r->http_source->concurrency, 8u);
  EXPECT_EQ(r->http_source->source.limit, 1000u);
  EXPECT_EQ(r->key, "exports/security-events/acme/2026/11/22/security-events_acme_2026-11-22.csv");

  s.source_url.clear();
  s.source_file = "-";
  r = make_export_request(s, true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->policy.settings().memory_budget, s.parts.memory_budget - file_source_memory);
  EXPECT_FALSE(r->http_source);
}

TEST(export_settings, a_budget_the_pages_fill_is_refused_naming_the_flags) {
  auto s = one_day();
  s.source_concurrency = 64;
  s.page_limit = 10000;
  auto r = make_export_request(s, true);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::bad_settings);
  EXPECT_TRUE(r.error().is(condition::bad_input));
  for (auto flag : {"--max-memory", "--source-concurrency 64", "--page-limit 10000"})
    EXPECT_NE(r.error().message.find(flag), std::string::npos) << r.error().message;
  s = one_day();
  s.parts.memory_budget = 36u << 20; // room for the pages (25 MB), not for two 8 MiB parts after them
  r = make_export_request(s, true);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::bad_settings);
  for (auto says : {"--max-memory 36 MiB leaves", "less than two parts of --part-size 8 MiB", "raise --max-memory to at least"})
    EXPECT_NE(r.error().message.find(says), std::string::npos) << r.error().message;
}

TEST(export_settings, payload_protection_and_content_type) {
  auto s = one_day();
  auto tls = make_export_request(s, true).value();
  EXPECT_FALSE(tls.upload.signed_payload);
  EXPECT_TRUE(tls.upload.crc32c);
  auto plain = make_export_request(s, false).value();
  EXPECT_TRUE(plain.upload.signed_payload);
  EXPECT_TRUE(plain.upload.crc32c);
  ASSERT_EQ(tls.upload.object_headers.size(), 1u);
  EXPECT_EQ(tls.upload.object_headers[0].name, "content-type");
  EXPECT_EQ(tls.upload.object_headers[0].value, "text/csv; charset=utf-8");
}

TEST(export_settings, a_codec_names_the_key_sets_the_content_type_and_takes_its_memory_from_the_part_buffers) {
  auto s = one_day();
  const auto plain = make_export_request(s, true).value();
  EXPECT_EQ(plain.compression.codec, codec::none);
  EXPECT_EQ(plain.key, plain.base_key);
  for (auto [c, suffix, type] : {std::tuple{codec::gzip, ".csv.gz", "application/gzip"},
                                 std::tuple{codec::zstd, ".csv.zst", "application/zstd"}}) {
    s.codec = c;
    auto r = make_export_request(s, true);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->base_key, "exports/security-events/acme/2026/11/22/security-events_acme_2026-11-22.csv");
    EXPECT_EQ(r->key, "exports/security-events/acme/2026/11/22/security-events_acme_2026-11-22" + std::string(suffix));
    EXPECT_EQ(r->compression.level, default_level(c));
    ASSERT_EQ(r->upload.object_headers.size(), 1u); // a Content-Type, and no Content-Encoding
    EXPECT_EQ(r->upload.object_headers[0].name, "content-type");
    EXPECT_EQ(r->upload.object_headers[0].value, type);
    EXPECT_EQ(r->policy.settings().memory_budget,
              plain.policy.settings().memory_budget - compressor_memory(r->compression));
  }
  s.codec = codec::zstd;
  s.compress_level = 20;
  auto bad = make_export_request(s, true);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("1 to 19"), std::string::npos) << bad.error().message;
  s.codec.reset();
  s.compress_level = 3;
  EXPECT_FALSE(make_export_request(s, true)) << "a level without a codec is a mistake, not ignored";
}

TEST(export_settings, a_budget_the_compressor_does_not_fit_in_names_it) {
  auto s = one_day();
  s.source_concurrency = 1;
  s.page_limit = 1000; // 7 pages: about 5.4 MB
  s.parts.memory_budget = source_memory(s) + 11 * s3::mib; // two 5 MiB parts and a little
  s.parts.part_size = 5 * s3::mib;
  ASSERT_TRUE(make_export_request(s, true));
  s.codec = codec::zstd;
  s.compress_level = 19;
  auto r = make_export_request(s, true);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("zstd compressor"), std::string::npos) << r.error().message;
}

TEST(export_settings, exactly_one_source_and_a_usable_url) {
  auto s = one_day();
  s.source_file = "events.ndjson";
  EXPECT_EQ(make_export_request(s, true).error().code, errc::bad_settings);
  s = one_day();
  s.source_url = "https://user:hunter22@events.internal";
  auto r = make_export_request(s, true);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(condition::bad_input));
  EXPECT_EQ(r.error().message.find("hunter22"), std::string::npos) << r.error().message;
  s = one_day();
  s.key_template = "{nope}";
  EXPECT_EQ(make_export_request(s, true).error().code, errc::bad_key_template);
  s = one_day();
  s.tenant = "a/b";
  EXPECT_EQ(make_export_request(s, true).error().code, errc::bad_tenant_id);
}

TEST(export_settings, every_export_checks_the_bucket_name_by_the_s3_rules) {
  for (const std::string& bad :
       std::vector<std::string>{"acme/audit", "AcmeAudit", "ab", "acme_audit", "-acme", std::string(70, 'a')}) {
    auto s = one_day();
    s.bucket = bad;
    auto r = make_export_request(s, true);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, s3::errc::bad_bucket_name) << bad;
  }
}

TEST(export_settings, a_window_that_has_not_ended_is_refused_unless_partial_days_are_allowed) {
  auto s = one_day();
  s.now = *parse_rfc3339("2026-11-22T13:00:00Z"); // the day being exported is today
  auto r = make_export_request(s, true);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("--allow-partial-day"), std::string::npos) << r.error().message;
  s.allow_partial_day = true;
  ASSERT_TRUE(make_export_request(s, true));
  EXPECT_TRUE(make_export_request(s, true)->partial) << "a partial day never gets a manifest";

  s = one_day();
  s.now = *parse_rfc3339("2026-11-23T00:04:00Z");
  s.late_margin = std::chrono::minutes(5);
  EXPECT_FALSE(make_export_request(s, true)) << "within the margin for late events";
  s.now = *parse_rfc3339("2026-11-23T00:05:00Z");
  ASSERT_TRUE(make_export_request(s, true));
  EXPECT_FALSE(make_export_request(s, true)->partial);
}

} // namespace
} // namespace secexport::exporter

// The integrity decisions without sockets: a store that echoes CRC32C, one that ignores it
// (MD5 from then on, ETags checked), one whose ETags are no MD5 (cannot be verified), and the
// whole-object checks. Expected composite checksums and multipart ETags were computed
// independently in Python (a bitwise CRC32C, polynomial 0x82F63B78, and hashlib.md5).
#include "s3/crc32c.hpp"
#include "s3/error.hpp"
#include "s3/integrity.hpp"

#include <gtest/gtest.h>

namespace secexport::s3 {
namespace {

constexpr std::string_view hello = "hello ", world = "world";

std::uint32_t crc(std::string_view s) { return crc32c(0, s.data(), s.size()); }

struct judged {
  std::optional<error> verdict;
  std::optional<md5_digest> md5;
  int md5_computed = 0;
};

judged judge(integrity_check& check, std::string_view body, std::string_view echo, std::string_view etag,
             std::optional<md5_digest> md5 = std::nullopt) {
  judged j;
  j.md5 = md5;
  j.verdict = check.check("UploadPart 1 of s3://b/k", crc(body), echo, etag, j.md5, [&] {
    ++j.md5_computed;
    return md5_of(body);
  });
  return j;
}

TEST(integrity, a_store_that_echoes_our_crc32c_verified_the_part) {
  integrity_check check(true);
  auto j = judge(check, hello, crc32c_base64(crc(hello)), "\"whatever\"");
  EXPECT_FALSE(j.verdict);
  EXPECT_EQ(j.md5_computed, 0);
  EXPECT_FALSE(check.wants_md5());
  EXPECT_EQ(check.label(), "crc32c-verified-by-store");
}

TEST(integrity, an_echo_that_differs_means_the_part_changed_on_the_way) {
  integrity_check check(true);
  auto j = judge(check, hello, crc32c_base64(crc(world)), "");
  ASSERT_TRUE(j.verdict);
  EXPECT_EQ(j.verdict->code, errc::integrity_mismatch);
  EXPECT_TRUE(j.verdict->is(condition::integrity)); // so the retry engine sends it again
  EXPECT_NE(j.verdict->message.find("UploadPart 1 of s3://b/k"), std::string::npos);
  EXPECT_EQ(check.label(), "unverified");
}

TEST(integrity, a_store_without_echo_gets_md5_from_then_on_and_its_etag_is_checked) {
  integrity_check check(true);
  auto j = judge(check, hello, "", "\"f814893777bcc2295fff05f00e508da6\"");
  EXPECT_FALSE(j.verdict);
  EXPECT_EQ(j.md5_computed, 1); // the first part was made before the store showed it
  EXPECT_TRUE(check.wants_md5());
  EXPECT_EQ(check.label(), "md5-verified");
  auto later = judge(check, world, "", "\"" + to_hex(md5_of(world)) + "\"", md5_of(world));
  EXPECT_FALSE(later.verdict);
  EXPECT_EQ(later.md5_computed, 0); // the producer hashed it
}

TEST(integrity, an_etag_that_is_not_the_md5_of_the_bytes_sent_is_a_mismatch) {
  integrity_check check(true);
  auto j = judge(check, hello, "", "\"" + to_hex(md5_of(world)) + "\"");
  ASSERT_TRUE(j.verdict);
  EXPECT_EQ(j.verdict->code, errc::integrity_mismatch);
}

TEST(integrity, a_store_with_neither_echo_nor_md5_etags_cannot_be_verified) {
  integrity_check check(true);
  auto j = judge(check, hello, "", "\"3858f62230ac3c915f300c664312c11f-1\"");
  ASSERT_TRUE(j.verdict);
  EXPECT_EQ(j.verdict->code, errc::unverifiable);
  EXPECT_FALSE(j.verdict->is(condition::integrity)); // not retried: it would never pass
  EXPECT_NE(j.verdict->message.find("cannot verify"), std::string::npos);
}

TEST(integrity, without_crc32c_parts_are_verified_by_md5_from_the_start) {
  integrity_check check(false);
  EXPECT_TRUE(check.wants_md5());
  auto j = judge(check, hello, crc32c_base64(crc(hello)), "\"f814893777bcc2295fff05f00e508da6\"");
  EXPECT_FALSE(j.verdict);
  EXPECT_EQ(check.label(), "md5-verified");
}

TEST(integrity, a_store_that_stops_echoing_is_checked_by_md5_and_the_label_says_both) {
  integrity_check check(true);
  EXPECT_FALSE(judge(check, hello, crc32c_base64(crc(hello)), "").verdict);
  EXPECT_FALSE(judge(check, world, "", "\"" + to_hex(md5_of(world)) + "\"").verdict);
  EXPECT_EQ(check.label(), "crc32c-and-md5-verified");
}

TEST(integrity, whole_object_checksums_as_s3_computes_them) {
  EXPECT_EQ(integrity_check::composite_crc32c({crc(hello), crc(world)}), "vUZpoA==-2");
  EXPECT_EQ(integrity_check::multipart_etag({md5_of(hello), md5_of(world)}), "e09e4fd6265b36115fe3db32df945d84-2");
  integrity_check check(true);
  const std::vector<std::uint32_t> crcs{crc(hello), crc(world)};
  const std::vector<std::optional<md5_digest>> md5s{md5_of(hello), md5_of(world)};
  EXPECT_FALSE(check.check_object("o", "vUZpoA==-2", "\"e09e4fd6265b36115fe3db32df945d84-2\"", crcs, md5s));
  EXPECT_FALSE(check.check_object("o", "", "", crcs, md5s)); // a store that says nothing: the parts were checked
  auto bad_crc = check.check_object("o", "AAAAAA==-2", "", crcs, md5s);
  ASSERT_TRUE(bad_crc);
  EXPECT_EQ(bad_crc->code, errc::integrity_mismatch);
  auto bad_etag = check.check_object("o", "", "\"00000000000000000000000000000000-2\"", crcs, md5s);
  ASSERT_TRUE(bad_etag);
  EXPECT_EQ(bad_etag->code, errc::integrity_mismatch);
  // A part verified by its echo has no MD5: the ETag cannot be compared, which is fine.
  EXPECT_FALSE(check.check_object("o", "", "\"00000000000000000000000000000000-2\"", crcs, {md5_of(hello), std::nullopt}));
}

} // namespace
} // namespace secexport::s3

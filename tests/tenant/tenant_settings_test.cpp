// Tenant settings: the file format, the store's permissions rules, input validation and the
// IAM documents shown to customers.
#include "tenant/policies.hpp"
#include "tenant/tenant_settings.hpp"
#include "support/scratch_dir.hpp"

#include <gtest/gtest.h>

#include <simdjson.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

namespace {

using namespace secexport;
using namespace secexport::tenant;
namespace fs = std::filesystem;

constexpr const char* secret_value = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRETKEY";

tenant_settings role_tenant() {
  tenant_settings t;
  t.id = "acme";
  t.enabled = true;
  t.method = auth_method::role_arn;
  t.bucket = "acme-security";
  t.prefix = "audit/exports";
  t.region = "eu-west-1";
  t.role_arn = "arn:aws:iam::210987654321:role/secexport";
  t.external_id = "sx-abcdefghijklmnopqrstuvwx";
  t.session_duration = 7200;
  t.source_url = "https://events.internal";
  return t;
}

class store_test : public ::testing::Test {
protected:
  secexport::testing::scratch_dir scratch_{"tenant_store_test"};
  const fs::path& dir_ = scratch_.path();
};

TEST_F(store_test, round_trips_every_field_with_owner_only_permissions) {
  tenant_store store(dir_ / "tenants");
  auto t = role_tenant();
  store.save(t);
  struct stat st {};
  ASSERT_EQ(::stat(store.path_of("acme").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ / "tenants").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto back = store.load("acme");
  ASSERT_TRUE(back);
  EXPECT_EQ(serialize(*back), serialize(t));
  EXPECT_EQ(back->session_duration, 7200u);

  tenant_settings k;
  k.id = "beta";
  k.method = auth_method::access_key;
  k.bucket = "beta-bucket";
  k.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  k.secret_access_key = secret(secret_value);
  k.source_url = "https://events.internal";
  store.save(k);
  auto kb = store.load("beta");
  ASSERT_TRUE(kb);
  EXPECT_EQ(kb->secret_access_key.reveal(), secret_value);
  EXPECT_FALSE(kb->enabled);
  EXPECT_EQ(store.list(), (std::vector<std::string>{"acme", "beta"}));
  EXPECT_FALSE(store.load("nobody"));
  EXPECT_TRUE(store.remove("beta"));
  EXPECT_FALSE(store.remove("beta"));
  EXPECT_EQ(store.list(), (std::vector<std::string>{"acme"}));
}

TEST_F(store_test, refuses_a_file_that_others_can_read_without_showing_its_secret) {
  tenant_store store(dir_);
  auto t = role_tenant();
  t.method = auth_method::access_key;
  t.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  t.secret_access_key = secret(secret_value);
  store.save(t);
  ::chmod(store.path_of("acme").c_str(), 0644);
  try {
    (void)store.load("acme");
    FAIL() << "loaded a world-readable secrets file";
  } catch (const store_error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find(store.path_of("acme").string()), std::string::npos) << m;
    EXPECT_NE(m.find("chmod 600"), std::string::npos) << m;
    EXPECT_EQ(m.find(secret_value), std::string::npos);
  }
}

TEST_F(store_test, a_malformed_file_names_the_file_and_line_never_a_value) {
  fs::create_directories(dir_);
  auto write = [&](const std::string& text) {
    std::ofstream(dir_ / "acme.conf") << text;
    ::chmod((dir_ / "acme.conf").c_str(), 0600);
  };
  tenant_store store(dir_);
  write(std::string("[tenant]\nmethod = access-key\nsecret-access-key ") + secret_value + "\n");
  try {
    (void)store.load("acme");
    FAIL();
  } catch (const store_error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("acme.conf:3"), std::string::npos) << m;
    EXPECT_EQ(m.find(secret_value), std::string::npos) << m;
  }
  write("[tenant]\nbukket = x\n");
  EXPECT_THROW((void)store.load("acme"), store_error);
  write("[tenant]\nmethod = carrier-pigeon\n");
  EXPECT_THROW((void)store.load("acme"), store_error);
  write("[other]\nbucket = x\n");
  EXPECT_THROW((void)store.load("acme"), store_error);
  EXPECT_THROW((void)store.path_of("../etc/passwd"), store_error);
  EXPECT_THROW((void)store.path_of(".."), store_error);
}

TEST(tenant_problems, name_what_is_missing_for_each_method) {
  EXPECT_TRUE(role_tenant().problems().empty());
  auto t = role_tenant();
  t.external_id.clear();
  auto p = t.problems();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].field, field::external_id);
  EXPECT_NE(p[0].message.find("secexport tenant external-id acme"), std::string::npos);
  t = role_tenant();
  t.method = auth_method::access_key;
  p = t.problems();
  ASSERT_EQ(p.size(), 2u); // no key ID, no secret
  EXPECT_EQ(p[0].field, field::access_key_id);
  EXPECT_EQ(p[1].field, field::secret_access_key);
  t.source_url.clear();
  EXPECT_EQ(t.problems().back().field, field::source_url);
  t.method = auth_method::none;
  EXPECT_FALSE(t.problems().empty());
}

TEST(validation, a_tenant_with_a_bad_bucket_names_the_s3_rule) {
  auto t = role_tenant();
  t.bucket = "Acme_Audit";
  auto p = t.problems();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].field, field::bucket);
  EXPECT_NE(p[0].message.find("'Acme_Audit'"), std::string::npos) << p[0].message;
}

TEST(settings_change, switching_method_drops_the_other_methods_credentials) {
  auto t = role_tenant();
  settings_change to_keys;
  to_keys.method = auth_method::access_key;
  to_keys.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  to_keys.secret_access_key = secret(secret_value);
  apply(t, to_keys);
  EXPECT_EQ(t.method, auth_method::access_key);
  EXPECT_TRUE(t.role_arn.empty());
  EXPECT_EQ(t.external_id, "sx-abcdefghijklmnopqrstuvwx"); // issued for the tenant: kept
  EXPECT_EQ(t.access_key_id, "AKIAIOSFODNN7EXAMPLE");
  EXPECT_TRUE(t.problems().empty());

  settings_change back;
  back.method = auth_method::role_arn;
  back.role_arn = "arn:aws:iam::210987654321:role/other";
  apply(t, back);
  EXPECT_TRUE(t.access_key_id.empty());
  EXPECT_TRUE(t.secret_access_key.empty());
  EXPECT_EQ(t.role_arn, "arn:aws:iam::210987654321:role/other");

  settings_change same; // the same method again keeps everything; unset fields are untouched
  same.method = auth_method::role_arn;
  same.bucket = "other-bucket";
  apply(t, same);
  EXPECT_EQ(t.role_arn, "arn:aws:iam::210987654321:role/other");
  EXPECT_EQ(t.bucket, "other-bucket");
  EXPECT_EQ(t.prefix, "audit/exports");
}

TEST(validation, role_arns_regions_and_keys) {
  EXPECT_TRUE(check_role_arn("arn:aws:iam::123456789012:role/secexport"));
  EXPECT_TRUE(check_role_arn("arn:aws-cn:iam::123456789012:role/path/to/Role_name+=,.@-"));
  for (const char* bad : {"arn:aws:iam::12345678901:role/x", "arn:aws:iam::123456789012:user/x",
                          "arn:aws:s3:::bucket", "arn:foo:iam::123456789012:role/x", "role/x",
                          "arn:aws:iam::123456789012:role/", "arn:aws:iam::123456789012:role/a b"})
    EXPECT_FALSE(check_role_arn(bad)) << bad;
  for (const char* ok : {"us-east-1", "eu-central-2", "ap-southeast-4", "us-gov-west-1", "cn-north-1"})
    EXPECT_TRUE(check_region(ok)) << ok;
  for (const char* bad : {"us-east", "US-EAST-1", "useast1", "us--east-1", "eu-west-1a", ""})
    EXPECT_FALSE(check_region(bad)) << bad;
  EXPECT_TRUE(check_access_key_id("AKIAIOSFODNN7EXAMPLE"));
  EXPECT_FALSE(check_access_key_id("akiaiosfodnn7example"));
  EXPECT_FALSE(check_access_key_id("AKIA"));
}

TEST(external_ids, are_random_url_safe_and_at_least_128_bits) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto id = new_external_id();
    EXPECT_EQ(id.size(), 3u + 24u); // "sx-" + 144 bits in base64url
    EXPECT_TRUE(check_external_id(id)) << id;
    for (char c : id.substr(3)) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 200u);
}

// Parses a policy document printed for customers; returns its statements as
// (actions, resource) pairs.
std::vector<std::pair<std::vector<std::string>, std::string>> statements(const std::string& json) {
  simdjson::dom::parser parser;
  auto doc = parser.parse(json);
  EXPECT_EQ(std::string_view(doc["Version"].get_string().value()), "2012-10-17");
  std::vector<std::pair<std::vector<std::string>, std::string>> out;
  for (auto s : doc["Statement"].get_array()) {
    EXPECT_EQ(std::string_view(s["Effect"].get_string().value()), "Allow");
    std::vector<std::string> actions;
    for (auto a : s["Action"].get_array()) actions.emplace_back(std::string_view(a.get_string().value()));
    out.emplace_back(actions, std::string(std::string_view(s["Resource"].get_string().value())));
  }
  return out;
}

TEST(policies, the_permissions_policy_is_the_specs_with_bucket_slash_star) {
  using v = std::vector<std::string>;
  auto s = statements(permissions_policy("acme-security", ""));
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].first, (v{"s3:ListBucket", "s3:GetBucketLocation"}));
  EXPECT_EQ(s[0].second, "arn:aws:s3:::acme-security");
  EXPECT_EQ(s[1].first, (v{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}));
  EXPECT_EQ(s[1].second, "arn:aws:s3:::acme-security/*");
  EXPECT_EQ(statements(permissions_policy("b-1", "audit/x/"))[1].second, "arn:aws:s3:::b-1/audit/x/*");
  auto c = statements(cleanup_policy("b-1", ""));
  EXPECT_EQ(c[0].first, (v{"s3:ListBucketMultipartUploads"}));
  EXPECT_EQ(c[1].first, (v{"s3:AbortMultipartUpload"}));
  EXPECT_EQ(c[1].second, "arn:aws:s3:::b-1/*");
}

TEST(policies, the_trust_policy_names_the_principal_and_requires_the_external_id) {
  simdjson::dom::parser parser;
  auto doc = parser.parse(trust_policy("arn:aws:iam::123456789012:user/exporter", "sx-abc\"d"));
  auto st = doc["Statement"].at(0);
  EXPECT_EQ(std::string_view(st["Principal"]["AWS"].get_string().value()), "arn:aws:iam::123456789012:user/exporter");
  EXPECT_EQ(std::string_view(st["Action"].get_string().value()), "sts:AssumeRole");
  EXPECT_EQ(std::string_view(st["Condition"]["StringEquals"]["sts:ExternalId"].get_string().value()), "sx-abc\"d");
}

TEST(policies, trust_principals_for_each_kind_of_caller) {
  EXPECT_EQ(trust_principal_for("arn:aws:iam::123456789012:user/exporter"), "arn:aws:iam::123456789012:user/exporter");
  EXPECT_EQ(trust_principal_for("arn:aws:iam::123456789012:user/ops/exporter"),
            "arn:aws:iam::123456789012:user/ops/exporter");
  EXPECT_EQ(trust_principal_for("arn:aws:sts::123456789012:assumed-role/exporter-role/i-0abc"),
            "arn:aws:iam::123456789012:role/exporter-role");
  EXPECT_EQ(trust_principal_for("arn:aws-cn:sts::123456789012:assumed-role/r/s"), "arn:aws-cn:iam::123456789012:role/r");
  EXPECT_FALSE(trust_principal_for("arn:aws:sts::123456789012:federated-user/bob"));
  EXPECT_FALSE(trust_principal_for("not an arn"));
  EXPECT_EQ(account_principal("arn:aws:iam::123456789012:user/x", "123456789012"), "arn:aws:iam::123456789012:root");
}

// Found by the tenant_file fuzz target: what a file says must survive being saved again.
TEST(tenant_file, parse_then_serialize_round_trips_what_the_file_says) {
  auto t = parse_tenant_file("[tenant]\nmethod = access-key\nsession-duration = 900\n", "t.conf", "acme");
  EXPECT_EQ(t.session_duration, 900u);
  auto again = parse_tenant_file(serialize(t), "t.conf", "acme");
  EXPECT_EQ(again.session_duration, 900u);
  EXPECT_THROW((void)parse_tenant_file("[tenant]\nsource-token-env =\n", "t.conf", "acme"), store_error);
}

TEST(tenant_file, the_report_codec_is_saved_only_when_chosen_and_read_back) {
  auto t = parse_tenant_file("[tenant]\nmethod = access-key\n", "t.conf", "acme");
  EXPECT_FALSE(t.compress);
  EXPECT_EQ(serialize(t).find("compress"), std::string::npos);
  settings_change c;
  c.compress = exporter::codec::zstd;
  apply(t, c);
  auto again = parse_tenant_file(serialize(t), "t.conf", "acme");
  EXPECT_EQ(again.compress, exporter::codec::zstd);
  apply(again, settings_change{}); // a save without --compress keeps it
  EXPECT_EQ(again.compress, exporter::codec::zstd);
  c.compress = exporter::codec::none;
  apply(again, c);
  EXPECT_EQ(parse_tenant_file(serialize(again), "t.conf", "acme").compress, exporter::codec::none);
  try {
    (void)parse_tenant_file("[tenant]\ncompress = lz4\n", "t.conf", "acme");
    FAIL() << "an unknown codec must be refused";
  } catch (const store_error& e) {
    EXPECT_NE(std::string(e.what()).find("t.conf: compress: must be none, gzip or zstd"), std::string::npos) << e.what();
  }
}

// ---------------------------------------------------------------- bad input (issue 13)

tenant_settings key_tenant(std::string id = "acme") {
  tenant_settings k;
  k.id = std::move(id);
  k.enabled = true;
  k.method = auth_method::access_key;
  k.bucket = "acme-security";
  k.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  k.secret_access_key = secret(secret_value);
  k.source_url = "https://events.internal";
  return k;
}

TEST(validation, a_value_the_file_cannot_keep_byte_for_byte_is_a_problem_and_never_written) {
  // A newline in a flag once rewrote the saved bucket: "https://e\nbucket = other".
  for (const std::string& bad : std::vector<std::string>{"https://e\nbucket = other", "https://e\rx",
                                                         std::string("https://e\0x", 11), "https://e\tx", " https://e",
                                                         "https://e "}) {
    auto t = key_tenant();
    t.source_url = bad;
    auto p = t.problems();
    ASSERT_FALSE(p.empty()) << bad;
    EXPECT_EQ(p.front().field, field::source_url);
    EXPECT_THROW((void)serialize(t), store_error) << bad;
  }
  auto t = key_tenant();
  t.secret_access_key = secret(std::string(secret_value) + "\nenabled = false");
  ASSERT_FALSE(t.problems().empty());
  EXPECT_EQ(t.problems().front().message.find(secret_value), std::string::npos) << "the value is never quoted";
  EXPECT_THROW((void)serialize(t), store_error);
  t = key_tenant();
  t.source_token_env = "TOKEN\nenabled = false";
  EXPECT_FALSE(t.problems().empty());
  EXPECT_THROW((void)serialize(t), store_error);
}

TEST(validation, source_urls_and_token_variable_names_are_checked_when_saved) {
  for (const char* bad : {"not-a-url", "ftp://x", "http://user:pw@events.internal", "https://"}) {
    auto t = key_tenant();
    t.source_url = bad;
    ASSERT_FALSE(t.problems().empty()) << bad;
    EXPECT_EQ(t.problems().front().field, field::source_url) << bad;
    EXPECT_EQ(t.problems().front().message.find("pw@"), std::string::npos);
  }
  for (const char* bad : {"NOT VALID=;", "1TOKEN", "", "A-B"}) {
    auto t = key_tenant();
    t.source_token_env = bad;
    ASSERT_FALSE(t.problems().empty()) << bad;
    EXPECT_EQ(t.problems().back().field, field::source_token_env) << bad;
  }
  auto t = key_tenant();
  t.source_token_env = "_ACME_TOKEN_2";
  EXPECT_TRUE(t.problems().empty());
  t.prefix = "/audit/";
  ASSERT_FALSE(t.problems().empty());
  EXPECT_NE(t.problems().front().message.find("'audit'"), std::string::npos) << t.problems().front().message;
}

TEST(tenant_file, every_byte_value_either_round_trips_or_is_refused) {
  // Random values of all bytes in every free-text field: serialize either refuses the value
  // or parse gives back exactly the bytes saved.
  std::uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next = [&] {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return state;
  };
  int kept = 0, refused = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string v(next() % 12, '\0');
    for (auto& c : v) c = static_cast<char>(next() % 4 == 0 ? next() % 256 : 'a' + next() % 26);
    auto t = key_tenant();
    switch (i % 5) {
    case 0: t.prefix = v; break;
    case 1: t.source_url = "https://e/" + v; break;
    case 2: t.secret_access_key = secret(v.empty() ? "x" : v); break;
    case 3: t.source_token_env = v.empty() ? "T" : v; break;
    default: t.external_id = v; break;
    }
    std::string text;
    try {
      text = serialize(t);
    } catch (const store_error&) {
      ++refused;
      continue;
    }
    auto back = parse_tenant_file(text, "fuzz.conf", t.id);
    EXPECT_EQ(back.prefix, t.prefix);
    EXPECT_EQ(back.source_url, t.source_url);
    EXPECT_EQ(back.secret_access_key.reveal(), t.secret_access_key.reveal());
    EXPECT_EQ(back.source_token_env, t.source_token_env);
    EXPECT_EQ(back.external_id, t.external_id);
    ++kept;
  }
  EXPECT_GT(kept, 100);
  EXPECT_GT(refused, 100);
}

TEST_F(store_test, a_missing_store_is_an_error_and_an_empty_one_is_not) {
  tenant_store missing(dir_ / "no-such-dir");
  try {
    (void)missing.list();
    FAIL() << "a mistyped SECEXPORT_TENANTS_DIR looked like an empty store";
  } catch (const store_error& e) {
    EXPECT_EQ(e.code(), tenant::errc::store_missing);
    EXPECT_NE(std::string(e.what()).find("no-such-dir"), std::string::npos);
  }
  fs::create_directories(dir_ / "empty");
  EXPECT_TRUE(tenant_store(dir_ / "empty").list().empty());
}

TEST_F(store_test, files_that_are_links_inside_the_store_are_followed_as_kubernetes_secret_volumes_lay_them_out) {
  // A Secret volume: DIR/acme.conf -> ..data/acme.conf, ..data -> ..2026_12_02_00_00_00.1/
  tenant_store writer(dir_ / "staging");
  writer.save(key_tenant());
  const auto volume = dir_ / "volume";
  fs::create_directories(volume / "..2026_12_02.1");
  fs::copy_file(writer.path_of("acme"), volume / "..2026_12_02.1" / "acme.conf");
  fs::create_directory_symlink("..2026_12_02.1", volume / "..data");
  fs::create_symlink("..data/acme.conf", volume / "acme.conf");
  tenant_store store(volume);
  EXPECT_EQ(store.list(), (std::vector<std::string>{"acme"}));
  auto t = store.load("acme");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->secret_access_key.reveal(), secret_value);

  // The target's mode is what counts (Secret volumes default to 0644).
  ::chmod((volume / "..2026_12_02.1" / "acme.conf").c_str(), 0644);
  try {
    (void)store.load("acme");
    FAIL();
  } catch (const store_error& e) {
    EXPECT_EQ(e.code(), tenant::errc::file_not_private);
    EXPECT_NE(std::string(e.what()).find("defaultMode"), std::string::npos) << e.what();
  }
  // A link out of the store is refused.
  fs::create_symlink(writer.path_of("acme"), volume / "beta.conf");
  EXPECT_THROW((void)store.load("beta"), store_error);
}

// ---------------------------------------------------------------- secrets at rest

store_key key_of(std::uint8_t fill) {
  store_key k;
  k.bytes.fill(fill);
  return k;
}

TEST_F(store_test, an_encrypted_store_keeps_no_secret_in_clear_and_opens_only_with_its_key_for_its_tenant) {
  tenant_store store(dir_, key_of(7));
  store.save(key_tenant("acme"));
  std::ifstream in(store.path_of("acme"));
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text.find(secret_value), std::string::npos) << text;
  EXPECT_NE(text.find("secret-access-key = enc:v1:"), std::string::npos) << text;
  auto back = store.load("acme");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->secret_access_key.reveal(), secret_value);
  EXPECT_FALSE(back->secret_in_clear);

  auto code_of = [](auto&& f) {
    try {
      f();
    } catch (const store_error& e) {
      EXPECT_EQ(std::string(e.what()).find(secret_value), std::string::npos);
      return e.code();
    }
    return boost::system::error_code{};
  };
  EXPECT_EQ(code_of([&] { (void)tenant_store(dir_).load("acme"); }), tenant::errc::store_key_missing);
  EXPECT_EQ(code_of([&] { (void)tenant_store(dir_, key_of(8)).load("acme"); }), tenant::errc::store_key_wrong);
  // The same file under another tenant's name: the tenant ID is the associated data.
  fs::copy_file(store.path_of("acme"), store.path_of("beta"));
  EXPECT_EQ(code_of([&] { (void)store.load("beta"); }), tenant::errc::store_key_wrong);
}

TEST_F(store_test, a_store_without_a_key_still_works_and_is_marked_in_clear) {
  tenant_store clear(dir_);
  clear.save(key_tenant());
  auto t = tenant_store(dir_, key_of(1)).load("acme"); // a key does not stop reading clear files
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->secret_in_clear);
  EXPECT_EQ(t->secret_access_key.reveal(), secret_value);
}

TEST_F(store_test, store_key_files_hold_hex_or_base64_and_must_be_private) {
  fs::create_directories(dir_);
  auto write = [&](const std::string& text, int mode = 0600) {
    std::ofstream(dir_ / "key") << text;
    ::chmod((dir_ / "key").c_str(), static_cast<mode_t>(mode));
    return dir_ / "key";
  };
  EXPECT_EQ(load_store_key(write(std::string(64, 'a') + "\n")).bytes, key_of(0xaa).bytes);
  EXPECT_EQ(load_store_key(write("qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqo=\n")).bytes, key_of(0xaa).bytes);
  EXPECT_THROW((void)load_store_key(write(std::string(64, 'a'), 0644)), store_error);
  EXPECT_THROW((void)load_store_key(write("too short")), store_error);
  EXPECT_THROW((void)load_store_key(dir_ / "missing"), store_error);
}

TEST_F(store_test, writers_of_one_tenant_wait_for_each_other) {
  tenant_store store(dir_);
  auto first = store.lock_tenant("acme");
  const pid_t child = ::fork();
  if (child == 0) {
    // flock belongs to the open file description, which fork shares: the child drops its copy
    // of the parent's, then its own open must wait for the parent.
    { auto inherited = std::move(first); }
    auto mine = store.lock_tenant("acme");
    std::_Exit(0);
  }
  ::usleep(200 * 1000);
  int status = 0;
  EXPECT_EQ(::waitpid(child, &status, WNOHANG), 0) << "the second writer did not wait";
  { auto released = std::move(first); }
  EXPECT_EQ(::waitpid(child, &status, 0), child);
}

} // namespace

// Every case of AWS's SigV4 test suites (aws-c-auth v4, header and presigned-query variants;
// botocore's aws4_testsuite) and every S3 documentation example in tests/data/sigv4 (vendored; origin and licenses in its README),
// byte for byte: canonical request, string to sign, signature, and the signed request.
#include "auth/sigv4.hpp"

#include "support/testdata.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <set>

namespace secexport::auth {
namespace {

using secexport::testing::read_file;
using secexport::testing::testdata_dir;
namespace fs = std::filesystem;

struct raw_request {
  std::string method, path, query;
  std::vector<header_field> headers;
  std::string body;
};

// request.txt / .req: "METHOD TARGET HTTP/1.1", "Name:value" lines (indented lines continue
// the previous value), a blank line, then the body.
raw_request parse_raw_request(const std::string& text) {
  raw_request r;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  auto sp1 = line.find(' ');
  auto sp2 = line.rfind(' ');
  r.method = line.substr(0, sp1);
  std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  auto q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = target.substr(q + 1);
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line == "<Payload>") break; // S3 doc examples elide the body

    if (line[0] == ' ' || line[0] == '\t') {
      r.headers.back().value += "\n" + line;
      continue;
    }
    auto colon = line.find(':');
    r.headers.push_back({line.substr(0, colon), line.substr(colon + 1)});
  }
  std::ostringstream rest;
  rest << in.rdbuf();
  r.body = rest.str();
  return r;
}

std::string header(const raw_request& r, std::string_view name) {
  for (const auto& h : r.headers) {
    std::string lower = h.name;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower == name) return h.value;
  }
  return {};
}

std::multiset<std::pair<std::string, std::string>> header_set(const std::vector<header_field>& hs) {
  std::multiset<std::pair<std::string, std::string>> s;
  for (const auto& h : hs) s.emplace(h.name, h.value);
  return s;
}

// ---------------------------------------------------------------- aws-c-auth v4 suite

fs::path aws_c_auth_dir() { return testdata_dir() / "sigv4/aws-c-auth/tests/aws-signing-test-suite/v4"; }

std::vector<std::string> aws_c_auth_cases() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(aws_c_auth_dir()))
    if (e.is_directory()) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

struct suite_context {
  std::string access_key_id;
  secret secret_access_key;
  secret token;
  std::string region, service;
  sys_s time;
  std::chrono::seconds expires{0};
  bool normalize = true, sign_body = false, omit_session_token = false;
};

suite_context load_context(const fs::path& file) {
  simdjson::dom::parser parser;
  auto json = simdjson::padded_string::load(file.string()).value();
  simdjson::dom::element doc = parser.parse(json);
  suite_context c;
  c.access_key_id = std::string(std::string_view(doc["credentials"]["access_key_id"]));
  c.secret_access_key = secret(std::string(std::string_view(doc["credentials"]["secret_access_key"])));
  std::string_view token;
  if (doc["credentials"]["token"].get(token) == simdjson::SUCCESS) c.token = secret(std::string(token));
  c.region = std::string(std::string_view(doc["region"]));
  c.service = std::string(std::string_view(doc["service"]));
  c.time = std::chrono::floor<std::chrono::seconds>(*parse_rfc3339(std::string_view(doc["timestamp"])));
  c.expires = std::chrono::seconds(int64_t(doc["expiration_in_seconds"]));
  c.normalize = bool(doc["normalize"]);
  c.sign_body = bool(doc["sign_body"]);
  bool omit = false;
  if (doc["omit_session_token"].get(omit) == simdjson::SUCCESS) c.omit_session_token = omit;
  return c;
}

class aws_c_auth_suite : public ::testing::TestWithParam<std::string> {};

TEST_P(aws_c_auth_suite, header_signing_matches_byte_for_byte) {
  const auto dir = aws_c_auth_dir() / GetParam();
  auto ctx = load_context(dir / "context.json");
  auto req = parse_raw_request(read_file(dir / "request.txt"));
  sigv4_rules rules{ctx.normalize, true};
  signing_identity id{ctx.access_key_id, &ctx.secret_access_key, &ctx.token};
  signing_scope scope{ctx.time, ctx.region, ctx.service};
  auto body_hash = to_hex(sha256_of(req.body));

  signer s;
  auto headers = req.headers;
  auto sig = s.sign_headers(req.method, req.path, req.query, headers, body_hash,
                            ctx.sign_body ? std::string_view(body_hash) : std::string_view{}, id, scope, rules,
                            !ctx.omit_session_token);
  EXPECT_EQ(sig.canonical_request, read_file(dir / "header-canonical-request.txt"));
  EXPECT_EQ(sig.string_to_sign, read_file(dir / "header-string-to-sign.txt"));
  EXPECT_EQ(sig.signature, read_file(dir / "header-signature.txt"));

  // The signed request: the same headers (added ones in any order), the same body.
  if (ctx.omit_session_token && !ctx.token.empty())
    headers.push_back({"X-Amz-Security-Token", std::string(ctx.token.reveal())});
  headers.push_back({"Authorization", sig.authorization});
  auto expected = parse_raw_request(read_file(dir / "header-signed-request.txt"));
  EXPECT_EQ(expected.method, req.method);
  EXPECT_EQ(header_set(headers), header_set(expected.headers));
  EXPECT_EQ(expected.body, req.body);
}

TEST_P(aws_c_auth_suite, presigned_query_signing_matches_byte_for_byte) {
  const auto dir = aws_c_auth_dir() / GetParam();
  auto ctx = load_context(dir / "context.json");
  auto req = parse_raw_request(read_file(dir / "request.txt"));
  sigv4_rules rules{ctx.normalize, true};
  signing_identity id{ctx.access_key_id, &ctx.secret_access_key, &ctx.token};
  signing_scope scope{ctx.time, ctx.region, ctx.service};

  signer s;
  auto p = s.presign(req.method, req.path, req.query, req.headers, to_hex(sha256_of(req.body)), ctx.expires, id,
                     scope, rules, !ctx.omit_session_token);
  EXPECT_EQ(p.canonical_request, read_file(dir / "query-canonical-request.txt"));
  EXPECT_EQ(p.string_to_sign, read_file(dir / "query-string-to-sign.txt"));
  EXPECT_EQ(p.signature, read_file(dir / "query-signature.txt"));
  auto expected = parse_raw_request(read_file(dir / "query-signed-request.txt"));
  EXPECT_EQ(expected.path, req.path);
  EXPECT_EQ(expected.query, p.query);
  EXPECT_EQ(header_set(expected.headers), header_set(req.headers));
}

INSTANTIATE_TEST_SUITE_P(v4, aws_c_auth_suite, ::testing::ValuesIn(aws_c_auth_cases()),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(aws_c_auth_suite_data, has_all_38_cases) { EXPECT_EQ(aws_c_auth_cases().size(), 38u); }

// ---------------------------------------------------------------- botocore aws4_testsuite

fs::path botocore_dir() { return testdata_dir() / "sigv4/botocore/tests/unit/auth/aws4_testsuite"; }

std::vector<std::string> botocore_cases() {
  std::vector<std::string> names;
  for (const auto& e : fs::recursive_directory_iterator(botocore_dir())) {
    if (e.path().extension() == ".req")
      names.push_back(fs::relative(e.path().parent_path(), botocore_dir()).string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class botocore_suite : public ::testing::TestWithParam<std::string> {};

TEST_P(botocore_suite, header_signing_matches_byte_for_byte) {
  const auto dir = botocore_dir() / GetParam();
  const auto base = dir / dir.filename();
  auto req = parse_raw_request(read_file(base.string() + ".req"));
  // The harness adds a session token the .req does not show; the .sreq shows it signed.
  auto signed_req = parse_raw_request(read_file(base.string() + ".sreq"));
  if (header(req, "x-amz-security-token").empty() && !header(signed_req, "x-amz-security-token").empty() &&
      read_file(base.string() + ".creq").find("x-amz-security-token") != std::string::npos)
    req.headers.push_back({"X-Amz-Security-Token", header(signed_req, "x-amz-security-token")});
  secret key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  secret no_token;
  signing_identity id{"AKIDEXAMPLE", &key, &no_token};
  auto time = parse_amz_date(header(req, "x-amz-date"));
  ASSERT_TRUE(time);
  signing_scope scope{*time, "us-east-1", "service"};
  signer s;
  auto sig = s.sign({req.method, req.path, req.query, req.headers, to_hex(sha256_of(req.body))}, id, scope,
                    generic_rules);
  EXPECT_EQ(sig.canonical_request, read_file(base.string() + ".creq"));
  EXPECT_EQ(sig.string_to_sign, read_file(base.string() + ".sts"));
  EXPECT_EQ(sig.authorization, read_file(base.string() + ".authz"));
}

INSTANTIATE_TEST_SUITE_P(aws4_testsuite, botocore_suite, ::testing::ValuesIn(botocore_cases()),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           std::replace(n.begin(), n.end(), '/', '_');
                           return n;
                         });

TEST(botocore_suite_data, has_all_34_cases) { EXPECT_EQ(botocore_cases().size(), 34u); }

// ---------------------------------------------------------------- S3 documentation examples

struct s3_examples : ::testing::Test {
  void SetUp() override {
    json = simdjson::padded_string::load((testdata_dir() / "sigv4/s3-doc-examples.json").string()).value();
    doc = parser.parse(json);
    key = secret(std::string(std::string_view(doc["credentials"]["secret_access_key"])));
    akid = std::string(std::string_view(doc["credentials"]["access_key_id"]));
    time = *parse_amz_date(std::string_view(doc["timestamp"]));
  }
  simdjson::dom::element request(std::string_view id) {
    for (auto r : doc["requests"].get_array())
      if (std::string_view(r["id"]) == id) return r;
    throw std::runtime_error("no example " + std::string(id));
  }
  // "PUT test$file.text HTTP/1.1\nHost: ...": S3 rules, the key encoded once.
  header_signature sign_doc_request(simdjson::dom::element ex) {
    auto req = parse_raw_request(std::string(std::string_view(ex["doc_request"])));
    std::vector<header_field> headers;
    for (auto& h : req.headers) {
      auto v = h.value;
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
      if (h.name != "Authorization") headers.push_back({h.name, v});
    }
    auto path = req.path.starts_with('/') ? req.path : "/" + req.path;
    if (path == "/" && req.path.starts_with('?')) path = "/";
    std::string query = req.query;
    if (req.path.starts_with('?')) query = req.path.substr(1);
    signing_identity id{akid, &key, &no_token};
    auto payload_hash = header(req, "x-amz-content-sha256");
    payload_hash.erase(0, payload_hash.find_first_not_of(' '));
    return s.sign({req.method, uri_encode_path(path), query, headers, payload_hash}, id,
                  {time, "us-east-1", "s3"}, s3_rules);
  }

  simdjson::dom::parser parser;
  simdjson::padded_string json;
  simdjson::dom::element doc;
  secret key, no_token;
  std::string akid;
  sys_s time;
  signer s;
};

TEST_F(s3_examples, signing_key_matches) {
  auto k = derive_signing_key(key.reveal(), "20130524", "us-east-1", "s3");
  EXPECT_EQ(to_hex(k), std::string_view(doc["signing_key_hex"]));
}

TEST_F(s3_examples, header_examples_match) {
  for (auto id : {"get-object", "put-object", "get-bucket-lifecycle", "list-objects", "streaming-put-seed"}) {
    SCOPED_TRACE(id);
    auto ex = request(id);
    auto sig = sign_doc_request(ex);
    EXPECT_EQ(sig.canonical_request, std::string_view(ex["canonical_request"]));
    EXPECT_EQ(sig.string_to_sign, std::string_view(ex["string_to_sign"]));
    EXPECT_EQ(sig.signature, std::string_view(ex["expected_signature"]));
    EXPECT_EQ(sig.authorization, std::string_view(ex["authorization_header"]));
  }
}

TEST_F(s3_examples, put_object_payload_hash_is_sha256_of_body) {
  auto ex = request("put-object");
  EXPECT_EQ(to_hex(sha256_of(std::string_view(ex["payload"]))),
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
}

TEST_F(s3_examples, presigned_get_matches) {
  auto ex = request("presigned-get-object");
  std::vector<header_field> headers{{"host", "examplebucket.s3.amazonaws.com"}};
  signing_identity id{akid, &key, &no_token};
  auto p = s.presign("GET", "/test.txt", "", headers, unsigned_payload, std::chrono::seconds(86400), id,
                     {time, "us-east-1", "s3"}, s3_rules);
  EXPECT_EQ(p.canonical_request, std::string_view(ex["canonical_request"]));
  EXPECT_EQ(p.string_to_sign, std::string_view(ex["string_to_sign"]));
  EXPECT_EQ(p.signature, std::string_view(ex["expected_signature"]));
}

TEST_F(s3_examples, streaming_chunk_and_trailer_signatures_chain) {
  auto seed = sign_doc_request(request("streaming-put-seed"));
  auto k = s.signing_key(key.reveal(), {time, "us-east-1", "s3"});
  signing_scope scope{time, "us-east-1", "s3"};
  std::string previous = seed.signature;
  std::size_t sizes[] = {65536, 1024, 0};
  std::size_t i = 0;
  for (auto chunk : doc["streaming_chunks"].get_array()) {
    SCOPED_TRACE(std::string_view(chunk["id"]));
    auto hash = to_hex(sha256_of(std::string(sizes[i++], 'a')));
    EXPECT_EQ(hash, std::string_view(chunk["data_sha256"]));
    auto sig = chunk_signature(k, scope, previous, hash);
    EXPECT_EQ(sig, std::string_view(chunk["expected_signature"]));
    previous = sig;
  }
  auto trailer = doc["aws_c_auth_trailer"];
  EXPECT_EQ(trailer_signature(k, scope, previous, std::string_view(trailer["trailing_headers_canonical"])),
            std::string_view(trailer["expected_signature"]));
}

TEST_F(s3_examples, general_reference_examples_match) {
  auto gr = doc["general_reference"];
  auto ske = gr["signing_key_example"];
  EXPECT_EQ(to_hex(derive_signing_key(std::string_view(ske["secret"]), std::string_view(ske["date"]),
                                      std::string_view(ske["region"]), std::string_view(ske["service"]))),
            std::string_view(ske["k_signing_hex"]));

  auto iam = gr["iam_list_users"];
  secret iam_key{std::string(std::string_view(iam["secret"]))};
  signing_identity id{std::string_view(iam["access_key_id"]), &iam_key, &no_token};
  std::vector<header_field> headers{{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                                    {"Host", "iam.amazonaws.com"},
                                    {"X-Amz-Date", "20150830T123600Z"}};
  auto sig = s.sign({"GET", "/", "Action=ListUsers&Version=2010-05-08", headers, empty_sha256_hex}, id,
                    {*parse_amz_date("20150830T123600Z"), "us-east-1", "iam"}, generic_rules);
  EXPECT_EQ(sig.canonical_request, std::string_view(iam["canonical_request"]));
  EXPECT_EQ(sig.string_to_sign, std::string_view(iam["string_to_sign"]));
  EXPECT_EQ(sig.signature, std::string_view(iam["expected_signature"]));
}

// ---------------------------------------------------------------- our own S3 rules

TEST(sigv4_s3_rules, key_segments_are_encoded_once_and_never_normalized) {
  EXPECT_EQ(uri_encode_path("/a b+c=d&e$f@g:h/ü/x.csv"), "/a%20b%2Bc%3Dd%26e%24f%40g%3Ah/%C3%BC/x.csv");
  EXPECT_EQ(canonical_uri("/bucket/a//b/../c", s3_rules), "/bucket/a//b/../c");
  EXPECT_EQ(canonical_uri("/bucket/a%20b", s3_rules), "/bucket/a%20b");
  EXPECT_EQ(canonical_uri("/a%20b", generic_rules), "/a%2520b"); // generic services encode again
}

TEST(sigv4_s3_rules, query_values_are_decoded_and_encoded_strictly) {
  EXPECT_EQ(canonical_query("prefix=dir/&list-type=2&uploads"), "list-type=2&prefix=dir%2F&uploads=");
  EXPECT_EQ(canonical_query("prefix=dir%2F"), "prefix=dir%2F");
  EXPECT_EQ(canonical_query("a=%7e"), "a=~");
  EXPECT_EQ(canonical_query("k=a+b"), "k=a%2Bb"); // '+' is a plus, not a space
}

TEST(sigv4_signer, caches_signing_keys_per_day_and_scope) {
  signer s;
  secret k("secret-one"), k2("secret-two");
  auto t = *parse_amz_date("20261122T000000Z");
  auto a = s.signing_key(k.reveal(), {t, "us-east-1", "s3"});
  EXPECT_EQ(a, s.signing_key(k.reveal(), {t + std::chrono::hours(5), "us-east-1", "s3"}));
  EXPECT_NE(a, s.signing_key(k.reveal(), {t + std::chrono::hours(24), "us-east-1", "s3"}));
  EXPECT_NE(a, s.signing_key(k.reveal(), {t, "eu-west-1", "s3"}));
  EXPECT_NE(a, s.signing_key(k2.reveal(), {t, "us-east-1", "s3"}));
  EXPECT_EQ(a, derive_signing_key(k.reveal(), "20261122", "us-east-1", "s3"));
}

} // namespace
} // namespace secexport::auth

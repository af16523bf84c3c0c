#include "io/endpoint.hpp"
#include "io/error.hpp"

#include <gtest/gtest.h>

namespace secexport::io {
namespace {

TEST(endpoint, parses_urls_with_defaults) {
  auto e = parse_endpoint("https://s3.eu-west-1.amazonaws.com");
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->tls);
  EXPECT_EQ(e->host, "s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(e->port, 443);
  EXPECT_EQ(e->host_header(), "s3.eu-west-1.amazonaws.com");

  e = parse_endpoint("http://127.0.0.1:9000/");
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->tls);
  EXPECT_EQ(e->port, 9000);
  EXPECT_EQ(e->host_header(), "127.0.0.1:9000");
  EXPECT_TRUE(e->is_ip_literal());
  EXPECT_EQ(e->url(), "http://127.0.0.1:9000");

  e = parse_endpoint("https://[::1]:8443/base/path/");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->host_header(), "[::1]:8443");
  EXPECT_EQ(e->base_path, "/base/path");
}

TEST(endpoint, rejects_what_it_cannot_use_and_says_why) {
  for (auto url : {"ftp://x", "s3.amazonaws.com", "https://", "https://u:p@host", "https://host:0",
                   "https://host:70000", "https://host:12ab", "https://host/?q=1", "https://[::1"}) {
    auto e = parse_endpoint(url);
    ASSERT_FALSE(e) << url;
    EXPECT_FALSE(e.error().message.empty()) << url;
    EXPECT_TRUE(e.error().is(condition::bad_input)) << url;
  }
  auto userinfo = parse_endpoint("https://user:pa55word@host");
  ASSERT_FALSE(userinfo);
  EXPECT_EQ(userinfo.error().code, errc::url_has_userinfo);
  EXPECT_EQ(userinfo.error().message.find("pa55word"), std::string::npos);
}

TEST(endpoint, printable_urls_mask_user_information) {
  EXPECT_EQ(printable_url("https://user:pa55word@host:9/x@y"), "https://***@host:9/x@y");
  EXPECT_EQ(printable_url("http://u@h"), "http://***@h");
  EXPECT_EQ(printable_url("https://host/path@x"), "https://host/path@x");
  EXPECT_EQ(printable_url("https://host"), "https://host");
}

// Found by the endpoint fuzz target: a query without a path became part of the host, and
// hosts with brackets parsed into URLs that did not parse back.
TEST(endpoint, the_authority_ends_at_a_query_and_hosts_are_checked) {
  EXPECT_EQ(parse_endpoint("https://example.com?token=x").error().code, errc::bad_url);
  EXPECT_EQ(parse_endpoint("https://example.com#frag").error().code, errc::bad_url);
  EXPECT_FALSE(parse_endpoint("https://a]:b:1"));
  EXPECT_FALSE(parse_endpoint("https://[[1]:4"));
  EXPECT_FALSE(parse_endpoint("https://ex ample.com"));
  EXPECT_FALSE(parse_endpoint("https://example.com/a\nb"));
  EXPECT_FALSE(parse_endpoint("https://exämple.com"));
  for (auto ok : {"https://s3.eu-west-1.amazonaws.com", "http://127.0.0.1:9000/base", "https://[::1]:8443",
                  "https://my_host.internal"}) {
    auto e = parse_endpoint(ok);
    ASSERT_TRUE(e) << ok;
    auto again = parse_endpoint(e->url());
    ASSERT_TRUE(again) << e->url();
    EXPECT_EQ(*again, *e);
  }
}

} // namespace
} // namespace secexport::io

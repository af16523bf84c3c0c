#include "io/endpoint.hpp"

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
  std::string why;
  for (auto url : {"ftp://x", "s3.amazonaws.com", "https://", "https://u:p@host", "https://host:0",
                   "https://host:70000", "https://host:12ab", "https://host/?q=1", "https://[::1"}) {
    why.clear();
    EXPECT_FALSE(parse_endpoint(url, &why)) << url;
    EXPECT_FALSE(why.empty()) << url;
  }
}

} // namespace
} // namespace secexport::io

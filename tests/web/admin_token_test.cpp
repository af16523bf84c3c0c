// The admin token check: exact match only, the scheme named, empty tokens never match.
#include "web/admin_token.hpp"

#include <gtest/gtest.h>

namespace {

using namespace secexport;

TEST(admin_token, matches_only_the_exact_bearer_token) {
  const secret token("0123456789abcdef0123456789abcdef");
  EXPECT_TRUE(web::bearer_matches("Bearer 0123456789abcdef0123456789abcdef", token));
  EXPECT_TRUE(web::bearer_matches("bearer 0123456789abcdef0123456789abcdef", token)) << "the scheme is case-insensitive";
  EXPECT_FALSE(web::bearer_matches("Bearer 0123456789abcdef0123456789abcdeF", token));
  EXPECT_FALSE(web::bearer_matches("Bearer 0123456789abcdef0123456789abcde", token)) << "a prefix";
  EXPECT_FALSE(web::bearer_matches("Bearer 0123456789abcdef0123456789abcdef0", token)) << "longer";
  EXPECT_FALSE(web::bearer_matches("Bearer  0123456789abcdef0123456789abcdef", token));
  EXPECT_FALSE(web::bearer_matches("Basic 0123456789abcdef0123456789abcdef", token));
  EXPECT_FALSE(web::bearer_matches("0123456789abcdef0123456789abcdef", token));
  EXPECT_FALSE(web::bearer_matches("", token));
  EXPECT_FALSE(web::bearer_matches("Bearer ", token));
  EXPECT_FALSE(web::bearer_matches("Bearer ", secret())) << "an empty token never matches";
  EXPECT_FALSE(web::bearer_matches("Bearer x", secret()));
}

TEST(admin_token, weak_tokens_are_not_acceptable) {
  EXPECT_TRUE(web::acceptable_token("0123456789abcdef"));
  EXPECT_FALSE(web::acceptable_token("short"));
  EXPECT_FALSE(web::acceptable_token("0123456789 abcdef"));
  EXPECT_FALSE(web::acceptable_token(std::string(16, '\t')));
  EXPECT_FALSE(web::acceptable_token(""));
}

} // namespace

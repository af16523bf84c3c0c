#include "auth/shared_config.hpp"

#include <gtest/gtest.h>

namespace secexport::auth {
namespace {

TEST(shared_config, merges_a_profile_from_both_files_with_credentials_winning) {
  auto c = shared_config::from_text("[prod]\naws_access_key_id = FROMCREDS\n",
                                    "[profile prod]\naws_access_key_id = FROMCONFIG\nregion = ap-south-1\n"
                                    "[default]\nregion = us-west-2\n");
  auto p = c.profile("prod");
  ASSERT_TRUE(p);
  EXPECT_EQ((*p)["aws_access_key_id"], "FROMCREDS");
  EXPECT_EQ((*p)["region"], "ap-south-1");
  EXPECT_EQ((*c.profile("default"))["region"], "us-west-2");
  EXPECT_FALSE(c.profile("missing"));
}

} // namespace
} // namespace secexport::auth

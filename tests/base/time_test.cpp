#include "base/time.hpp"
#include <gtest/gtest.h>
TEST(time, placeholder) { EXPECT_TRUE(true); }

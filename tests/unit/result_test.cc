#include <gtest/gtest.h>

#include "zkwiki/result.h"

namespace zkwiki {
namespace {

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return make_error(Errc::malformed, "not a digit");
  return c - '0';
}

Result<int> sum_digits(char a, char b) {
  ZKWIKI_ASSIGN(int x, parse_digit(a));
  ZKWIKI_ASSIGN(int y, parse_digit(b));
  return x + y;
}

TEST(ResultTest, CarriesValueOrTypedError) {
  auto ok = sum_digits('3', '4');
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 7);
  auto bad = sum_digits('3', 'x');
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::malformed);
  EXPECT_EQ(bad.error().message, "not a digit");
}

TEST(ResultTest, ErrorNamesAreStable) {
  EXPECT_EQ(errc_name(Errc::auth_failed), "auth_failed");
  EXPECT_EQ(errc_name(Errc::unsupported_version), "unsupported_version");
  EXPECT_EQ(errc_name(Errc::wrong_passphrase), "wrong_passphrase");
}

}  // namespace
}  // namespace zkwiki

#include <gtest/gtest.h>

#include <type_traits>

#include "zkwiki/secret.h"

namespace zkwiki {
namespace {

static_assert(!std::is_copy_constructible_v<Secret>, "secrets must not be copied implicitly");
static_assert(!std::is_copy_assignable_v<Secret>);
static_assert(std::is_nothrow_move_constructible_v<Secret>);

TEST(SecretTest, RandomSecretsDifferAndCompareInConstantTimeHelper) {
  Secret a = Secret::random(32), b = Secret::random(32);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_FALSE(a.equals(b));
  Secret c = a.clone();
  EXPECT_TRUE(a.equals(c));
  EXPECT_FALSE(a.equals(Secret::random(16)));
}

TEST(SecretTest, MoveLeavesSourceEmpty) {
  Secret a = Secret::random(32);
  auto bytes = a.reveal();
  std::vector<std::uint8_t> copy(bytes.begin(), bytes.end());
  Secret b = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): checking the documented state
  EXPECT_EQ(std::vector<std::uint8_t>(b.reveal().begin(), b.reveal().end()), copy);
}

TEST(SecretTest, NewSecretIsZeroed) {
  Secret s(64);
  for (auto byte : s.reveal()) EXPECT_EQ(byte, 0);
}

TEST(SecretTest, WipeZeroesABuffer) {
  std::vector<std::uint8_t> buf(48, 0xAB);
  wipe(buf);
  for (auto byte : buf) EXPECT_EQ(byte, 0);
}

}  // namespace
}  // namespace zkwiki

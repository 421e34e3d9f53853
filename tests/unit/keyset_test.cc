#include <gtest/gtest.h>

#include "zkwiki/keyset.h"

namespace zkwiki {
namespace {

class KeysetTest : public ::testing::Test {
 protected:
  WorkspaceId ws = WorkspaceId::random();
  CollectionId coll = CollectionId::random();
  KeyScope scope = KeyScope::for_collection(ws, coll);
  AccountKeys owner = AccountKeys::generate(AccountId::random());
  AccountKeys member = AccountKeys::generate(AccountId::random());
};

TEST_F(KeysetTest, RotationAddsAPrimaryAndKeepsOldGenerations) {
  Keyset k = Keyset::create(scope);
  EXPECT_EQ(k.primary_generation(), 1u);
  const Secret& g1 = *k.find(1);
  Secret g1_copy = g1.clone();
  EXPECT_EQ(k.rotate(), 2u);
  EXPECT_EQ(k.primary_generation(), 2u);
  ASSERT_NE(k.find(1), nullptr);
  EXPECT_TRUE(k.find(1)->equals(g1_copy));
  EXPECT_FALSE(k.primary_key().equals(g1_copy));
  EXPECT_EQ(k.generations(), (std::vector<std::uint32_t>{1, 2}));
}

TEST_F(KeysetTest, InsertRejectsConflictingKey) {
  Keyset k(scope);
  ASSERT_TRUE(k.insert(3, Secret::random(32), true).ok());
  EXPECT_EQ(k.insert(3, Secret::random(32), false).error().code, Errc::conflict);
  EXPECT_EQ(k.insert(0, Secret::random(32), false).error().code, Errc::invalid_argument);
  EXPECT_EQ(k.insert(4, Secret::random(16), false).error().code, Errc::invalid_argument);
}

TEST_F(KeysetTest, WrapToMemberAndUnwrap) {
  Keyset k = Keyset::create(scope);
  k.rotate();
  auto wrapped = wrap_generation(k, 2, member.public_keys, owner);
  ASSERT_TRUE(wrapped.ok());
  EXPECT_EQ(wrapped->size(), kWrappedGenerationBytes);
  auto u = unwrap_generation(*wrapped, scope, member);
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->generation, 2u);
  EXPECT_TRUE(u->primary);
  EXPECT_TRUE(u->key.equals(*k.find(2)));
  EXPECT_EQ(u->granter, owner.public_keys.ed25519);
}

TEST_F(KeysetTest, UnwrapForAnotherCollectionIsForbidden) {
  Keyset k = Keyset::create(scope);
  auto wrapped = wrap_generation(k, 1, member.public_keys, owner);
  ASSERT_TRUE(wrapped.ok());
  auto u = unwrap_generation(*wrapped, KeyScope::for_collection(ws, CollectionId::random()), member);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().code, Errc::forbidden);
}

TEST_F(KeysetTest, UnwrapByAnotherRecipientIsForbidden) {
  Keyset k = Keyset::create(scope);
  auto wrapped = wrap_generation(k, 1, member.public_keys, owner);
  ASSERT_TRUE(wrapped.ok());
  EXPECT_EQ(unwrap_generation(*wrapped, scope, owner).error().code, Errc::forbidden);
}

TEST_F(KeysetTest, EveryByteFlipIsRejected) {
  Keyset k = Keyset::create(scope);
  auto wrapped = wrap_generation(k, 1, member.public_keys, owner);
  ASSERT_TRUE(wrapped.ok());
  for (std::size_t i = 0; i < wrapped->size(); ++i) {
    auto bad = *wrapped;
    bad[i] ^= 0x01;
    EXPECT_FALSE(unwrap_generation(bad, scope, member).ok()) << "flip at byte " << i;
  }
}

TEST_F(KeysetTest, TruncatedWrapFails) {
  Keyset k = Keyset::create(scope);
  auto wrapped = *wrap_generation(k, 1, member.public_keys, owner);
  wrapped.pop_back();
  EXPECT_EQ(unwrap_generation(wrapped, scope, member).error().code, Errc::truncated);
}

TEST_F(KeysetTest, TrailingDataAfterWrapFails) {
  Keyset k = Keyset::create(scope);
  auto wrapped = *wrap_generation(k, 1, member.public_keys, owner);
  wrapped.push_back(0);
  EXPECT_EQ(unwrap_generation(wrapped, scope, member).error().code, Errc::trailing_data);
}

TEST_F(KeysetTest, UnknownWrapVersionFails) {
  Keyset k = Keyset::create(scope);
  auto wrapped = *wrap_generation(k, 1, member.public_keys, owner);
  wrapped[4] = 2;
  EXPECT_EQ(unwrap_generation(wrapped, scope, member).error().code, Errc::unsupported_version);
}

TEST_F(KeysetTest, ServerChosenKeyWithoutMemberSignatureFails) {
  // The server seals a key of its own to the member and signs with a key of its own: the
  // signature verifies, but the granter is not a member; the caller sees who signed.
  AccountKeys server = AccountKeys::generate(AccountId::random());
  Keyset evil = Keyset::create(scope);
  auto wrapped = *wrap_generation(evil, 1, member.public_keys, server);
  auto u = unwrap_generation(wrapped, scope, member);
  ASSERT_TRUE(u.ok());
  EXPECT_NE(u->granter, owner.public_keys.ed25519);
  // Re-signing a real wrap under another key is impossible without the owner's secret key:
  auto real = *wrap_generation(Keyset::create(scope), 1, member.public_keys, owner);
  std::copy(server.public_keys.ed25519.begin(), server.public_keys.ed25519.end(), real.begin() + 4 + 1 + 1 + 32 + 4 + 1 + 32);
  EXPECT_EQ(unwrap_generation(real, scope, member).error().code, Errc::auth_failed);
}

TEST_F(KeysetTest, WrapOfMissingGenerationIsNotFound) {
  Keyset k = Keyset::create(scope);
  EXPECT_EQ(wrap_generation(k, 9, member.public_keys, owner).error().code, Errc::not_found);
}

}  // namespace
}  // namespace zkwiki

namespace zkwiki {
namespace {

TEST(KeysetRollbackTest, ReplayedOldPrimaryWrapDoesNotRollThePrimaryBack) {
  WorkspaceId ws = WorkspaceId::random();
  KeyScope scope = KeyScope::for_collection(ws, CollectionId::random());
  AccountKeys owner = AccountKeys::generate(AccountId::random());
  Keyset k = Keyset::create(scope);
  auto old_wrap = *wrap_generation(k, 1, owner.public_keys, owner);  // says "primary" at the time
  k.rotate();
  auto new_wrap = *wrap_generation(k, 2, owner.public_keys, owner);
  Keyset device(scope);
  for (const auto* w : {&new_wrap, &old_wrap}) {  // the server replays the old wrap last
    auto u = unwrap_generation(*w, scope, owner);
    ASSERT_TRUE(u.ok());
    ASSERT_TRUE(device.insert(u->generation, std::move(u->key), u->primary).ok());
  }
  EXPECT_EQ(device.primary_generation(), 2u);
}

}  // namespace
}  // namespace zkwiki

#include <gtest/gtest.h>

#include "support/fixtures.h"
#include "zkwiki/account.h"

namespace zkwiki {
namespace {

class AccountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto a = create_account(kPassphrase, test::fast_kdf_params(), test::fast_kdf_policy());
    ASSERT_TRUE(a.ok()) << a.error().message;
    account_ = std::make_unique<NewAccount>(std::move(a).value());
  }
  static constexpr const char* kPassphrase = "long enough passphrase \xF0\x9F\x94\x91";
  std::unique_ptr<NewAccount> account_;
};

TEST_F(AccountTest, UnlockWithPassphraseGivesTheSameKeys) {
  auto u = unlock_account(account_->record, kPassphrase, test::fast_kdf_policy());
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->keys.public_keys, account_->keys.public_keys);
  EXPECT_TRUE(u->keys.x25519_secret.equals(account_->keys.x25519_secret));
  EXPECT_TRUE(u->keys.ed25519_secret.equals(account_->keys.ed25519_secret));
  EXPECT_EQ(u->login.public_key, account_->record.login_public_key);
}

TEST_F(AccountTest, WrongPassphraseIsReportedAsSuch) {
  auto u = unlock_account(account_->record, "not the passphrase", test::fast_kdf_policy());
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().code, Errc::wrong_passphrase);
}

TEST_F(AccountTest, RecordRoundTripsThroughBytes) {
  auto bytes = account_->record.encode();
  EXPECT_EQ(bytes.size(), kAccountRecordBytes);
  auto back = AccountRecord::decode(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->encode(), bytes);
  EXPECT_TRUE(unlock_account(*back, kPassphrase, test::fast_kdf_policy()).ok());
}

TEST_F(AccountTest, ServerDowngradedParametersAreRefusedAtLogin) {
  // The record came with cheap parameters; a production client refuses to use them at all.
  auto u = unlock_account(account_->record, kPassphrase);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().code, Errc::weak_parameters);
}

TEST_F(AccountTest, TamperedWrapIsDetected) {
  AccountRecord r = account_->record;
  r.passphrase_wrap[40] ^= 1;
  auto u = unlock_account(r, kPassphrase, test::fast_kdf_policy());
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().code, Errc::auth_failed);
}

TEST_F(AccountTest, SubstitutedPublicKeyIsDetected) {
  AccountRecord r = account_->record;
  r.public_keys.x25519[0] ^= 1;  // the wrap's AAD binds the public keys
  auto u = unlock_account(r, kPassphrase, test::fast_kdf_policy());
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().code, Errc::auth_failed);
}

TEST_F(AccountTest, ChangePassphraseRewrapsOnly) {
  auto next = change_passphrase(account_->record, account_->keys, "a brand new passphrase", test::fast_kdf_params(),
                                test::fast_kdf_policy());
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ(next->public_keys, account_->record.public_keys);
  EXPECT_NE(next->login_public_key, account_->record.login_public_key);
  EXPECT_EQ(unlock_account(*next, kPassphrase, test::fast_kdf_policy()).error().code, Errc::wrong_passphrase);
  auto u = unlock_account(*next, "a brand new passphrase", test::fast_kdf_policy());
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->keys.ed25519_secret.equals(account_->keys.ed25519_secret));
}

TEST_F(AccountTest, RecoveryKeyRecoversTheKeys) {
  EXPECT_EQ(account_->recovery_key.rfind("zkwrec_", 0), 0u);
  auto keys = recover_account(account_->record, account_->recovery_key);
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_TRUE(keys->x25519_secret.equals(account_->keys.x25519_secret));
  auto next = change_passphrase(account_->record, *keys, "after recovery", test::fast_kdf_params(),
                                test::fast_kdf_policy());
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(unlock_account(*next, "after recovery", test::fast_kdf_policy()).ok());
}

TEST_F(AccountTest, RecoveryKeyOfAnotherAccountFails) {
  auto other = create_account("other", test::fast_kdf_params(), test::fast_kdf_policy());
  ASSERT_TRUE(other.ok());
  auto keys = recover_account(account_->record, other->recovery_key);
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.error().code, Errc::wrong_passphrase);
}

TEST_F(AccountTest, PublicKeyStringIsNotARecoveryKey) {
  auto keys = recover_account(account_->record, account_->keys.public_keys.to_string());
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.error().code, Errc::wrong_type);
}

TEST(AccountRecordTest, DecodeTruncatedFails) {
  std::vector<std::uint8_t> bytes(kAccountRecordBytes - 1, 0);
  std::copy_n("ZKWA\x01", 5, bytes.begin());
  EXPECT_EQ(AccountRecord::decode(bytes).error().code, Errc::truncated);
}

TEST(AccountRecordTest, DecodeBadMagicFails) {
  std::vector<std::uint8_t> bytes(kAccountRecordBytes, 0);
  EXPECT_EQ(AccountRecord::decode(bytes).error().code, Errc::malformed);
}

TEST(AccountRecordTest, DecodeUnknownVersionFails) {
  std::vector<std::uint8_t> bytes(kAccountRecordBytes, 0);
  std::copy_n("ZKWA\x02", 5, bytes.begin());
  EXPECT_EQ(AccountRecord::decode(bytes).error().code, Errc::unsupported_version);
}

TEST(AccountRecordTest, DecodeTrailingDataFails) {
  auto a = create_account("pw", test::fast_kdf_params(), test::fast_kdf_policy());
  ASSERT_TRUE(a.ok());
  auto bytes = a->record.encode();
  bytes.push_back(0);
  EXPECT_EQ(AccountRecord::decode(bytes).error().code, Errc::trailing_data);
}

}  // namespace
}  // namespace zkwiki

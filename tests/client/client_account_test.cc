// Accounts and sharing end to end: login refusals, recovery with the recovery key, and
// workspaces shared between accounts whose keys are checked by fingerprint.
#include <nlohmann/json.hpp>

#include "client_fixture.h"
#include "zkwiki/encoding.h"

namespace zkwiki {
namespace {

TEST_F(ClientTest, WeakerKdfParametersAreRefusedAtLogin) {
  auto b = Client::login(*net_b_, std::make_unique<BorrowedStore>(store_b_), a_->account_id(), kPass,
                         ClientOptions{});  // the production floor: the account's cheap test params are refused
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, Errc::weak_parameters);
}

TEST_F(ClientTest, WrongPassphraseIsReportedAsSuch) {
  auto b = Client::login(*net_b_, std::make_unique<BorrowedStore>(store_b_), a_->account_id(), "wrong", options());
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, Errc::wrong_passphrase);
}

TEST_F(ClientTest, TheRecoveryKeySetsANewPassphraseAndEndsOldSessions) {
  ASSERT_TRUE(a_->write("kept.md", "written before the passphrase was lost\n").ok());
  // A new device, the recovery key and a new passphrase: no old passphrase anywhere.
  auto b = Client::recover(*net_b_, std::make_unique<BorrowedStore>(store_b_), a_->account_id(), recovery_,
                           "a brand new passphrase", test::fast_kdf_params(), options());
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ((*b)->fingerprint(), a_->fingerprint());  // the same keys, re-wrapped
  ASSERT_TRUE((*b)->sync().ok());
  EXPECT_EQ(body_of(**b, "kept.md"), "written before the passphrase was lost\n");

  // The old passphrase no longer opens the account; the new one does.
  MemoryLocalStore store_c;
  auto old = Client::login(*net_b_, std::make_unique<BorrowedStore>(store_c), a_->account_id(), kPass, options());
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().code, Errc::wrong_passphrase);
  auto fresh = Client::login(*net_b_, std::make_unique<BorrowedStore>(store_c), a_->account_id(),
                             "a brand new passphrase", options());
  ASSERT_TRUE(fresh.ok()) << fresh.error().message;

  // The device that had the old passphrase lost its session: its edit waits in the queue
  // instead of reaching the server.
  auto w = a_->write("after.md", "queued, not lost\n");
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_TRUE(w->queued);
  // And the recovery key still works (it is kept, not rotated).
  MemoryLocalStore store_d;
  EXPECT_TRUE(Client::recover(*net_b_, std::make_unique<BorrowedStore>(store_d), a_->account_id(), recovery_,
                              "yet another passphrase", test::fast_kdf_params(), options())
                  .ok());
}

TEST_F(ClientTest, AWrongRecoveryKeyChangesNothing) {
  auto other = create_account("someone else", test::fast_kdf_params(), test::fast_kdf_policy());
  ASSERT_TRUE(other.ok());
  auto b = Client::recover(*net_b_, std::make_unique<BorrowedStore>(store_b_), a_->account_id(),
                           other->recovery_key, "a brand new passphrase", test::fast_kdf_params(), options());
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, Errc::wrong_passphrase);
  auto typo = Client::recover(*net_b_, std::make_unique<BorrowedStore>(store_b_), a_->account_id(),
                              "zkwrec_not-a-key", "a brand new passphrase", test::fast_kdf_params(), options());
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.error().code, Errc::malformed);
  // The account still opens with its passphrase, and this device's session still works.
  EXPECT_TRUE(login_b(options()) != nullptr);
  auto w = a_->write("still.md", "fine\n");
  ASSERT_TRUE(w.ok());
  EXPECT_FALSE(w->queued);
}

TEST_F(ClientTest, ARecoveryTheServerRefusesIsReported) {
  // A server that refuses the signed recovery (or an attacker replaying an old one) leaves the
  // account as it was and says so.
  net_b_->redirect = [](HttpRequest& req) {
    if (req.target.ends_with("/recover")) {
      auto j = nlohmann::json::parse(req.body);
      std::string sig = j["signature"].get<std::string>();
      sig[0] = sig[0] == 'A' ? 'B' : 'A';  // a corrupted signature
      j["signature"] = sig;
      req.body = j.dump();
    }
  };
  auto b = Client::recover(*net_b_, std::make_unique<BorrowedStore>(store_b_), a_->account_id(), recovery_,
                           "a brand new passphrase", test::fast_kdf_params(), options());
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, Errc::expired);
  net_b_->redirect = nullptr;
  EXPECT_TRUE(login_b(options()) != nullptr);
}


TEST_F(SharingTest, AVerifiedMemberReadsAndWritesTheSharedWorkspace) {
  ASSERT_TRUE(a_->write("shared/plan.md", "# Plan\n\nstep one\n").ok());
  // Carol reads her fingerprint to Alice out of band; Alice shares.
  ASSERT_TRUE(a_->share(carol_->account_id(), carol_->fingerprint()).ok());
  // Carol opens Alice's workspace and trusts Alice, whose fingerprint Alice told her.
  auto carol_in_a = carol_in_alices();
  ASSERT_TRUE(carol_in_a.ok()) << carol_in_a.error().message;
  ASSERT_TRUE((*carol_in_a)->trust(a_->account_id(), a_->fingerprint()).ok());
  ASSERT_TRUE((*carol_in_a)->sync().ok());
  EXPECT_EQ(body_of(**carol_in_a, "shared/plan.md"), "# Plan\n\nstep one\n");
  ASSERT_TRUE((*carol_in_a)->write("shared/plan.md", "# Plan\n\nstep one\nstep two (carol)\n").ok());
  auto s = a_->sync();
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->quarantined.empty());
  EXPECT_EQ(body_of(*a_, "shared/plan.md"), "# Plan\n\nstep one\nstep two (carol)\n");
}

TEST_F(SharingTest, ASubstitutedPublicKeyIsCaughtByTheFingerprint) {
  // The server answers Alice's request for Carol's record with one carrying its own keys.
  auto mallory = create_account("mallory", test::fast_kdf_params(), test::fast_kdf_policy());
  ASSERT_TRUE(mallory.ok());
  AccountRecord forged = mallory->record;
  forged.id = carol_->account_id();
  std::string target = "/v1/accounts/" + carol_->account_id().hex();
  net_a_->rewrite = [&](const HttpRequest& req, HttpResponse& res) {
    if (req.method == "GET" && req.target == target)
      res.body = nlohmann::json{{"account_id", forged.id.hex()},
                                {"login_public_key", to_base64(forged.login_public_key)},
                                {"record", to_base64(forged.encode())}}
                     .dump();
  };
  auto shared = a_->share(carol_->account_id(), carol_->fingerprint());
  ASSERT_FALSE(shared.ok());
  EXPECT_EQ(shared.error().code, Errc::auth_failed);
  EXPECT_NE(shared.error().message.find("nothing was shared"), std::string::npos);
  // Nothing was wrapped to anyone: Carol cannot open Alice's workspace at all.
  auto carol_in_a = carol_in_alices();
  ASSERT_FALSE(carol_in_a.ok());
  EXPECT_EQ(carol_in_a.error().code, Errc::not_found);
}

TEST_F(SharingTest, RevisionsByAnUntrustedKeyAreRejected) {
  ASSERT_TRUE(a_->write("shared/plan.md", "v1\n").ok());
  ASSERT_TRUE(a_->share(carol_->account_id(), carol_->fingerprint()).ok());
  auto carol_in_a = carol_in_alices();
  ASSERT_TRUE(carol_in_a.ok());
  // Without trusting Alice, Carol has no usable key (Alice's wrap is not from a trusted granter)
  // and accepts none of Alice's revisions: they are quarantined, not shown.
  auto s = (*carol_in_a)->sync();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->quarantined.size(), 1u);
  EXPECT_EQ((*carol_in_a)->read("shared/plan.md").error().code, Errc::not_found);
}

}  // namespace
}  // namespace zkwiki

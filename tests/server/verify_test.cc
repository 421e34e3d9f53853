// What the server verifies without keys (issue 3), against the real process: revision records
// (syntax, signature, ids, chain, author), account records, and recovery with the identity key.
#include <gtest/gtest.h>

#include <chrono>

#include "client.h"

namespace zkwiki::test {
namespace {

// One server for the suite; every test makes its own accounts and workspaces. The suite stays
// under the per-client login failure limit (20 per minute) in total.
class Verify : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    server_ = new ServerProcess();
    ASSERT_TRUE(server_->start(dir_->path() + "/data", {"--threads", "2"})) << server_->error();
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(server_->terminate(), 0);
    delete server_;
    delete dir_;
  }
  void SetUp() override {
    c = std::make_unique<HttpClient>(server_->host(), server_->port());
    ASSERT_TRUE(register_and_login(*c, owner));
    ASSERT_EQ(c->json_request("POST", "/v1/workspaces", {{"workspace_id", ws}, {"record", b64(workspace_record(owner, ws))}},
                              owner.token).status, 201);
    ASSERT_EQ(c->json_request("POST", "/v1/workspaces/" + ws + "/collections",
                              {{"collection_id", coll}, {"record", b64("c")}}, owner.token).status,
              201);
  }
  std::string page_path(const std::string& page) const {
    return "/v1/workspaces/" + ws + "/collections/" + coll + "/pages/" + page;
  }
  std::string rec(const std::string& page, std::uint64_t n, const std::string& parent,
                  const std::string& content = "content") const {
    return revision_record(owner, ws, coll, page, n, parent, content);
  }
  // PUT with If-Match: "<head>" (If-None-Match: * when `head` is empty).
  HttpResponse put(const std::string& page, const std::string& record, const std::string& head,
                   const std::string& token = {}) {
    HeaderList h;
    if (head.empty())
      h.emplace_back("If-None-Match", "*");
    else
      h.emplace_back("If-Match", "\"" + head + "\"");
    return c->json_request("PUT", page_path(page),
                           {{"revision", blob_id(record)}, {"record", b64(record)}},
                           token.empty() ? owner.token : token, h);
  }
  std::string head_of(const std::string& page) {
    auto r = c->json_request("GET", page_path(page), nullptr, owner.token);
    return r.status == 200 ? r.json_body()["revision"].get<std::string>() : "";
  }
  // A page with revisions 1 and 2; returns their records.
  std::pair<std::string, std::string> two_revisions(const std::string& page) {
    const std::string v1 = rec(page, 1, "", "v1"), v2 = rec(page, 2, blob_id(v1), "v2");
    EXPECT_EQ(put(page, v1, "").status, 201);
    EXPECT_EQ(put(page, v2, blob_id(v1)).status, 200);
    return {v1, v2};
  }
  HttpResponse recover(const TestAccount& signer, const std::string& id,
                       const std::string& challenge, const TestAccount& next) {
    return c->json_request("POST", "/v1/accounts/" + id + "/recover",
                           {{"challenge", b64(challenge)},
                            {"login_public_key", b64(next.public_key)},
                            {"record", b64(next.record)},
                            {"signature", b64(sign_recover(signer, challenge, next.public_key,
                                                           next.record))}});
  }
  int session_status(const std::string& token) {
    return c->json_request("GET", "/v1/auth/session", nullptr, token).status;
  }

  static TempDir* dir_;
  static ServerProcess* server_;
  std::unique_ptr<HttpClient> c;
  TestAccount owner = new_account();
  std::string ws = random_id(), coll = random_id();
};
TempDir* Verify::dir_ = nullptr;
ServerProcess* Verify::server_ = nullptr;

void expect_invalid_record(const HttpResponse& r, const std::string& what) {
  EXPECT_EQ(r.status, 400) << what << ": " << r.body;
  EXPECT_EQ(r.error_code(), "invalid_record") << what;
}

// ---------------------------------------------------------------------------------------------
// Revision records

TEST_F(Verify, ARecordThatIsNotASignedRevisionRecordIs400) {
  const std::string page = random_id();
  expect_invalid_record(put(page, "opaque record", ""), "opaque bytes");
  std::string forged = rec(page, 1, "");
  forged.back() ^= 1;  // the last byte of the signature
  expect_invalid_record(put(page, forged, ""), "bad signature");
  std::string edited = rec(page, 1, "");
  edited[100] ^= 1;  // inside the signed body (the envelope id)
  expect_invalid_record(put(page, edited, ""), "edited after signing");
  expect_invalid_record(put(page, rec(page, 1, "") + "x", ""), "trailing byte");
  EXPECT_EQ(head_of(page), "");
}

TEST_F(Verify, ARecordForAnotherPlaceIs400) {
  const std::string page = random_id();
  expect_invalid_record(put(page, revision_record(owner, ws, coll, random_id(), 1, ""), ""),
                        "another page");
  expect_invalid_record(put(page, revision_record(owner, ws, random_id(), page, 1, ""), ""),
                        "another collection");
  expect_invalid_record(put(page, revision_record(owner, random_id(), coll, page, 1, ""), ""),
                        "another workspace");
  EXPECT_EQ(put(page, rec(page, 1, ""), "").status, 201);
}

TEST_F(Verify, ARecordThatDoesNotFollowTheHeadIs400) {
  const std::string page = random_id();
  // A create must be revision 1 (with no parent).
  expect_invalid_record(put(page, rec(page, 2, blob_id("x")), ""), "revision 2 on create");
  auto [v1, v2] = two_revisions(page);
  const std::string head = blob_id(v2);
  // The parent must be the head the precondition names...
  auto fork = put(page, rec(page, 3, blob_id(v1)), head);
  expect_invalid_record(fork, "parent is not If-Match");
  EXPECT_NE(fork.body.find("does not follow the head"), std::string::npos);
  // ...and the revision number one more than the head's.
  expect_invalid_record(put(page, rec(page, 4, head), head), "revision 4 after 2");
  expect_invalid_record(put(page, rec(page, 2, head), head), "revision 2 after 2");
  EXPECT_EQ(head_of(page), head);
  EXPECT_EQ(put(page, rec(page, 3, head), head).status, 200);
}

TEST_F(Verify, AnOldRevisionCannotBecomeTheHeadAgain) {
  const std::string page = random_id();
  auto [v1, v2] = two_revisions(page);
  // A replay of revision 1 (or 2) as the new head: neither follows the head.
  expect_invalid_record(put(page, v1, blob_id(v2)), "revision 1 replayed");
  expect_invalid_record(put(page, v2, blob_id(v2)), "revision 2 replayed");
  EXPECT_EQ(put(page, v1, "").status, 412);  // a create: the page exists
  EXPECT_EQ(head_of(page), blob_id(v2));
  auto hist = c->json_request("GET", page_path(page) + "/revisions", nullptr, owner.token);
  EXPECT_EQ(hist.json_body()["revisions"].size(), 2u);
}

TEST_F(Verify, ASessionWritesOnlyRecordsSignedByItsAccountsIdentityKey) {
  TestAccount writer = new_account();
  ASSERT_TRUE(register_and_login(*c, writer));
  ASSERT_EQ(c->json_request("PUT", "/v1/workspaces/" + ws + "/members/" + writer.id,
                            {{"role", "write"}}, owner.token).status, 200);
  const std::string page = random_id();
  // The owner's record sent with the writer's session, and the other way round.
  auto r = put(page, rec(page, 1, ""), "", writer.token);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.error_code(), "author_not_member");
  const std::string by_writer = revision_record(writer, ws, coll, page, 1, "");
  EXPECT_EQ(put(page, by_writer, "", owner.token).error_code(), "author_not_member");
  // A record signed with the login key is not signed by the identity key either.
  TestAccount login_as_identity = owner;
  login_as_identity.identity_public = owner.public_key;
  login_as_identity.identity_secret = owner.secret_key;
  EXPECT_EQ(put(page, revision_record(login_as_identity, ws, coll, page, 1, ""), "").status, 403);
  EXPECT_EQ(put(page, by_writer, "", writer.token).status, 201);
  EXPECT_EQ(put(page, rec(page, 2, blob_id(by_writer)), blob_id(by_writer)).status, 200);
}

TEST_F(Verify, ScopedTokensWriteOnlyAsTheirGrantsAgentKey) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  auto t = c->json_request("POST", "/v1/tokens",
                           {{"workspace_id", ws}, {"collection_ids", {coll}},
                            {"access", "read-write"}, {"not_after", now + 600}}, owner.token);
  ASSERT_EQ(t.status, 201);
  const std::string agent = t.json_body()["token"];
  const std::string grant = t.json_body()["token_id"];
  const std::string page = random_id();
  TestAccount agent_key = new_account();
  TestAccount stranger = new_account();
  // No grant on record yet: refused.
  auto none = put(page, revision_record(agent_key, ws, coll, page, 1, ""), "", agent);
  EXPECT_EQ(none.status, 403);
  EXPECT_EQ(none.error_code(), "author_not_member");
  auto grant_body = [&](const TestAccount& k) {
    return json{{"agent_key", b64(k.identity_public)}, {"record", b64("sealed")}};
  };
  // Only the token's creator may file its grant, once.
  TestAccount other = new_account();
  ASSERT_TRUE(register_and_login(*c, other));
  EXPECT_EQ(c->json_request("PUT", "/v1/workspaces/" + ws + "/grants/" + grant, grant_body(agent_key), other.token)
                .status, 403);
  ASSERT_EQ(c->json_request("PUT", "/v1/workspaces/" + ws + "/grants/" + grant, grant_body(agent_key), owner.token)
                .status, 201);
  EXPECT_EQ(c->json_request("PUT", "/v1/workspaces/" + ws + "/grants/" + grant, grant_body(stranger), owner.token)
                .status, 409);
  EXPECT_EQ(c->json_request("PUT", "/v1/workspaces/" + ws + "/grants/" + random_id(), grant_body(stranger),
                            owner.token).status, 404);
  // A record signed by another key is refused; the grant's agent key is accepted.
  auto wrong = put(page, revision_record(stranger, ws, coll, page, 1, ""), "", agent);
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(wrong.error_code(), "author_not_member");
  EXPECT_EQ(put(page, revision_record(agent_key, ws, coll, page, 1, ""), "", agent).status, 201);
  // The record is still verified and must follow the head.
  std::string forged = rec(random_id(), 1, "");
  expect_invalid_record(put(random_id(), forged, "", agent), "another page, scoped token");
  expect_invalid_record(put(page, revision_record(agent_key, ws, coll, page, 1, "", "again"), head_of(page), agent),
                        "revision 1 again");
}

// ---------------------------------------------------------------------------------------------
// Account records

TEST_F(Verify, AccountRecordsAreChecked) {
  TestAccount a = new_account();
  expect_invalid_record(c->json_request("POST", "/v1/accounts", account_body(a, "opaque record")),
                        "opaque record");
  TestAccount b = new_account();
  expect_invalid_record(c->json_request("POST", "/v1/accounts", account_body(a, b.record)),
                        "another account's record");
  TestAccount other_login = with_new_login_key(a);
  json mismatch = account_body(a, other_login.record);  // a's login key, another in the record
  expect_invalid_record(c->json_request("POST", "/v1/accounts", mismatch), "login key mismatch");
  EXPECT_EQ(c->json_request("POST", "/v1/accounts", account_body(a)).status, 201);
}

TEST_F(Verify, APassphraseChangeKeepsThePublicKeysAndEndsOtherSessions) {
  TestAccount second_device = owner;
  ASSERT_EQ(login(*c, second_device).status, 200);
  const std::string target = "/v1/accounts/" + owner.id;
  // New public keys (another identity) are refused: only the wraps and the login key change.
  TestAccount changed = new_account();
  changed.id = owner.id;
  changed = with_new_login_key(changed);  // a record of this id with other public keys
  expect_invalid_record(c->json_request("PUT", target,
                                        {{"login_public_key", b64(changed.public_key)},
                                         {"record", b64(changed.record)}}, owner.token),
                        "changed public keys");
  TestAccount stranger = new_account();
  expect_invalid_record(c->json_request("PUT", target,
                                        {{"login_public_key", b64(stranger.public_key)},
                                         {"record", b64(stranger.record)}}, owner.token),
                        "another account id");
  EXPECT_EQ(session_status(second_device.token), 200);  // nothing changed yet
  TestAccount next = with_new_login_key(owner);
  ASSERT_EQ(c->json_request("PUT", target,
                            {{"login_public_key", b64(next.public_key)},
                             {"record", b64(next.record)}}, owner.token).status, 200);
  EXPECT_EQ(session_status(owner.token), 200);  // the caller's session stays
  EXPECT_EQ(session_status(second_device.token), 401);
  EXPECT_EQ(login(*c, next).status, 200);
}

// ---------------------------------------------------------------------------------------------
// Recovery

TEST_F(Verify, RecoveryReplacesTheLoginKeyAndEndsEverySession) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  auto t = c->json_request("POST", "/v1/tokens",
                           {{"workspace_id", ws}, {"collection_ids", {coll}},
                            {"access", "read"}, {"not_after", now + 600}}, owner.token);
  ASSERT_EQ(t.status, 201);
  const std::string agent = t.json_body()["token"];
  TestAccount next = with_new_login_key(owner);
  auto r = recover(owner, owner.id, fetch_challenge(*c, owner.id), next);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json_body()["account_id"], owner.id);
  EXPECT_EQ(session_status(owner.token), 401);
  EXPECT_EQ(session_status(agent), 200);  // scoped tokens are not sessions
  auto got = c->json_request("GET", "/v1/accounts/" + owner.id, nullptr);
  EXPECT_EQ(unb64(got.json_body()["record"]), next.record);
  EXPECT_EQ(unb64(got.json_body()["login_public_key"]), next.public_key);
  EXPECT_EQ(login(*c, owner).status, 401);  // the lost passphrase's login key
  ASSERT_EQ(login(*c, next).status, 200);
  const std::string page = random_id();
  EXPECT_EQ(put(page, rec(page, 1, ""), "", next.token).status, 201);  // same identity key
}

TEST_F(Verify, RecoveryNeedsTheIdentityKeyAndAFreshChallenge) {
  TestAccount next = with_new_login_key(owner);
  // Signed by the login key (or anyone else) instead of the identity key.
  TestAccount login_signer = owner;
  login_signer.identity_secret = owner.secret_key;
  auto bad = recover(login_signer, owner.id, fetch_challenge(*c, owner.id), next);
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.error_code(), "recovery_failed");
  // A challenge is single use, and bound to its account.
  const std::string ch = fetch_challenge(*c, owner.id);
  ASSERT_EQ(recover(owner, owner.id, ch, next).status, 200);
  auto reused = recover(owner, owner.id, ch, with_new_login_key(owner));
  EXPECT_EQ(reused.status, 401);
  EXPECT_EQ(reused.error_code(), "recovery_failed");
  TestAccount other = new_account();
  ASSERT_EQ(c->json_request("POST", "/v1/accounts", account_body(other)).status, 201);
  EXPECT_EQ(recover(owner, owner.id, fetch_challenge(*c, other.id), next).status, 401);
  EXPECT_EQ(c->json_request("POST", "/v1/accounts/" + random_id() + "/recover",
                            {{"challenge", b64(ch)}}).status, 400);
  EXPECT_EQ(c->request("GET", "/v1/accounts/" + owner.id + "/recover").status, 405);
}

TEST_F(Verify, RecoveryRecordsAreChecked) {
  // A record of another account, signed correctly by this account's identity key.
  TestAccount stranger = new_account();
  auto r = recover(owner, owner.id, fetch_challenge(*c, owner.id), stranger);
  expect_invalid_record(r, "another account's record");
  // The same id but other public keys.
  TestAccount swapped = new_account();
  swapped.id = owner.id;
  swapped = with_new_login_key(swapped);  // re-encodes the record under owner.id
  expect_invalid_record(recover(owner, owner.id, fetch_challenge(*c, owner.id), swapped),
                        "changed public keys");
  EXPECT_EQ(session_status(owner.token), 200);  // nothing changed
  EXPECT_EQ(login(*c, owner).status, 200);
}

TEST_F(Verify, RecoveryFailuresCountTowardTheLoginRateLimit) {
  TestAccount victim = new_account();
  ASSERT_EQ(c->json_request("POST", "/v1/accounts", account_body(victim)).status, 201);
  TestAccount attacker = new_account();
  attacker.id = victim.id;
  TestAccount next = with_new_login_key(victim);
  for (int i = 0; i < 5; ++i) {
    auto r = recover(attacker, victim.id, fetch_challenge(*c, victim.id), next);
    EXPECT_EQ(r.status, 401) << i;
  }
  // Locked out: even the right identity key, and logins too, until the window ends.
  auto r = recover(victim, victim.id, fetch_challenge(*c, victim.id), next);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.error_code(), "rate_limited");
  EXPECT_FALSE(r.header("retry-after").empty());
  EXPECT_EQ(login(*c, victim).status, 429);
}

}  // namespace
}  // namespace zkwiki::test

// Key generations against a real zkwiki-server and a tampering transport: a server that
// withholds a rotated generation cannot send new writes back under the older key (the device
// remembers the newest generation it verified), and a removed member is cut off at the server
// and, after rotation, cannot open new content with the keys it kept.
#include <nlohmann/json.hpp>

#include "client_fixture.h"
#include "support/fails_with.h"
#include "zkwiki/api_client.h"
#include "zkwiki/envelope.h"
#include "zkwiki/page.h"

namespace zkwiki {
namespace {

using nlohmann::json;
using test::FailsWith;

bool reported(const std::vector<std::string>& notes, std::string_view what) {
  for (const auto& n : notes)
    if (n.find(what) != std::string::npos) return true;
  return false;
}

class KeyRotationTest : public ClientTest {
 protected:
  // Revokes a bearer grant on "notes" with rotation: notes moves to generation 2.
  void rotate_notes() {
    GrantOptions o;
    o.collections = {"notes"};
    o.label = "soon revoked";
    o.server_url = "http://127.0.0.1:" + std::to_string(server_.port());
    auto g = a_->grant(o);
    ASSERT_TRUE(g.ok()) << g.error().message;
    ASSERT_TRUE(a_->revoke(g->id, true).ok());
  }
  // The server's key listings to `t` leave out every wrap of `generation` (the JSON keeps its shape).
  static void withhold_generation(ControlledTransport& t, std::uint32_t generation) {
    t.rewrite = [generation](const HttpRequest& req, HttpResponse& res) {
      if (req.method != "GET" || !req.target.ends_with("/keys") || res.status != 200) return;
      auto j = json::parse(res.body);
      json kept = json::array();
      for (auto& k : j["keys"])
        if (k["generation"].get<std::uint32_t>() != generation) kept.push_back(k);
      j["keys"] = kept;
      res.body = j.dump();
    };
  }
  // Counts the writes `t` lets through (blobs, page heads, keys: any PUT or POST after login).
  static void count_writes(ControlledTransport& t, int& writes) {
    t.intercept = [&writes](const HttpRequest& req) -> std::optional<HttpResponse> {
      if ((req.method == "PUT" || req.method == "POST") && req.target.find("/auth/") == std::string::npos) ++writes;
      return std::nullopt;
    };
  }
  // The key generation that seals the head of `path` (read through `c`'s own API session).
  std::uint32_t head_generation(Client& c, std::string_view path) {
    auto pages = c.list(path);
    EXPECT_TRUE(pages.ok() && pages->size() == 1);
    if (!pages.ok() || pages->size() != 1) return 0;
    ApiClient api(*http_a_);
    auto rec = api.get_account(a_->account_id());
    auto unlocked = unlock_account(*rec, kPass, test::fast_kdf_policy());
    EXPECT_TRUE(unlocked.ok() && api.login(rec->id, unlocked->login).ok());
    auto head = api.get_head(c.workspace_id(), (*pages)[0].collection, (*pages)[0].id);
    auto record = RevisionRecord::decode(head->record);
    auto env = api.get_blob(record->envelope_id);
    auto info = inspect_envelope(*env);
    EXPECT_TRUE(info.ok());
    return info.ok() ? info->generation : 0;
  }
};

TEST_F(KeyRotationTest, AWithheldRotatedKeyFailsTheNextWriteAndNothingIsSealedUnderTheOldKey) {
  ASSERT_TRUE(a_->write("before.md", "under generation 1\n").ok());
  // Device B syncs after the rotation: it has verified generation 2.
  rotate_notes();
  ASSERT_TRUE(a_->write("after.md", "under generation 2\n").ok());
  EXPECT_EQ(head_generation(*a_, "after.md"), 2u);
  {
    auto b = login_b(options());
    ASSERT_TRUE(b);
    ASSERT_TRUE(b->sync().ok());
    EXPECT_EQ(body_of(*b, "after.md"), "under generation 2\n");
  }
  // The server now withholds generation 2 from B: B logs in again and would take generation 1
  // as primary, which the revoked agent holds.
  withhold_generation(*net_b_, 2);
  auto b = login_b(options());
  ASSERT_TRUE(b);
  auto s = b->sync();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(reported(s->quarantined, "missing from the keys the server lists")) << s->quarantined.size();
  int writes = 0;
  count_writes(*net_b_, writes);
  EXPECT_TRUE(FailsWith(b->write("new.md", "must not go under generation 1\n"), Errc::unknown_key, "withheld"));
  EXPECT_TRUE(FailsWith(b->write("before.md", "an edit of an old page either\n"), Errc::unknown_key));
  std::vector<ImportItem> items{{"imported.md", "nor an import\n"}};
  EXPECT_TRUE(FailsWith(b->import(items), Errc::unknown_key));
  EXPECT_EQ(writes, 0) << "something was sent to the server";
  EXPECT_TRUE(reported(b->status()->quarantined, "missing from the keys the server lists"));
  // Old content still reads; the new key coming back lifts the block, and writes use it.
  EXPECT_EQ(body_of(*b, "before.md"), "under generation 1\n");
  net_b_->rewrite = nullptr;
  net_b_->intercept = nullptr;
  auto back = login_b(options());
  ASSERT_TRUE(back);
  ASSERT_TRUE(back->write("new.md", "now under generation 2\n").ok());
  EXPECT_EQ(head_generation(*back, "new.md"), 2u);
  EXPECT_TRUE(back->status()->quarantined.empty());
}

TEST_F(KeyRotationTest, ANewerGenerationSeenInAVerifiedPageStopsWritesUnderTheOlderKey) {
  rotate_notes();
  ASSERT_TRUE(a_->write("after.md", "under generation 2\n").ok());
  // A fresh device that never saw generation 2's wrap: the page signed by its own account and
  // sealed under generation 2 shows that generation exists.
  withhold_generation(*net_b_, 2);
  auto b = login_b(options());
  ASSERT_TRUE(b);
  auto s = b->sync();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_FALSE(s->quarantined.empty());  // the page it cannot open
  int writes = 0;
  count_writes(*net_b_, writes);
  EXPECT_TRUE(FailsWith(b->write("new.md", "must not go under generation 1\n"), Errc::unknown_key, "generation 2"));
  EXPECT_EQ(writes, 0);
}

TEST_F(KeyRotationTest, ADeviceBehindOnTheKeysRefusesToRotateAndRevokesNothing) {
  GrantOptions o;
  o.collections = {"notes"};
  o.server_url = "http://127.0.0.1:" + std::to_string(server_.port());
  auto g = a_->grant(o);  // its certificate is sealed under generation 1: B can verify it
  ASSERT_TRUE(g.ok());
  rotate_notes();
  ASSERT_TRUE(a_->write("after.md", "under generation 2\n").ok());
  withhold_generation(*net_b_, 2);
  auto b = login_b(options());
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->sync().ok());
  // It holds generation 1 only: a rotation would make a second, different generation 2.
  EXPECT_TRUE(FailsWith(b->revoke(g->id, true), Errc::unknown_key));
  auto grants = a_->grants();
  ASSERT_TRUE(grants.ok());
  for (const auto& s : *grants) {
    if (s.id == g->id) {
      EXPECT_FALSE(s.revoked);
    }
  }
}

class MemberRemovalTest : public ClientTest {
 protected:
  void SetUp() override {
    ClientTest::SetUp();
    for (auto* who : {&carol_, &dave_}) {
      std::string recovery;
      auto c = Client::create_account(*net_b_, std::make_unique<MemoryLocalStore>(), pass(*who), recovery,
                                      test::fast_kdf_params(), options());
      ASSERT_TRUE(c.ok()) << c.error().message;
      who->id = (*c)->account_id();
      who->fingerprint = (*c)->fingerprint();
      ASSERT_TRUE(a_->share(who->id, who->fingerprint).ok());
      ClientOptions o = options();
      o.workspace = a_->workspace_id();
      auto in_a = Client::login(*net_b_, std::make_unique<BorrowedStore>(who->store), who->id, pass(*who), o);
      ASSERT_TRUE(in_a.ok()) << in_a.error().message;
      ASSERT_TRUE((*in_a)->trust(a_->account_id(), a_->fingerprint()).ok());
      who->client = std::move(in_a).value();
    }
  }
  struct Member {
    AccountId id;
    std::string fingerprint;
    MemoryLocalStore store;
    std::unique_ptr<Client> client;
  };
  const char* pass(const Member& m) const { return &m == &carol_ ? "carol's passphrase" : "dave's passphrase"; }

  // What `m` holds below the Client: its account keys and every generation wrapped to it.
  struct Held {
    AccountKeys keys;
    std::map<CollectionId, Keyset> keysets;
  };
  Held held_by(const Member& m) {
    Held h;
    ApiClient api(*http_b_);
    auto rec = api.get_account(m.id);
    auto unlocked = unlock_account(*rec, pass(m), test::fast_kdf_policy());
    EXPECT_TRUE(unlocked.ok() && api.login(rec->id, unlocked->login).ok());
    h.keys = std::move(unlocked->keys);
    auto cols = api.list_collections(a_->workspace_id());
    EXPECT_TRUE(cols.ok());
    for (const auto& [c, _] : *cols) {
      Keyset k(KeyScope::for_collection(a_->workspace_id(), c));
      auto wraps = api.list_wrapped_keys(a_->workspace_id(), c);
      EXPECT_TRUE(wraps.ok());
      if (!wraps.ok()) continue;
      for (const auto& w : *wraps) {
        auto u = unwrap_generation(w.wrapped, k.scope(), h.keys);
        if (u) {
          EXPECT_TRUE(k.insert(u->generation, std::move(u->key), u->primary).ok());
        }
      }
      h.keysets.emplace(c, std::move(k));
    }
    return h;
  }
  // Opens the head of `path` (as `a_` lists it) with `keysets`, fetching it as anyone can.
  Result<Bytes> open_head_with(std::string_view path, const std::map<CollectionId, Keyset>& keysets) {
    auto pages = a_->list(path);
    EXPECT_TRUE(pages.ok() && pages->size() == 1);
    ApiClient api(*http_a_);
    auto rec = api.get_account(a_->account_id());
    auto unlocked = unlock_account(*rec, kPass, test::fast_kdf_policy());
    EXPECT_TRUE(unlocked.ok() && api.login(rec->id, unlocked->login).ok());
    const PageSummary& p = (*pages)[0];
    ZKWIKI_ASSIGN(PageHead head, api.get_head(a_->workspace_id(), p.collection, p.id));
    ZKWIKI_ASSIGN(RevisionRecord record, RevisionRecord::decode(head.record));
    ZKWIKI_ASSIGN(Bytes envelope, api.get_blob(record.envelope_id));
    auto k = keysets.find(p.collection);
    if (k == keysets.end()) return make_error(Errc::unknown_key, "no keyset");
    return open_envelope(record.envelope_context(), k->second, envelope);
  }

  Member carol_, dave_;
};

TEST_F(MemberRemovalTest, ARemovedMemberIsRefusedAndAfterRotationCannotOpenNewContent) {
  ASSERT_TRUE(a_->write("plan.md", "before the removal\n").ok());
  ASSERT_TRUE(carol_.client->sync().ok());
  EXPECT_EQ(body_of(*carol_.client, "plan.md"), "before the removal\n");
  Held carols = held_by(carol_);  // what Carol keeps

  ASSERT_TRUE(a_->remove_member(carol_.id, true).ok());
  // Her next call fails at the server.
  EXPECT_TRUE(FailsWith(carol_.client->sync(), Errc::forbidden));
  EXPECT_TRUE(FailsWith(carol_.client->write("plan.md", "carol was removed\n"), Errc::forbidden));

  ASSERT_TRUE(a_->write("after.md", "after the removal\n").ok());
  // The remaining member reads it and writes under the new generation; Alice reads that.
  ASSERT_TRUE(dave_.client->sync().ok());
  EXPECT_EQ(body_of(*dave_.client, "after.md"), "after the removal\n");
  ASSERT_TRUE(dave_.client->write("dave.md", "dave stays\n").ok());
  ASSERT_TRUE(a_->sync().ok());
  EXPECT_EQ(body_of(*a_, "dave.md"), "dave stays\n");
  // Carol's old keys, given the new ciphertext by anyone: nothing opens; the old page still does.
  EXPECT_TRUE(FailsWith(open_head_with("after.md", carols.keysets), Errc::unknown_key));
  EXPECT_TRUE(FailsWith(open_head_with("dave.md", carols.keysets), Errc::unknown_key));
  auto old = open_head_with("plan.md", carols.keysets);
  ASSERT_TRUE(old.ok()) << old.error().message;
  EXPECT_EQ(decode_page(*old)->body, "before the removal\n");
  // While the remaining member's keys open it.
  auto theirs = open_head_with("after.md", held_by(dave_).keysets);
  ASSERT_TRUE(theirs.ok()) << theirs.error().message;
  EXPECT_EQ(decode_page(*theirs)->body, "after the removal\n");
}

TEST_F(MemberRemovalTest, WithoutRotationTheRemovedMembersKeysStillOpenNewContent) {
  Held carols = held_by(carol_);
  ASSERT_TRUE(a_->remove_member(carol_.id, false).ok());
  EXPECT_EQ(carol_.client->sync().error().code, Errc::forbidden);
  ASSERT_TRUE(a_->write("after.md", "no rotation\n").ok());
  // What the docs say: removal alone ends access at the server, not to ciphertext.
  EXPECT_TRUE(open_head_with("after.md", carols.keysets).ok());
}

TEST_F(MemberRemovalTest, RemovalIsRefusedForTheOwnerNonAdminsAndNonMembers) {
  auto self = a_->remove_member(a_->account_id(), true);
  EXPECT_EQ(self.error().code, Errc::invalid_argument);
  // Carol is a writer, not an admin.
  auto by_carol = carol_.client->remove_member(dave_.id, false);
  ASSERT_FALSE(by_carol.ok());
  EXPECT_EQ(by_carol.error().code, Errc::forbidden);
  auto by_carol_owner = carol_.client->remove_member(a_->account_id(), false);
  EXPECT_EQ(by_carol_owner.error().code, Errc::forbidden);
  ASSERT_TRUE(a_->remove_member(dave_.id, false).ok());
  auto again = a_->remove_member(dave_.id, false);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::not_found);
}

}  // namespace
}  // namespace zkwiki

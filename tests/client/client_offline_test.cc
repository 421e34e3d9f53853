// A device without the server: a real zkwiki-server (SQLite data directory) is killed and
// started again on the same data and port while devices log in offline, write, read back and
// replay; sessions the server ends never cost a queued edit.
#include <gtest/gtest.h>

#include "client_fixture.h"

namespace zkwiki {
namespace {

class OfflineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.start(data_)) << server_.error();
    port_ = server_.port();
    url_ = "http://127.0.0.1:" + std::to_string(port_);
    for (auto* t : {&http_a_, &http_b_}) {
      auto h = HttpTransport::connect_to(url_);
      ASSERT_TRUE(h.ok());
      *t = std::move(h).value();
    }
    net_a_ = std::make_unique<ControlledTransport>(*http_a_);
    auto a = Client::create_account(*net_a_, std::make_unique<BorrowedStore>(store_a_), kPass, recovery_,
                                    test::fast_kdf_params(), options());
    ASSERT_TRUE(a.ok()) << a.error().message;
    account_ = (*a)->account_id();
    ASSERT_TRUE((*a)->write("notes/plan.md", "# Plan\n\none\ntwo\nthree\n").ok());
  }

  static ClientOptions options() {
    ClientOptions o;
    o.kdf_policy = test::fast_kdf_policy();
    return o;
  }

  void kill_server() { server_.kill9(); }
  void restart_server() {
    ASSERT_TRUE(server_.start(data_, {"--listen", "127.0.0.1:" + std::to_string(port_)})) << server_.error();
    ASSERT_EQ(server_.port(), port_);
  }

  Result<std::unique_ptr<Client>> login_a(std::string_view pass = kPass, ClientOptions o = options()) {
    return Client::login(*net_a_, std::make_unique<BorrowedStore>(store_a_), account_, pass, std::move(o));
  }
  Result<std::unique_ptr<Client>> login_b(std::string_view pass = kPass) {
    return Client::login(*http_b_, std::make_unique<BorrowedStore>(store_b_), account_, pass, options());
  }

  static std::string body_of(Client& c, std::string_view path) {
    auto r = c.read(path);
    return r.ok() ? r->body : "<" + r.error().message + ">";
  }

  static constexpr const char* kPass = "correct horse battery staple";
  test::TempDir dir_;
  std::string data_ = dir_.path() + "/server";
  test::ServerProcess server_;
  std::uint16_t port_ = 0;
  std::string url_;
  std::unique_ptr<HttpTransport> http_a_, http_b_;
  std::unique_ptr<ControlledTransport> net_a_;
  MemoryLocalStore store_a_, store_b_;
  AccountId account_;
  std::string recovery_;
};

TEST_F(OfflineTest, ADeviceLogsInOfflineWritesReadsBackAndReplaysOnce) {
  kill_server();
  auto a = login_a();
  ASSERT_TRUE(a.ok()) << a.error().message;
  Client& c = **a;
  EXPECT_TRUE(c.offline());
  EXPECT_EQ(c.account_id(), account_);
  EXPECT_EQ(body_of(c, "notes/plan.md"), "# Plan\n\none\ntwo\nthree\n");  // synced state

  auto w = c.write("notes/new.md", "# Written offline\n\nhello\n");
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_TRUE(w->queued);
  EXPECT_EQ(body_of(c, "notes/new.md"), "# Written offline\n\nhello\n");  // read back from the queue
  // Two edits of one page: one queued edit, based on the revision the first was made against.
  ASSERT_TRUE(c.write("notes/plan.md", "# Plan\n\none\nTWO\nthree\n").ok());
  ASSERT_TRUE(c.write("notes/plan.md", "# Plan\n\none\nTWO\nthree\nfour\n").ok());
  EXPECT_EQ(body_of(c, "notes/plan.md"), "# Plan\n\none\nTWO\nthree\nfour\n");
  auto listed = c.list("notes/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].path, "notes/new.md");
  EXPECT_EQ((*listed)[0].title, "Written offline");
  EXPECT_TRUE((*listed)[0].queued);
  EXPECT_TRUE((*listed)[1].queued);
  EXPECT_EQ((*listed)[1].revision, 1u);
  auto log = c.log("notes/new.md");
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.error().message.find("offline queue"), std::string::npos) << log.error().message;
  EXPECT_EQ(c.status()->pending, 2u);

  // Still unreachable: sync says so, and keeps everything.
  auto early = c.sync();
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, Errc::io);
  EXPECT_NE(early.error().message.find("2 queued edits stay"), std::string::npos) << early.error().message;
  EXPECT_EQ(c.status()->pending, 2u);

  // The server comes back on the same data: the same client logs in and replays.
  restart_server();
  auto s = c.sync();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_FALSE(c.offline());
  EXPECT_EQ(s->replayed, 2u);
  EXPECT_EQ(s->pending, 0u);
  EXPECT_EQ(c.status()->pending, 0u);
  auto again = c.sync();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->replayed, 0u);

  // Another device sees each edit once.
  auto b = login_b();
  ASSERT_TRUE(b.ok()) << b.error().message;
  ASSERT_TRUE((*b)->sync().ok());
  EXPECT_EQ(body_of(**b, "notes/new.md"), "# Written offline\n\nhello\n");
  EXPECT_EQ(body_of(**b, "notes/plan.md"), "# Plan\n\none\nTWO\nthree\nfour\n");
  EXPECT_EQ((*b)->list("notes/")->size(), 2u);
  EXPECT_EQ((*b)->log("notes/new.md")->size(), 1u);
  EXPECT_EQ((*b)->log("notes/plan.md")->size(), 2u);
}

TEST_F(OfflineTest, TheNextLoginWithTheServerBackReplaysTheQueue) {
  kill_server();
  {
    auto a = login_a();
    ASSERT_TRUE(a.ok()) << a.error().message;
    ASSERT_TRUE((*a)->write("later.md", "from the train\n")->queued);
    ASSERT_TRUE((*a)->remove("notes/plan.md")->queued);
    EXPECT_EQ((*a)->read("notes/plan.md").error().code, Errc::not_found);
    EXPECT_TRUE((*a)->list("notes/")->empty());
  }  // the process ends; the queue is in the device store
  restart_server();
  auto a = login_a();
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_FALSE((*a)->offline());
  EXPECT_EQ((*a)->status()->pending, 2u);
  auto s = (*a)->sync();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->replayed, 2u);
  auto b = login_b();
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE((*b)->sync().ok());
  EXPECT_EQ(body_of(**b, "later.md"), "from the train\n");
  EXPECT_EQ((*b)->read("notes/plan.md").error().code, Errc::not_found);  // deleted; history kept
  EXPECT_EQ((*b)->log("notes/plan.md")->size(), 2u);
}

TEST_F(OfflineTest, AConcurrentEditByAnotherDeviceMergesOrConflictsVisibly) {
  ASSERT_TRUE(login_a().value()->write("shared.md", "alpha\nbeta\ngamma\ndelta\n").ok());
  auto b = login_b();
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE((*b)->sync().ok());

  kill_server();
  auto a = login_a();
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_TRUE((*a)->offline());
  // Offline: a non-overlapping edit of one page, an overlapping edit of another.
  ASSERT_TRUE((*a)->write("shared.md", "ALPHA\nbeta\ngamma\ndelta\n")->queued);
  ASSERT_TRUE((*a)->write("notes/plan.md", "# Plan\n\none\ntwo (device a)\nthree\n")->queued);

  restart_server();
  // The other device writes first.
  ASSERT_TRUE((*b)->sync().ok());
  ASSERT_TRUE((*b)->write("shared.md", "alpha\nbeta\ngamma\nDELTA\n").ok());
  ASSERT_TRUE((*b)->write("notes/plan.md", "# Plan\n\none\ntwo (device b)\nthree\n").ok());

  auto s = (*a)->sync();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->replayed, 2u);
  EXPECT_EQ(body_of(**a, "shared.md"), "ALPHA\nbeta\ngamma\nDELTA\n");  // merged: both edits
  std::string plan = body_of(**a, "notes/plan.md");
  EXPECT_NE(plan.find("<<<<<<< this device\ntwo (device a)\n"), std::string::npos) << plan;
  EXPECT_NE(plan.find("two (device b)\n>>>>>>> other device"), std::string::npos) << plan;
  ASSERT_TRUE((*b)->sync().ok());
  EXPECT_EQ(body_of(**b, "notes/plan.md"), plan);  // the conflict is on the server, for everyone
  EXPECT_EQ((*b)->log("shared.md")->size(), 3u);    // base, b's edit, the merge
}

TEST_F(OfflineTest, AWrongPassphraseOfflineIsWrongPassphraseAndTheFloorStillApplies) {
  kill_server();
  auto wrong = login_a("not the passphrase");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, Errc::wrong_passphrase);
  // The kept record's cheap test parameters are below the production floor: refused offline too.
  auto weak = login_a(kPass, ClientOptions{});
  ASSERT_FALSE(weak.ok());
  EXPECT_EQ(weak.error().code, Errc::weak_parameters);
  EXPECT_TRUE(login_a().ok());
}

TEST_F(OfflineTest, ADeviceThatNeverLoggedInCannotStartOffline) {
  kill_server();
  auto b = login_b();
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, Errc::io);
  EXPECT_NE(b.error().message.find("cannot start offline"), std::string::npos) << b.error().message;
  // Nothing readable was left behind in its store either.
  EXPECT_TRUE(store_b_.scan("account", {})->empty());
}

TEST_F(OfflineTest, AKeptRecordChangedOnDiskDoesNotOpenOffline) {
  const std::string key = "record:" + account_.hex();
  auto kept = store_a_.get("account", key);
  ASSERT_TRUE(kept.ok() && kept->has_value());
  const LocalStore::Bytes old_record = **kept;
  // The passphrase changes (on another device); this device logs in with the new one and keeps
  // the new record.
  {
    auto b = login_b();
    ASSERT_TRUE(b.ok());
    ASSERT_TRUE((*b)->change_passphrase("a new passphrase", test::fast_kdf_params()).ok());
    ASSERT_TRUE(login_a("a new passphrase").ok());
  }
  const LocalStore::Bytes new_record = store_a_.get("account", key)->value();
  ASSERT_NE(new_record, old_record);
  kill_server();
  // Someone with the disk puts back the old record, which the old (leaked?) passphrase opens:
  // the sealed copy says it is not the record this device last verified.
  ASSERT_TRUE(store_a_.put("account", key, old_record).ok());
  auto rolled_back = login_a(kPass);
  ASSERT_FALSE(rolled_back.ok());
  EXPECT_EQ(rolled_back.error().code, Errc::auth_failed) << rolled_back.error().message;
  // Another account's record (whose passphrase they know) opens nothing either.
  auto other = create_account(kPass, test::fast_kdf_params(), test::fast_kdf_policy());
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(store_a_.put("account", key, other->record.encode()).ok());
  EXPECT_EQ(login_a(kPass).error().code, Errc::auth_failed);
  AccountRecord relabelled = other->record;
  relabelled.id = account_;  // its key wraps are bound to the other id
  ASSERT_TRUE(store_a_.put("account", key, relabelled.encode()).ok());
  EXPECT_FALSE(login_a(kPass).ok());
  // The genuine record still opens offline, with the current passphrase only.
  ASSERT_TRUE(store_a_.put("account", key, new_record).ok());
  EXPECT_EQ(login_a(kPass).error().code, Errc::wrong_passphrase);
  auto a = login_a("a new passphrase");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_TRUE((*a)->offline());
}

TEST_F(OfflineTest, ASessionTheServerEndedIsRenewedAndTheQueueReplayed) {
  auto a = login_a();
  ASSERT_TRUE(a.ok());
  // The server forgets this session: every request with the token it had is now refused (401).
  std::string first_token;
  net_a_->redirect = [&](HttpRequest& req) {
    for (auto& [k, v] : req.headers)
      if (k == "Authorization") {
        if (first_token.empty()) first_token = v;
        if (v == first_token) v = "Bearer ended-session";
      }
  };
  auto w = (*a)->write("kept.md", "not lost\n");
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_TRUE(w->queued);
  auto s = (*a)->sync();  // logs in again with the login key, then replays
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->replayed, 1u);
  auto b = login_b();
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE((*b)->sync().ok());
  EXPECT_EQ(body_of(**b, "kept.md"), "not lost\n");
}

TEST_F(OfflineTest, APassphraseChangedElsewhereKeepsTheQueueUntilTheNextLogin) {
  auto a = login_a();
  ASSERT_TRUE(a.ok());
  auto b = login_b();
  ASSERT_TRUE(b.ok());
  // The other device changes the passphrase: the server ends this device's session, and this
  // device's login key no longer opens one.
  ASSERT_TRUE((*b)->change_passphrase("a new passphrase", test::fast_kdf_params()).ok());
  auto w = (*a)->write("kept.md", "written after the change\n");
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_TRUE(w->queued);
  auto s = (*a)->sync();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::expired);
  EXPECT_NE(s.error().message.find("1 queued edit stays"), std::string::npos) << s.error().message;
  EXPECT_EQ((*a)->status()->pending, 1u);
  a->reset();
  // The old passphrase is refused by the server's record; the new one logs in and replays.
  EXPECT_EQ(login_a().error().code, Errc::wrong_passphrase);
  auto again = login_a("a new passphrase");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ((*again)->status()->pending, 1u);
  auto replayed = (*again)->sync();
  ASSERT_TRUE(replayed.ok()) << replayed.error().message;
  EXPECT_EQ(replayed->replayed, 1u);
  ASSERT_TRUE((*b)->sync().ok());
  EXPECT_EQ(body_of(**b, "kept.md"), "written after the change\n");
}

TEST_F(OfflineTest, AnAgentDoesNotOpenOffline) {
  auto a = login_a();
  ASSERT_TRUE(a.ok());
  GrantOptions g;
  g.collections = {"notes"};
  g.ttl_seconds = 3600;
  g.label = "scribe";
  g.server_url = url_;
  auto issued = (*a)->grant(g);
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  auto grant = Grant::parse(issued->grant);
  ASSERT_TRUE(grant.ok()) << grant.error().message;
  MemoryLocalStore agent_store;
  {
    auto agent = Client::open_agent(*http_b_, std::make_unique<BorrowedStore>(agent_store), *grant, nullptr, options());
    ASSERT_TRUE(agent.ok()) << agent.error().message;
  }
  kill_server();
  auto agent = Client::open_agent(*http_b_, std::make_unique<BorrowedStore>(agent_store), *grant, nullptr, options());
  ASSERT_FALSE(agent.ok());
  EXPECT_EQ(agent.error().code, Errc::io);
  EXPECT_TRUE(agent_store.scan("account", {})->empty());  // nothing kept for offline use
}

}  // namespace
}  // namespace zkwiki

// The Store contract, run against both implementations (SQLite and in-memory).
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <filesystem>

#include "client.h"
#include "crypto.h"
#include "store.h"

namespace zkwiki::server {
namespace {

using test::random_id;

struct MemoryFactory {
  std::unique_ptr<Store> make() { return make_memory_store(); }
};

struct SqliteFactory {
  test::TempDir dir;
  std::unique_ptr<Store> make() {
    auto r = open_sqlite_store(dir.path());
    EXPECT_TRUE(r.ok()) << r.status.message;
    return std::move(r.value);
  }
};

template <class F>
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto_init());
    store = factory.make();
    ASSERT_TRUE(store);
    owner = random_id();
    ASSERT_TRUE(store->create_account(Account{owner, std::string(32, 'k'), "rec", 0, 0}).ok());
    ws = random_id();
    coll = random_id();
    ASSERT_TRUE(store->create_workspace(Workspace{ws, owner, "wsrec", 0}).ok());
    ASSERT_TRUE(store->create_collection(Collection{ws, coll, "collrec"}).ok());
  }
  Result<CasResult> cas(const std::string& page, std::optional<std::string> expected,
                        const std::string& record, std::int64_t quota = 0) {
    return store->cas_head(ws, coll, page, expected, hash_hex(record), record,
                           Charge{owner, quota});
  }
  F factory;
  std::unique_ptr<Store> store;
  std::string owner, ws, coll;
};

using Factories = ::testing::Types<MemoryFactory, SqliteFactory>;
class Names {
 public:
  template <class T>
  static std::string GetName(int) {
    return std::is_same_v<T, MemoryFactory> ? "Memory" : "Sqlite";
  }
};
TYPED_TEST_SUITE(StoreTest, Factories, Names);

TYPED_TEST(StoreTest, AccountRoundTripAndDuplicate) {
  auto& s = *this->store;
  auto a = s.get_account(this->owner);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.value.record, "rec");
  EXPECT_EQ(a.value.used_bytes, 0);
  EXPECT_EQ(s.create_account(Account{this->owner, "x", "y", 0, 0}).code, Code::exists);
  EXPECT_EQ(s.get_account(random_id()).status.code, Code::not_found);
  ASSERT_TRUE(s.update_account(this->owner, std::string(32, 'n'), "rec2", "").ok());
  EXPECT_EQ(s.get_account(this->owner).value.record, "rec2");
  EXPECT_EQ(s.get_account(this->owner).value.login_public_key, std::string(32, 'n'));
  EXPECT_EQ(s.update_account(random_id(), "x", "y", "").code, Code::not_found);
}

TYPED_TEST(StoreTest, TokensFindListRevoke) {
  auto& s = *this->store;
  TokenRecord t;
  t.hash = hash_raw("secret");
  t.token_id = random_id();
  t.account_id = this->owner;
  t.scoped = true;
  t.workspace_id = this->ws;
  t.collections = {this->coll, random_id()};
  t.can_write = true;
  t.not_after = 2000000000;
  ASSERT_TRUE(s.put_token(t).ok());
  auto f = s.find_token(t.hash);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f.value.collections, t.collections);
  EXPECT_TRUE(f.value.can_write);
  EXPECT_FALSE(f.value.revoked);
  auto l = s.list_tokens(this->owner, "", 10);
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(l.value.size(), 1u);
  EXPECT_EQ(s.revoke_token(random_id(), t.token_id).code, Code::not_found);  // not the owner's
  ASSERT_TRUE(s.revoke_token(this->owner, t.token_id).ok());
  EXPECT_TRUE(s.find_token(t.hash).value.revoked);
  EXPECT_EQ(s.find_token(hash_raw("other")).status.code, Code::not_found);
}

TYPED_TEST(StoreTest, AccountUpdateRevokesOtherSessionsButNotScopedTokens) {
  auto& s = *this->store;
  const std::string other = random_id();
  ASSERT_TRUE(s.create_account(Account{other, std::string(32, 'o'), "orec", 0, 0}).ok());
  auto put = [&](const std::string& name, const std::string& account, bool scoped) {
    TokenRecord t;
    t.hash = hash_raw(name);
    t.token_id = random_id();
    t.account_id = account;
    t.scoped = scoped;
    t.not_after = 2000000000;
    EXPECT_TRUE(s.put_token(t).ok());
  };
  put("mine", this->owner, false);
  put("second device", this->owner, false);
  put("agent", this->owner, true);
  put("theirs", other, false);
  auto revoked = [&](const std::string& name) { return s.find_token(hash_raw(name)).value.revoked; };
  // A passphrase change keeps the caller's session.
  ASSERT_TRUE(s.update_account(this->owner, std::string(32, 'n'), "rec2", hash_raw("mine")).ok());
  EXPECT_FALSE(revoked("mine"));
  EXPECT_TRUE(revoked("second device"));
  EXPECT_FALSE(revoked("agent"));
  EXPECT_FALSE(revoked("theirs"));
  // A recovery keeps none.
  ASSERT_TRUE(s.update_account(this->owner, std::string(32, 'r'), "rec3", "").ok());
  EXPECT_TRUE(revoked("mine"));
  EXPECT_FALSE(revoked("agent"));
  EXPECT_FALSE(revoked("theirs"));
  EXPECT_EQ(s.get_account(this->owner).value.record, "rec3");
}

TYPED_TEST(StoreTest, PurgeDeletesOnlyExpiredTokens) {
  auto& s = *this->store;
  for (std::int64_t not_after : {100, 200, 300}) {
    TokenRecord t;
    t.hash = hash_raw(std::to_string(not_after));
    t.token_id = random_id();
    t.account_id = this->owner;
    t.not_after = not_after;
    ASSERT_TRUE(s.put_token(t).ok());
  }
  auto r = s.purge_tokens(250);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value, 2);
  EXPECT_EQ(s.find_token(hash_raw("100")).status.code, Code::not_found);
  EXPECT_TRUE(s.find_token(hash_raw("300")).ok());
}

TYPED_TEST(StoreTest, WorkspaceOwnerIsAdminAndMembersPaginate) {
  auto& s = *this->store;
  EXPECT_EQ(s.get_member(this->ws, this->owner).value.role, "admin");
  EXPECT_EQ(s.create_workspace(Workspace{this->ws, this->owner, "", 0}).code, Code::exists);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(random_id());
    ASSERT_TRUE(s.put_member(Member{this->ws, ids.back(), "read"}).ok());
  }
  std::string cursor;
  size_t seen = 0;
  for (int round = 0; round < 10; ++round) {
    auto page = s.list_members(this->ws, cursor, 2);
    ASSERT_TRUE(page.ok());
    seen += page.value.size();
    if (page.value.size() < 2) break;
    cursor = page.value.back().account_id;
  }
  EXPECT_EQ(seen, 6u);
  ASSERT_TRUE(s.remove_member(this->ws, ids[0]).ok());
  EXPECT_EQ(s.remove_member(this->ws, ids[0]).status.code, Code::not_found);
  EXPECT_EQ(s.get_member(this->ws, ids[0]).status.code, Code::not_found);
  auto ws_list = s.list_workspaces(ids[1], "", 10);
  ASSERT_TRUE(ws_list.ok());
  ASSERT_EQ(ws_list.value.size(), 1u);
  EXPECT_EQ(ws_list.value[0].id, this->ws);
}

TYPED_TEST(StoreTest, CollectionsAndWrappedKeys) {
  auto& s = *this->store;
  EXPECT_EQ(s.create_collection(Collection{this->ws, this->coll, "x"}).status.code, Code::exists);
  EXPECT_EQ(s.get_collection(this->ws, this->coll).value.record, "collrec");
  EXPECT_EQ(s.get_collection(this->ws, random_id()).status.code, Code::not_found);
  ASSERT_TRUE(s.put_wrapped_key(this->ws, this->coll, WrappedKey{this->owner, 1, "k1"}).ok());
  ASSERT_TRUE(s.put_wrapped_key(this->ws, this->coll, WrappedKey{this->owner, 2, "k2"}).ok());
  ASSERT_TRUE(s.put_wrapped_key(this->ws, this->coll, WrappedKey{random_id(), 2, "o2"}).ok());
  EXPECT_EQ(s.put_wrapped_key(this->ws, random_id(), WrappedKey{this->owner, 1, "z"}).status.code,
            Code::not_found);
  auto mine = s.list_wrapped_keys(this->ws, this->coll, this->owner);
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine.value.size(), 2u);
  EXPECT_EQ(mine.value[1].wrapped, "k2");
  EXPECT_EQ(s.list_wrapped_keys(this->ws, this->coll, "").value.size(), 3u);
}

TYPED_TEST(StoreTest, CasCreateUpdateConflictAndHistory) {
  auto& s = *this->store;
  const std::string page = random_id();
  auto r1 = this->cas(page, std::nullopt, "v1");
  ASSERT_TRUE(r1.ok());
  EXPECT_TRUE(r1.value.created);
  // Create again: conflict with the current head.
  auto again = this->cas(page, std::nullopt, "v1b");
  ASSERT_EQ(again.status.code, Code::conflict);
  ASSERT_TRUE(again.value.current);
  EXPECT_EQ(again.value.current->revision, hash_hex("v1"));
  // Update from a stale head: conflict.
  auto stale = this->cas(page, hash_hex("nope"), "v2");
  ASSERT_EQ(stale.status.code, Code::conflict);
  auto r2 = this->cas(page, hash_hex("v1"), "v2");
  ASSERT_TRUE(r2.ok());
  EXPECT_FALSE(r2.value.created);
  EXPECT_GT(r2.value.seq, r1.value.seq);
  auto h = s.get_head(this->ws, this->coll, page);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h.value.revision, hash_hex("v2"));
  EXPECT_EQ(h.value.seq, r2.value.seq);
  // Update of a page that does not exist: conflict without a current head.
  auto missing = this->cas(random_id(), hash_hex("v1"), "v9");
  ASSERT_EQ(missing.status.code, Code::conflict);
  EXPECT_FALSE(missing.value.current);
  // A revision the page already has is never stored again, not even as a revert.
  auto revert = this->cas(page, hash_hex("v2"), "v1");
  EXPECT_EQ(revert.status.code, Code::exists);
  EXPECT_EQ(s.get_head(this->ws, this->coll, page).value.revision, hash_hex("v2"));
  // History keeps both records.
  auto hist = s.list_revisions(this->ws, this->coll, page, 0, 10);
  ASSERT_TRUE(hist.ok());
  ASSERT_EQ(hist.value.size(), 2u);
  EXPECT_EQ(hist.value[0].revision, hash_hex("v1"));
  EXPECT_EQ(s.get_revision(this->ws, this->coll, page, hash_hex("v1")).value.record, "v1");
  EXPECT_EQ(s.get_revision(this->ws, this->coll, page, hash_hex("x")).status.code,
            Code::not_found);
  // Unknown collection.
  EXPECT_EQ(s.cas_head(this->ws, random_id(), page, std::nullopt, hash_hex("a"), "a",
                       Charge{this->owner, 0})
                .status.code,
            Code::not_found);
}

TYPED_TEST(StoreTest, ChangesAreOrderedAndPaginate) {
  auto& s = *this->store;
  std::vector<std::string> pages;
  for (int i = 0; i < 7; ++i) {
    pages.push_back(random_id());
    ASSERT_TRUE(this->cas(pages.back(), std::nullopt, "r" + std::to_string(i)).ok());
  }
  std::int64_t since = 0, last = 0;
  std::vector<Change> all;
  for (int round = 0; round < 10; ++round) {
    auto c = s.changes(this->ws, since, 3);
    ASSERT_TRUE(c.ok());
    for (auto& ch : c.value) {
      EXPECT_GT(ch.seq, last);
      last = ch.seq;
      all.push_back(ch);
    }
    if (c.value.empty()) break;
    since = c.value.back().seq;
  }
  // 1 collection change from SetUp + 7 page writes, seq 1..8 without gaps.
  ASSERT_EQ(all.size(), 8u);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].seq, static_cast<std::int64_t>(i + 1));
  EXPECT_EQ(all[0].kind, "collection");
  EXPECT_EQ(all[1].kind, "page");
  EXPECT_EQ(all[1].page_id, pages[0]);
  EXPECT_EQ(s.get_workspace(this->ws).value.seq, 8);
}

TYPED_TEST(StoreTest, BlobsDedupeAndChargeOncePerWorkspace) {
  auto& s = *this->store;
  const std::string data(1000, 'b');
  const std::string id = hash_hex(data);
  auto r = s.put_blob(this->ws, id, data, Charge{this->owner, 0});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value);
  r = s.put_blob(this->ws, id, data, Charge{this->owner, 0});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.value);
  EXPECT_EQ(s.get_account(this->owner).value.used_bytes, 1000);
  EXPECT_EQ(s.get_blob(id).value, data);
  EXPECT_EQ(s.blob_size(id).value, 1000);
  EXPECT_EQ(s.get_blob(hash_hex("nope")).status.code, Code::not_found);
  EXPECT_EQ(s.put_blob(random_id(), id, data, Charge{this->owner, 0}).status.code,
            Code::not_found);
}

TYPED_TEST(StoreTest, QuotaRefusesWithoutDamage) {
  auto& s = *this->store;
  const std::string a(600, 'a'), b(600, 'b');
  ASSERT_TRUE(s.put_blob(this->ws, hash_hex(a), a, Charge{this->owner, 1000}).ok());
  auto r = s.put_blob(this->ws, hash_hex(b), b, Charge{this->owner, 1000});
  EXPECT_EQ(r.status.code, Code::quota);
  EXPECT_EQ(s.get_blob(hash_hex(b)).status.code, Code::not_found);
  EXPECT_EQ(s.get_account(this->owner).value.used_bytes, 600);
  const std::string page = random_id();
  auto c = this->cas(page, std::nullopt, std::string(500, 'r'), 1000);
  EXPECT_EQ(c.status.code, Code::quota);
  EXPECT_EQ(s.get_head(this->ws, this->coll, page).status.code, Code::not_found);
  EXPECT_EQ(s.get_workspace(this->ws).value.seq, 1);  // no sequence number was consumed
  EXPECT_EQ(s.get_blob(hash_hex(a)).value, a);
}

TYPED_TEST(StoreTest, CreatePagesWritesBlobsAndHeadsTogetherAndSkipsExistingPages) {
  auto& s = *this->store;
  auto page_of = [](const std::string& record, const std::string& blob) {
    return NewPage{random_id(), hash_hex(record), record, hash_hex(blob), blob};
  };
  std::vector<NewPage> pages{page_of("r1", "blob one"), page_of("r2", "blob two")};
  ASSERT_TRUE(this->cas(pages[1].page, std::nullopt, "already").ok());  // this one exists
  auto r = s.create_pages(this->ws, this->coll, pages, Charge{this->owner, 0});
  ASSERT_TRUE(r.ok()) << r.status.message;
  ASSERT_EQ(r.value.size(), 2u);
  EXPECT_TRUE(r.value[0].created);
  EXPECT_GT(r.value[0].seq, 0);
  EXPECT_EQ(s.get_head(this->ws, this->coll, pages[0].page).value.revision, hash_hex("r1"));
  EXPECT_EQ(s.get_blob(hash_hex("blob one")).value, "blob one");
  EXPECT_EQ(s.get_revision(this->ws, this->coll, pages[0].page, hash_hex("r1")).value.record, "r1");
  EXPECT_FALSE(r.value[1].created);  // left as it was, and its blob not stored
  ASSERT_TRUE(r.value[1].current);
  EXPECT_EQ(r.value[1].current->revision, hash_hex("already"));
  EXPECT_EQ(s.get_blob(hash_hex("blob two")).status.code, Code::not_found);
  // Charged: the new blob and record, not the skipped page's.
  EXPECT_EQ(s.get_account(this->owner).value.used_bytes,
            static_cast<std::int64_t>(std::string("blob one").size() + 2 + std::string("already").size()));
  EXPECT_EQ(s.create_pages(this->ws, random_id(), pages, Charge{this->owner, 0}).status.code, Code::not_found);
}

TYPED_TEST(StoreTest, CreatePagesOverQuotaWritesNothing) {
  auto& s = *this->store;
  std::vector<NewPage> pages;
  for (char ch : {'a', 'b', 'c'}) {
    const std::string blob(400, ch), record(10, ch);
    pages.push_back(NewPage{random_id(), hash_hex(record), record, hash_hex(blob), blob});
  }
  auto r = s.create_pages(this->ws, this->coll, pages, Charge{this->owner, 1000});
  EXPECT_EQ(r.status.code, Code::quota);
  for (const auto& p : pages) {
    EXPECT_EQ(s.get_head(this->ws, this->coll, p.page).status.code, Code::not_found);
    EXPECT_EQ(s.get_blob(p.blob_id).status.code, Code::not_found);
  }
  EXPECT_EQ(s.get_account(this->owner).value.used_bytes, 0);
  EXPECT_EQ(s.get_workspace(this->ws).value.seq, 1);  // no sequence number was consumed
}

TEST(SqliteStore, PersistsAcrossReopen) {
  ASSERT_TRUE(crypto_init());
  test::TempDir dir;
  const std::string owner = random_id(), ws = random_id(), coll = random_id(), page = random_id();
  {
    auto r = open_sqlite_store(dir.path());
    ASSERT_TRUE(r.ok());
    auto& s = *r.value;
    ASSERT_TRUE(s.create_account(Account{owner, std::string(32, 'k'), "rec", 0, 0}).ok());
    ASSERT_TRUE(s.create_workspace(Workspace{ws, owner, "w", 0}).ok());
    ASSERT_TRUE(s.create_collection(Collection{ws, coll, "c"}).ok());
    ASSERT_TRUE(s.cas_head(ws, coll, page, std::nullopt, hash_hex("durable"), "durable",
                           Charge{owner, 0}).ok());
  }
  auto again = open_sqlite_store(dir.path());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value->get_head(ws, coll, page).value.revision, hash_hex("durable"));
  EXPECT_EQ(again.value->get_account(owner).value.used_bytes, 7);
  EXPECT_TRUE(again.value->integrity_check().ok());
  EXPECT_TRUE(again.value->ping().ok());
}

TEST(SqliteStore, RefusesANewerSchemaAndDetectsGarbage) {
  ASSERT_TRUE(crypto_init());
  test::TempDir dir;
  { ASSERT_TRUE(open_sqlite_store(dir.path()).ok()); }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir.path() + "/zkwiki.sqlite3").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    auto r = open_sqlite_store(dir.path());
    EXPECT_EQ(r.status.code, Code::corrupt);
  }
  {
    // A file that is not a database: opening fails with an error value, no crash.
    test::TempDir bad;
    std::FILE* f = std::fopen((bad.path() + "/zkwiki.sqlite3").c_str(), "wb");
    ASSERT_TRUE(f);
    std::string junk(8192, 'x');
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
    auto r = open_sqlite_store(bad.path());
    EXPECT_FALSE(r.ok());
  }
}

}  // namespace
}  // namespace zkwiki::server

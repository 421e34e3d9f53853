// The SQLite store. One writer connection behind a mutex (SQLite allows one writer anyway) and
// a pool of reader connections (WAL lets readers run beside the writer). Every write is one
// transaction committed with synchronous=FULL: when a method returns ok, the data is on disk.
#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

#include "store.h"

namespace zkwiki::server {
namespace {

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Versioned migrations: migrations[i] brings the schema from version i to i+1.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE accounts(
  id TEXT PRIMARY KEY, login_pk BLOB NOT NULL, record BLOB NOT NULL,
  used_bytes INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE tokens(
  hash BLOB PRIMARY KEY, token_id TEXT NOT NULL UNIQUE, account_id TEXT NOT NULL,
  scoped INTEGER NOT NULL, workspace_id TEXT NOT NULL, collections TEXT NOT NULL,
  can_write INTEGER NOT NULL, not_after INTEGER NOT NULL, created INTEGER NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0);
CREATE INDEX tokens_by_account ON tokens(account_id, scoped, token_id);
CREATE TABLE workspaces(
  id TEXT PRIMARY KEY, owner TEXT NOT NULL, record BLOB NOT NULL,
  seq INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE members(
  ws TEXT NOT NULL, account TEXT NOT NULL, role TEXT NOT NULL,
  PRIMARY KEY(ws, account)) WITHOUT ROWID;
CREATE INDEX members_by_account ON members(account, ws);
CREATE TABLE collections(
  ws TEXT NOT NULL, id TEXT NOT NULL, record BLOB NOT NULL, PRIMARY KEY(ws, id)) WITHOUT ROWID;
CREATE TABLE wrapped_keys(
  ws TEXT NOT NULL, coll TEXT NOT NULL, account TEXT NOT NULL, generation INTEGER NOT NULL,
  wrapped BLOB NOT NULL, PRIMARY KEY(ws, coll, account, generation)) WITHOUT ROWID;
CREATE TABLE heads(
  ws TEXT NOT NULL, coll TEXT NOT NULL, page TEXT NOT NULL, revision TEXT NOT NULL,
  seq INTEGER NOT NULL, PRIMARY KEY(ws, coll, page)) WITHOUT ROWID;
CREATE TABLE revisions(
  ws TEXT NOT NULL, coll TEXT NOT NULL, page TEXT NOT NULL, revision TEXT NOT NULL,
  record BLOB NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(ws, coll, page, revision));
CREATE INDEX revisions_by_seq ON revisions(ws, coll, page, seq);
CREATE TABLE changes(
  ws TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, coll TEXT NOT NULL,
  page TEXT NOT NULL, ref TEXT NOT NULL, PRIMARY KEY(ws, seq)) WITHOUT ROWID;
CREATE TABLE blobs(id TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE blob_refs(
  ws TEXT NOT NULL, id TEXT NOT NULL, account TEXT NOT NULL, PRIMARY KEY(ws, id)) WITHOUT ROWID;
)sql",
    // 2: agent grants (issue 7).
    R"sql(
CREATE TABLE grants(
  ws TEXT NOT NULL, id TEXT NOT NULL, issuer TEXT NOT NULL, agent_key BLOB NOT NULL,
  record BLOB NOT NULL, revocation BLOB NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY(ws, id)) WITHOUT ROWID;
)sql",
};
constexpr int kSchemaVersion = sizeof(kMigrations) / sizeof(kMigrations[0]);

// A connection with a cache of prepared statements.
class Conn {
 public:
  Conn() = default;
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  ~Conn() {
    for (auto& [sql, st] : cache_) sqlite3_finalize(st);
    if (db_) sqlite3_close(db_);
  }

  Status open(const std::string& path, bool create) {
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (create) flags |= SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK)
      return error("open");
    sqlite3_busy_timeout(db_, 10000);
    return exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF;");
  }

  Status exec(const char* sql) {
    char* msg = nullptr;
    if (int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &msg); rc != SQLITE_OK) {
      std::string m = msg ? msg : "exec failed";
      sqlite3_free(msg);
      return Status::Err(code_of(rc), "sqlite: " + m);
    }
    return {};
  }

  // Returns a reset statement with cleared bindings; nullptr on failure.
  sqlite3_stmt* prepare(const char* sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) {
      sqlite3_reset(it->second);
      sqlite3_clear_bindings(it->second);
      return it->second;
    }
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK)
      return nullptr;
    cache_.emplace(sql, st);
    return st;
  }

  // SQLITE_FULL (also as the primary code of an extended one) is a full disk: 507, not 500.
  static Code code_of(int rc) { return (rc & 0xff) == SQLITE_FULL ? Code::full : Code::io; }

  Status error(const char* what) const {
    return Status::Err(db_ ? code_of(sqlite3_extended_errcode(db_)) : Code::io, std::string("sqlite ") + what + ": " +
                                     (db_ ? sqlite3_errmsg(db_) : "out of memory"));
  }
  sqlite3* db() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::map<const char*, sqlite3_stmt*> cache_;  // keyed by the literal's address
};

// Binds and steps one statement. Resets it when it goes out of scope.
class Stmt {
 public:
  Stmt(Conn& c, const char* sql) : conn_(c), st_(c.prepare(sql)) {}
  ~Stmt() {
    if (st_) sqlite3_reset(st_);
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool valid() const { return st_ != nullptr; }
  Stmt& text(const std::string& s) {
    sqlite3_bind_text(st_, ++idx_, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& blob(const Bytes& b) {
    sqlite3_bind_blob64(st_, ++idx_, b.data(), b.size(), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& i64(std::int64_t v) {
    sqlite3_bind_int64(st_, ++idx_, v);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return st_ ? sqlite3_step(st_) : SQLITE_ERROR; }
  std::string col_text(int i) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(st_, i));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(st_, i))) : std::string();
  }
  Bytes col_blob(int i) const {
    auto p = static_cast<const char*>(sqlite3_column_blob(st_, i));
    return p ? Bytes(p, static_cast<size_t>(sqlite3_column_bytes(st_, i))) : Bytes();
  }
  std::int64_t col_i64(int i) const { return sqlite3_column_int64(st_, i); }
  Status error(const char* what) const { return conn_.error(what); }

 private:
  Conn& conn_;
  sqlite3_stmt* st_;
  int idx_ = 0;
};

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (auto& s : v) {
    if (!out.empty()) out += ',';
    out += s;
  }
  return out;
}
std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(std::string path) : path_(std::move(path)) {}

  Status open() {
    if (auto s = writer_.open(path_, true); !s.ok()) return s;
    return migrate();
  }

  // -- accounts
  Status create_account(const Account& a) override {
    return write([&]() -> Status {
      Stmt q(writer_,
             "INSERT INTO accounts(id, login_pk, record, used_bytes, created) VALUES(?,?,?,0,?)");
      q.text(a.id).blob(a.login_public_key).blob(a.record).i64(now_seconds());
      int rc = q.step();
      if (rc == SQLITE_CONSTRAINT) return Status::Err(Code::exists, "account exists");
      if (rc != SQLITE_DONE) return q.error("insert account");
      return {};
    });
  }
  Result<Account> get_account(const std::string& id) override {
    return read<Account>([&](Conn& c) -> Result<Account> {
      Stmt q(c, "SELECT login_pk, record, used_bytes, created FROM accounts WHERE id=?");
      q.text(id);
      int rc = q.step();
      if (rc == SQLITE_DONE) return Status::Err(Code::not_found, "no such account");
      if (rc != SQLITE_ROW) return q.error("get account");
      return Account{id, q.col_blob(0), q.col_blob(1), q.col_i64(2), q.col_i64(3)};
    });
  }
  Status update_account(const std::string& id, const Bytes& pk, const Bytes& record,
                        const Bytes& keep_session) override {
    return write([&]() -> Status {
      Stmt q(writer_, "UPDATE accounts SET login_pk=?, record=? WHERE id=?");
      q.blob(pk).blob(record).text(id);
      if (q.step() != SQLITE_DONE) return q.error("update account");
      if (sqlite3_changes(writer_.db()) == 0)
        return Status::Err(Code::not_found, "no such account");
      Stmt r(writer_, "UPDATE tokens SET revoked=1 WHERE account_id=? AND scoped=0 AND hash<>?");
      r.text(id).blob(keep_session);
      if (r.step() != SQLITE_DONE) return r.error("revoke sessions");
      return {};
    });
  }

  // -- tokens
  Status put_token(const TokenRecord& t) override {
    return write([&]() -> Status {
      Stmt q(writer_,
             "INSERT INTO tokens(hash, token_id, account_id, scoped, workspace_id, collections, "
             "can_write, not_after, created, revoked) VALUES(?,?,?,?,?,?,?,?,?,0)");
      q.blob(t.hash).text(t.token_id).text(t.account_id).i64(t.scoped).text(t.workspace_id)
          .text(join(t.collections)).i64(t.can_write).i64(t.not_after).i64(t.created);
      if (q.step() != SQLITE_DONE) return q.error("insert token");
      return {};
    });
  }
  static TokenRecord token_from(const Stmt& q) {
    TokenRecord t;
    t.hash = q.col_blob(0);
    t.token_id = q.col_text(1);
    t.account_id = q.col_text(2);
    t.scoped = q.col_i64(3) != 0;
    t.workspace_id = q.col_text(4);
    t.collections = split(q.col_text(5));
    t.can_write = q.col_i64(6) != 0;
    t.not_after = q.col_i64(7);
    t.created = q.col_i64(8);
    t.revoked = q.col_i64(9) != 0;
    return t;
  }
  Result<TokenRecord> find_token(const Bytes& hash) override {
    return read<TokenRecord>([&](Conn& c) -> Result<TokenRecord> {
      Stmt q(c,
             "SELECT hash, token_id, account_id, scoped, workspace_id, collections, can_write, "
             "not_after, created, revoked FROM tokens WHERE hash=?");
      q.blob(hash);
      int rc = q.step();
      if (rc == SQLITE_DONE) return Status::Err(Code::not_found, "no such token");
      if (rc != SQLITE_ROW) return q.error("find token");
      return token_from(q);
    });
  }
  Result<std::vector<TokenRecord>> list_tokens(const std::string& account,
                                               const std::string& after, int limit) override {
    using V = std::vector<TokenRecord>;
    return read<V>([&](Conn& c) -> Result<V> {
      Stmt q(c,
             "SELECT hash, token_id, account_id, scoped, workspace_id, collections, can_write, "
             "not_after, created, revoked FROM tokens WHERE account_id=? AND scoped=1 AND "
             "token_id>? ORDER BY token_id LIMIT ?");
      q.text(account).text(after).i64(limit);
      V out;
      int rc;
      while ((rc = q.step()) == SQLITE_ROW) out.push_back(token_from(q));
      if (rc != SQLITE_DONE) return q.error("list tokens");
      return out;
    });
  }
  Status revoke_token(const std::string& account, const std::string& token_id) override {
    return write([&]() -> Status {
      Stmt q(writer_, "UPDATE tokens SET revoked=1 WHERE account_id=? AND token_id=?");
      q.text(account).text(token_id);
      if (q.step() != SQLITE_DONE) return q.error("revoke token");
      if (sqlite3_changes(writer_.db()) == 0) return Status::Err(Code::not_found, "no such token");
      return {};
    });
  }
  Result<TokenRecord> find_token_id(const std::string& token_id) override {
    return read<TokenRecord>([&](Conn& c) -> Result<TokenRecord> {
      Stmt q(c,
             "SELECT hash, token_id, account_id, scoped, workspace_id, collections, can_write, "
             "not_after, created, revoked FROM tokens WHERE token_id=?");
      q.text(token_id);
      int rc = q.step();
      if (rc == SQLITE_DONE) return Status::Err(Code::not_found, "no such token");
      if (rc != SQLITE_ROW) return q.error("find token");
      return token_from(q);
    });
  }
  Status revoke_token_hash(const Bytes& hash) override {
    return write([&]() -> Status {
      Stmt q(writer_, "UPDATE tokens SET revoked=1 WHERE hash=?");
      q.blob(hash);
      if (q.step() != SQLITE_DONE) return q.error("revoke token");
      if (sqlite3_changes(writer_.db()) == 0) return Status::Err(Code::not_found, "no such token");
      return {};
    });
  }

  Result<std::int64_t> purge_tokens(std::int64_t before) override {
    std::int64_t n = 0;
    Status s = write([&]() -> Status {
      Stmt q(writer_, "DELETE FROM tokens WHERE not_after<?");
      q.i64(before);
      if (q.step() != SQLITE_DONE) return q.error("purge tokens");
      n = sqlite3_changes(writer_.db());
      return {};
    });
    if (!s.ok()) return s;
    return n;
  }

  // -- workspaces
  Status create_workspace(const Workspace& w) override {
    return write([&]() -> Status {
      Stmt q(writer_, "INSERT INTO workspaces(id, owner, record, seq, created) VALUES(?,?,?,0,?)");
      q.text(w.id).text(w.owner).blob(w.record).i64(now_seconds());
      int rc = q.step();
      if (rc == SQLITE_CONSTRAINT) return Status::Err(Code::exists, "workspace exists");
      if (rc != SQLITE_DONE) return q.error("insert workspace");
      Stmt m(writer_, "INSERT OR REPLACE INTO members(ws, account, role) VALUES(?,?,'admin')");
      m.text(w.id).text(w.owner);
      if (m.step() != SQLITE_DONE) return m.error("insert member");
      return {};
    });
  }
  Result<Workspace> get_workspace(const std::string& id) override {
    return read<Workspace>([&](Conn& c) -> Result<Workspace> {
      Stmt q(c, "SELECT owner, record, seq FROM workspaces WHERE id=?");
      q.text(id);
      int rc = q.step();
      if (rc == SQLITE_DONE) return Status::Err(Code::not_found, "no such workspace");
      if (rc != SQLITE_ROW) return q.error("get workspace");
      return Workspace{id, q.col_text(0), q.col_blob(1), q.col_i64(2)};
    });
  }
  Result<std::vector<Workspace>> list_workspaces(const std::string& account,
                                                 const std::string& after, int limit) override {
    using V = std::vector<Workspace>;
    return read<V>([&](Conn& c) -> Result<V> {
      Stmt q(c,
             "SELECT w.id, w.owner, w.record, w.seq FROM members m JOIN workspaces w ON w.id=m.ws "
             "WHERE m.account=? AND m.ws>? ORDER BY m.ws LIMIT ?");
      q.text(account).text(after).i64(limit);
      V out;
      int rc;
      while ((rc = q.step()) == SQLITE_ROW)
        out.push_back(Workspace{q.col_text(0), q.col_text(1), q.col_blob(2), q.col_i64(3)});
      if (rc != SQLITE_DONE) return q.error("list workspaces");
      return out;
    });
  }
  Result<Member> get_member(const std::string& ws, const std::string& account) override {
    return read<Member>([&](Conn& c) -> Result<Member> {
      Stmt q(c, "SELECT role FROM members WHERE ws=? AND account=?");
      q.text(ws).text(account);
      int rc = q.step();
      if (rc == SQLITE_DONE) return Status::Err(Code::not_found, "not a member");
      if (rc != SQLITE_ROW) return q.error("get member");
      return Member{ws, account, q.col_text(0)};
    });
  }
  Result<std::int64_t> put_member(const Member& m) override {
    return write_seq(m.workspace_id, [&]() -> Status {
      Stmt q(writer_, "INSERT OR REPLACE INTO members(ws, account, role) VALUES(?,?,?)");
      q.text(m.workspace_id).text(m.account_id).text(m.role);
      if (q.step() != SQLITE_DONE) return q.error("put member");
      return {};
    }, Change{0, "member", "", "", m.account_id});
  }
  Result<std::int64_t> remove_member(const std::string& ws, const std::string& account) override {
    return write_seq(ws, [&]() -> Status {
      Stmt q(writer_, "DELETE FROM members WHERE ws=? AND account=?");
      q.text(ws).text(account);
      if (q.step() != SQLITE_DONE) return q.error("remove member");
      if (sqlite3_changes(writer_.db()) == 0) return Status::Err(Code::not_found, "not a member");
      return {};
    }, Change{0, "member", "", "", account});
  }
  Result<std::vector<Member>> list_members(const std::string& ws, const std::string& after,
                                           int limit) override {
    using V = std::vector<Member>;
    return read<V>([&](Conn& c) -> Result<V> {
      Stmt q(c, "SELECT account, role FROM members WHERE ws=? AND account>? ORDER BY account LIMIT ?");
      q.text(ws).text(after).i64(limit);
      V out;
      int rc;
      while ((rc = q.step()) == SQLITE_ROW) out.push_back(Member{ws, q.col_text(0), q.col_text(1)});
      if (rc != SQLITE_DONE) return q.error("list members");
      return out;
    });
  }
  Result<std::int64_t> create_collection(const Collection& col) override {
    return write_seq(col.workspace_id, [&]() -> Status {
      Stmt q(writer_, "INSERT INTO collections(ws, id, record) VALUES(?,?,?)");
      q.text(col.workspace_id).text(col.id).blob(col.record);
      int rc = q.step();
      if (rc == SQLITE_CONSTRAINT) return Status::Err(Code::exists, "collection exists");
      if (rc != SQLITE_DONE) return q.error("insert collection");
      return {};
    }, Change{0, "collection", col.id, "", ""});
  }
  Result<Collection> get_collection(const std::string& ws, const std::string& id) override {
    return read<Collection>([&](Conn& c) -> Result<Collection> {
      Stmt q(c, "SELECT record FROM collections WHERE ws=? AND id=?");
      q.text(ws).text(id);
      int rc = q.step();
      if (rc == SQLITE_DONE) return Status::Err(Code::not_found, "no such collection");
      if (rc != SQLITE_ROW) return q.error("get collection");
      return Collection{ws, id, q.col_blob(0)};
    });
  }
  Result<std::vector<Collection>> list_collections(const std::string& ws,
                                                   const std::string& after, int limit) override {
    using V = std::vector<Collection>;
    return read<V>([&](Conn& c) -> Result<V> {
      Stmt q(c, "SELECT id, record FROM collections WHERE ws=? AND id>? ORDER BY id LIMIT ?");
      q.text(ws).text(after).i64(limit);
      V out;
      int rc;
      while ((rc = q.step()) == SQLITE_ROW)
        out.push_back(Collection{ws, q.col_text(0), q.col_blob(1)});
      if (rc != SQLITE_DONE) return q.error("list collections");
      return out;
    });
  }
  Result<std::int64_t> put_wrapped_key(const std::string& ws, const std::string& coll,
                                       const WrappedKey& k) override {
    return write_seq(ws, [&]() -> Status {
      Stmt e(writer_, "SELECT 1 FROM collections WHERE ws=? AND id=?");
      e.text(ws).text(coll);
      int rc = e.step();
      if (rc == SQLITE_DONE) return Status::Err(Code::not_found, "no such collection");
      if (rc != SQLITE_ROW) return e.error("get collection");
      Stmt q(writer_,
             "INSERT OR REPLACE INTO wrapped_keys(ws, coll, account, generation, wrapped) "
             "VALUES(?,?,?,?,?)");
      q.text(ws).text(coll).text(k.account_id).i64(k.generation).blob(k.wrapped);
      if (q.step() != SQLITE_DONE) return q.error("put key");
      return {};
    }, Change{0, "key", coll, "", k.account_id + ":" + std::to_string(k.generation)});
  }
  Result<std::vector<WrappedKey>> list_wrapped_keys(const std::string& ws, const std::string& coll,
                                                    const std::string& account) override {
    using V = std::vector<WrappedKey>;
    return read<V>([&](Conn& c) -> Result<V> {
      Stmt q(c,
             "SELECT account, generation, wrapped FROM wrapped_keys WHERE ws=? AND coll=? AND "
             "(?='' OR account=?) ORDER BY account, generation");
      q.text(ws).text(coll).text(account).text(account);
      V out;
      int rc;
      while ((rc = q.step()) == SQLITE_ROW)
        out.push_back(WrappedKey{q.col_text(0), q.col_i64(1), q.col_blob(2)});
      if (rc != SQLITE_DONE) return q.error("list keys");
      return out;
    });
  }

  // -- agent grants
  Result<std::int64_t> put_grant(const std::string& ws, const GrantRecord& g) override {
    return write_seq(ws, [&]() -> Status {
      Stmt q(writer_,
             "INSERT INTO grants(ws, id, issuer, agent_key, record, revocation, seq) "
             "VALUES(?,?,?,?,?,?,(SELECT seq+1 FROM workspaces WHERE id=?))");
      q.text(ws).text(g.grant_id).text(g.issuer).blob(g.agent_key).blob(g.record).blob(Bytes{}).text(ws);
      int rc = q.step();
      if (rc == SQLITE_CONSTRAINT) return Status::Err(Code::exists, "grant exists");
      if (rc != SQLITE_DONE) return q.error("put grant");
      return {};
    }, Change{0, "grant", "", "", g.grant_id});
  }
  static GrantRecord grant_from(const Stmt& q) {
    return GrantRecord{q.col_text(0), q.col_text(1), q.col_blob(2), q.col_blob(3), q.col_blob(4), q.col_i64(5)};
  }
  Result<GrantRecord> get_grant(const std::string& ws, const std::string& id) override {
    return read<GrantRecord>([&](Conn& c) -> Result<GrantRecord> {
      Stmt q(c, "SELECT id, issuer, agent_key, record, revocation, seq FROM grants WHERE ws=? AND id=?");
      q.text(ws).text(id);
      int rc = q.step();
      if (rc == SQLITE_DONE) return Status::Err(Code::not_found, "no such grant");
      if (rc != SQLITE_ROW) return q.error("get grant");
      return grant_from(q);
    });
  }
  Result<std::vector<GrantRecord>> list_grants(const std::string& ws, const std::string& after,
                                               int limit) override {
    using V = std::vector<GrantRecord>;
    return read<V>([&](Conn& c) -> Result<V> {
      Stmt q(c,
             "SELECT id, issuer, agent_key, record, revocation, seq FROM grants WHERE ws=? AND id>? "
             "ORDER BY id LIMIT ?");
      q.text(ws).text(after).i64(limit);
      V out;
      int rc;
      while ((rc = q.step()) == SQLITE_ROW) out.push_back(grant_from(q));
      if (rc != SQLITE_DONE) return q.error("list grants");
      return out;
    });
  }
  Result<std::int64_t> revoke_grant(const std::string& ws, const std::string& id,
                                    const Bytes& revocation) override {
    return write_seq(ws, [&]() -> Status {
      Stmt q(writer_,
             "UPDATE grants SET revocation=?, seq=(SELECT seq+1 FROM workspaces WHERE id=?) "
             "WHERE ws=? AND id=?");
      q.blob(revocation).text(ws).text(ws).text(id);
      if (q.step() != SQLITE_DONE) return q.error("revoke grant");
      if (sqlite3_changes(writer_.db()) == 0) return Status::Err(Code::not_found, "no such grant");
      Stmt t(writer_, "UPDATE tokens SET revoked=1 WHERE token_id=? AND scoped=1");
      t.text(id);
      if (t.step() != SQLITE_DONE) return t.error("revoke token");
      return {};
    }, Change{0, "grant", "", "", id});
  }

  // -- pages
  Result<Head> get_head(const std::string& ws, const std::string& coll,
                        const std::string& page) override {
    return read<Head>([&](Conn& c) -> Result<Head> { return head_on(c, ws, coll, page); });
  }
  Result<std::vector<Head>> list_heads(const std::string& ws, const std::string& coll,
                                       const std::string& after, int limit) override {
    using V = std::vector<Head>;
    return read<V>([&](Conn& c) -> Result<V> {
      Stmt q(c,
             "SELECT page, revision, seq FROM heads WHERE ws=? AND coll=? AND page>? "
             "ORDER BY page LIMIT ?");
      q.text(ws).text(coll).text(after).i64(limit);
      V out;
      int rc;
      while ((rc = q.step()) == SQLITE_ROW)
        out.push_back(Head{q.col_text(0), q.col_text(1), q.col_i64(2)});
      if (rc != SQLITE_DONE) return q.error("list heads");
      return out;
    });
  }
  Result<CasResult> cas_head(const std::string& ws, const std::string& coll,
                             const std::string& page, const std::optional<std::string>& expected,
                             const std::string& revision, const Bytes& record,
                             const Charge& charge) override {
    CasResult out;
    Status s = write([&]() -> Status { return cas_on(ws, coll, page, expected, revision, record, charge, out); });
    if (!s.ok()) {
      Result<CasResult> r(std::move(s));
      r.value.current = out.current;
      return r;
    }
    return out;
  }
  Result<std::vector<CreatedPage>> create_pages(const std::string& ws, const std::string& coll,
                                                const std::vector<NewPage>& pages,
                                                const Charge& charge) override {
    std::vector<CreatedPage> out(pages.size());
    Status s = write([&]() -> Status {
      for (std::size_t i = 0; i < pages.size(); ++i) {
        const NewPage& p = pages[i];
        auto h = head_on(writer_, ws, coll, p.page);
        if (h.ok()) {
          out[i].current = h.value;
          continue;
        }
        if (h.status.code != Code::not_found) return h.status;
        if (auto b = put_blob_on(ws, p.blob_id, p.blob, charge); !b.ok()) return b.status;
        CasResult cr;
        if (auto c = cas_on(ws, coll, p.page, std::nullopt, p.revision, p.record, charge, cr); !c.ok())
          return c;
        out[i].created = true;
        out[i].seq = cr.seq;
      }
      return {};
    });
    if (!s.ok()) return s;
    return out;
  }
  Result<Revision> get_revision(const std::string& ws, const std::string& coll,
                                const std::string& page, const std::string& revision) override {
    return read<Revision>([&](Conn& c) -> Result<Revision> {
      Stmt q(c,
             "SELECT record, seq FROM revisions WHERE ws=? AND coll=? AND page=? AND revision=?");
      q.text(ws).text(coll).text(page).text(revision);
      int rc = q.step();
      if (rc == SQLITE_DONE) return Status::Err(Code::not_found, "no such revision");
      if (rc != SQLITE_ROW) return q.error("get revision");
      return Revision{revision, q.col_blob(0), q.col_i64(1)};
    });
  }
  Result<std::vector<Revision>> list_revisions(const std::string& ws, const std::string& coll,
                                               const std::string& page, std::int64_t after_seq,
                                               int limit) override {
    using V = std::vector<Revision>;
    return read<V>([&](Conn& c) -> Result<V> {
      Stmt q(c,
             "SELECT revision, seq FROM revisions WHERE ws=? AND coll=? AND page=? AND seq>? "
             "ORDER BY seq LIMIT ?");
      q.text(ws).text(coll).text(page).i64(after_seq).i64(limit);
      V out;
      int rc;
      while ((rc = q.step()) == SQLITE_ROW) out.push_back(Revision{q.col_text(0), {}, q.col_i64(1)});
      if (rc != SQLITE_DONE) return q.error("list revisions");
      return out;
    });
  }
  Result<std::vector<Change>> changes(const std::string& ws, std::int64_t since,
                                      int limit) override {
    using V = std::vector<Change>;
    return read<V>([&](Conn& c) -> Result<V> {
      Stmt q(c,
             "SELECT seq, kind, coll, page, ref FROM changes WHERE ws=? AND seq>? ORDER BY seq "
             "LIMIT ?");
      q.text(ws).i64(since).i64(limit);
      V out;
      int rc;
      while ((rc = q.step()) == SQLITE_ROW)
        out.push_back(
            Change{q.col_i64(0), q.col_text(1), q.col_text(2), q.col_text(3), q.col_text(4)});
      if (rc != SQLITE_DONE) return q.error("changes");
      return out;
    });
  }

  // -- blobs
  Result<bool> put_blob(const std::string& ws, const std::string& id, const Bytes& data,
                        const Charge& charge) override {
    bool added = false;
    Status s = write([&]() -> Status {
      auto r = put_blob_on(ws, id, data, charge);
      added = r.value;
      return r.status;
    });
    if (!s.ok()) return s;
    return added;
  }
  Result<Bytes> get_blob(const std::string& id) override {
    return read<Bytes>([&](Conn& c) -> Result<Bytes> {
      Stmt q(c, "SELECT data FROM blobs WHERE id=?");
      q.text(id);
      int rc = q.step();
      if (rc == SQLITE_DONE) return Status::Err(Code::not_found, "no such blob");
      if (rc != SQLITE_ROW) return q.error("get blob");
      return q.col_blob(0);
    });
  }
  Result<std::int64_t> blob_size(const std::string& id) override {
    return read<std::int64_t>([&](Conn& c) -> Result<std::int64_t> {
      Stmt q(c, "SELECT length(data) FROM blobs WHERE id=?");
      q.text(id);
      int rc = q.step();
      if (rc == SQLITE_DONE) return Status::Err(Code::not_found, "no such blob");
      if (rc != SQLITE_ROW) return q.error("blob size");
      return q.col_i64(0);
    });
  }

  Status ping() override {
    auto r = read<int>([&](Conn& c) -> Result<int> {
      Stmt q(c, "SELECT 1");
      if (q.step() != SQLITE_ROW) return q.error("ping");
      return 1;
    });
    return r.status;
  }
  Status integrity_check() override {
    std::lock_guard lock(write_mu_);
    Stmt q(writer_, "PRAGMA integrity_check");
    std::string result;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      if (!result.empty()) result += "; ";
      result += q.col_text(0);
    }
    if (rc != SQLITE_DONE) return q.error("integrity_check");
    if (result != "ok") return Status::Err(Code::corrupt, "integrity_check: " + result);
    return {};
  }

 private:
  // The body of cas_head, inside a write. On a mismatch: Code::conflict with out.current.
  Status cas_on(const std::string& ws, const std::string& coll, const std::string& page,
                const std::optional<std::string>& expected, const std::string& revision,
                const Bytes& record, const Charge& charge, CasResult& out) {
    Stmt e(writer_, "SELECT 1 FROM collections WHERE ws=? AND id=?");
    e.text(ws).text(coll);
    int rc = e.step();
    if (rc == SQLITE_DONE) return Status::Err(Code::not_found, "no such collection");
    if (rc != SQLITE_ROW) return e.error("get collection");
    auto h = head_on(writer_, ws, coll, page);
    if (!h.ok() && h.status.code != Code::not_found) return h.status;
    const bool exists = h.ok();
    const bool matches = expected ? (exists && h.value.revision == *expected) : !exists;
    if (!matches) {
      if (exists) out.current = h.value;
      return Status::Err(Code::conflict, "head changed");
    }
    Stmt r(writer_, "SELECT 1 FROM revisions WHERE ws=? AND coll=? AND page=? AND revision=?");
    r.text(ws).text(coll).text(page).text(revision);
    rc = r.step();
    if (rc == SQLITE_ROW) return Status::Err(Code::exists, "the page already has this revision");
    if (rc != SQLITE_DONE) return r.error("get revision");
    if (auto c = charge_on(charge, static_cast<std::int64_t>(record.size())); !c.ok()) return c;
    auto seq = add_change(ws, Change{0, "page", coll, page, revision});
    if (!seq.ok()) return seq.status;
    Stmt i(writer_, "INSERT INTO revisions(ws, coll, page, revision, record, seq) VALUES(?,?,?,?,?,?)");
    i.text(ws).text(coll).text(page).text(revision).blob(record).i64(seq.value);
    if (i.step() != SQLITE_DONE) return i.error("insert revision");
    Stmt u(writer_, "INSERT OR REPLACE INTO heads(ws, coll, page, revision, seq) VALUES(?,?,?,?,?)");
    u.text(ws).text(coll).text(page).text(revision).i64(seq.value);
    if (u.step() != SQLITE_DONE) return u.error("put head");
    out.created = !exists;
    out.seq = seq.value;
    return {};
  }

  // The body of put_blob, inside a write: true if the workspace's reference is new.
  Result<bool> put_blob_on(const std::string& ws, const std::string& id, const Bytes& data,
                           const Charge& charge) {
    Stmt w(writer_, "SELECT 1 FROM workspaces WHERE id=?");
    w.text(ws);
    int rc = w.step();
    if (rc == SQLITE_DONE) return Status::Err(Code::not_found, "no such workspace");
    if (rc != SQLITE_ROW) return w.error("get workspace");
    Stmt r(writer_, "SELECT 1 FROM blob_refs WHERE ws=? AND id=?");
    r.text(ws).text(id);
    rc = r.step();
    if (rc == SQLITE_ROW) return false;
    if (rc != SQLITE_DONE) return r.error("get blob ref");
    if (auto c = charge_on(charge, static_cast<std::int64_t>(data.size())); !c.ok()) return c;
    Stmt b(writer_, "INSERT OR IGNORE INTO blobs(id, data) VALUES(?,?)");
    b.text(id).blob(data);
    if (b.step() != SQLITE_DONE) return b.error("insert blob");
    Stmt i(writer_, "INSERT INTO blob_refs(ws, id, account) VALUES(?,?,?)");
    i.text(ws).text(id).text(charge.account_id);
    if (i.step() != SQLITE_DONE) return i.error("insert blob ref");
    return true;
  }

  Result<Head> head_on(Conn& c, const std::string& ws, const std::string& coll,
                       const std::string& page) {
    Stmt q(c, "SELECT revision, seq FROM heads WHERE ws=? AND coll=? AND page=?");
    q.text(ws).text(coll).text(page);
    int rc = q.step();
    if (rc == SQLITE_DONE) return Status::Err(Code::not_found, "no such page");
    if (rc != SQLITE_ROW) return q.error("get head");
    return Head{page, q.col_text(0), q.col_i64(1)};
  }

  // REQUIRES: inside write(). Adds `cost` bytes to the account's usage within its quota.
  Status charge_on(const Charge& charge, std::int64_t cost) {
    Stmt q(writer_, "SELECT used_bytes FROM accounts WHERE id=?");
    q.text(charge.account_id);
    int rc = q.step();
    if (rc == SQLITE_DONE) return Status::Err(Code::not_found, "no such account");
    if (rc != SQLITE_ROW) return q.error("get usage");
    if (charge.quota > 0 && q.col_i64(0) + cost > charge.quota)
      return Status::Err(Code::quota, "storage quota exceeded");
    Stmt u(writer_, "UPDATE accounts SET used_bytes=used_bytes+? WHERE id=?");
    u.i64(cost).text(charge.account_id);
    if (u.step() != SQLITE_DONE) return u.error("charge");
    return {};
  }

  // REQUIRES: inside write(). Assigns the workspace's next sequence number to `c`.
  Result<std::int64_t> add_change(const std::string& ws, Change c) {
    Stmt u(writer_, "UPDATE workspaces SET seq=seq+1 WHERE id=? RETURNING seq");
    u.text(ws);
    int rc = u.step();
    if (rc == SQLITE_DONE) return Status::Err(Code::not_found, "no such workspace");
    if (rc != SQLITE_ROW) return u.error("next seq");
    c.seq = u.col_i64(0);
    while (rc == SQLITE_ROW) rc = u.step();
    Stmt i(writer_, "INSERT INTO changes(ws, seq, kind, coll, page, ref) VALUES(?,?,?,?,?,?)");
    i.text(ws).i64(c.seq).text(c.kind).text(c.collection_id).text(c.page_id).text(c.ref);
    if (i.step() != SQLITE_DONE) return i.error("insert change");
    return c.seq;
  }

  // Runs `fn` as one atomic unit of work that is durable when this returns ok.
  //
  // Group commit (the leader/follower scheme of LevelDB's writer queue): concurrent writers
  // queue their work; one of them, the leader, runs the whole queue in a single transaction,
  // each unit inside its own SAVEPOINT (a failing unit rolls back alone), then COMMITs once
  // (one fsync) and wakes the others. Nobody's call returns before the commit that holds it.
  template <class F>
  Status write(F&& fn) {
    Job job;
    job.fn = std::function<Status()>(std::forward<F>(fn));
    std::unique_lock lk(queue_mu_);
    queue_.push_back(&job);
    while (!job.done && leader_active_) queue_cv_.wait(lk);
    if (job.done) return job.result;
    leader_active_ = true;
    while (!job.done) {
      std::vector<Job*> batch;
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
      lk.unlock();
      run_batch(batch);
      lk.lock();
      for (Job* j : batch) j->done = true;
      queue_cv_.notify_all();
    }
    leader_active_ = false;
    queue_cv_.notify_all();
    return job.result;
  }

  struct Job {
    std::function<Status()> fn;
    Status result;
    bool done = false;
  };
  static constexpr std::size_t kMaxBatch = 64;

  void run_batch(const std::vector<Job*>& batch) {
    std::lock_guard lock(write_mu_);
    if (auto s = writer_.exec("BEGIN IMMEDIATE"); !s.ok()) {
      for (Job* j : batch) j->result = s;
      return;
    }
    for (Job* j : batch) {
      if (auto s = writer_.exec("SAVEPOINT unit"); !s.ok()) {
        j->result = s;
        continue;
      }
      try {
        j->result = j->fn();
      } catch (...) {  // never leave followers waiting on a leader that unwound
        j->result = Status::Err(Code::io, "write failed");
      }
      if (!j->result.ok()) writer_.exec("ROLLBACK TO unit");
      writer_.exec("RELEASE unit");
    }
    if (auto c = writer_.exec("COMMIT"); !c.ok()) {
      writer_.exec("ROLLBACK");
      for (Job* j : batch)
        if (j->result.ok()) j->result = c;
    }
  }

  // A write that also records a change; returns its seq.
  template <class F>
  Result<std::int64_t> write_seq(const std::string& ws, F&& fn, Change c) {
    std::int64_t seq = 0;
    Status s = write([&]() -> Status {
      if (auto st = fn(); !st.ok()) return st;
      auto r = add_change(ws, c);
      if (!r.ok()) return r.status;
      seq = r.value;
      return {};
    });
    if (!s.ok()) return s;
    return seq;
  }

  // Runs `fn` on a pooled reader connection.
  template <class T, class F>
  Result<T> read(F&& fn) {
    std::unique_ptr<Conn> c;
    {
      std::lock_guard lock(pool_mu_);
      if (!pool_.empty()) {
        c = std::move(pool_.back());
        pool_.pop_back();
      }
    }
    if (!c) {
      c = std::make_unique<Conn>();
      if (auto s = c->open(path_, false); !s.ok()) return s;
    }
    Result<T> r = fn(*c);
    std::lock_guard lock(pool_mu_);
    if (pool_.size() < 16) pool_.push_back(std::move(c));
    return r;
  }

  Status migrate() {
    std::int64_t version = 0;
    {
      Stmt v(writer_, "PRAGMA user_version");
      if (v.step() != SQLITE_ROW) return v.error("user_version");
      version = v.col_i64(0);
    }
    if (version > kSchemaVersion)
      return Status::Err(Code::corrupt, "database schema is newer than this server");
    for (std::int64_t i = version; i < kSchemaVersion; ++i) {
      Status s = write([&]() -> Status {
        if (auto e = writer_.exec(kMigrations[i]); !e.ok()) return e;
        const std::string set = "PRAGMA user_version=" + std::to_string(i + 1);
        return writer_.exec(set.c_str());
      });
      if (!s.ok()) return s;
    }
    return {};
  }

  std::string path_;
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Job*> queue_;
  bool leader_active_ = false;
  std::mutex write_mu_;
  Conn writer_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Conn>> pool_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& dir) {
  auto store = std::make_unique<SqliteStore>(dir + "/zkwiki.sqlite3");
  if (auto s = store->open(); !s.ok()) return s;
  if (auto s = store->integrity_check(); !s.ok()) return s;
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace zkwiki::server

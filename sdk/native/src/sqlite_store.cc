#include "zkwiki/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace zkwiki {
namespace {

using Bytes = LocalStore::Bytes;

// Migrations: kMigrations[i] brings the schema from version i to i + 1. A rowid table (not
// WITHOUT ROWID) because values include sealed pages, far larger than a page's 1/20th.
constexpr const char* kMigrations[] = {
    "CREATE TABLE entries(tbl TEXT NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL,"
    " PRIMARY KEY(tbl, key))",
};
static_assert(std::size(kMigrations) == SqliteLocalStore::kSchemaVersion);

enum Statement : std::size_t { kGet, kPut, kErase, kScanFrom, kScanRange, kBegin, kCommit, kRollback, kCount };
constexpr std::array<const char*, kCount> kSql = {
    "SELECT value FROM entries WHERE tbl = ?1 AND key = ?2",
    "INSERT INTO entries(tbl, key, value) VALUES(?1, ?2, ?3)"
    " ON CONFLICT(tbl, key) DO UPDATE SET value = excluded.value",
    "DELETE FROM entries WHERE tbl = ?1 AND key = ?2",
    "SELECT key, value FROM entries WHERE tbl = ?1 AND key >= ?2 ORDER BY key",
    "SELECT key, value FROM entries WHERE tbl = ?1 AND key >= ?2 AND key < ?3 ORDER BY key",
    "BEGIN IMMEDIATE",
    "COMMIT",
    "ROLLBACK",
};

// SQLite binds a null pointer as NULL, not as an empty blob.
const std::uint8_t kEmpty = 0;

// The smallest byte string greater than every string starting with `prefix`; empty if none
// (the prefix is empty or all 0xff).
std::string prefix_upper_bound(std::string_view prefix) {
  std::string upper(prefix);
  while (!upper.empty() && static_cast<unsigned char>(upper.back()) == 0xff) upper.pop_back();
  if (!upper.empty()) upper.back() = static_cast<char>(static_cast<unsigned char>(upper.back()) + 1);
  return upper;
}

Error errno_error(const std::string& what, const std::string& path) {
  return make_error(Errc::io, "local store " + path + ": " + what + ": " + std::strerror(errno));
}

// Creates the missing directories of `dir` with mode 0700; existing ones are left as they are.
Result<void> make_private_dirs(const std::filesystem::path& dir) {
  if (dir.empty()) return {};
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return {};
  ZKWIKI_TRY(make_private_dirs(dir.parent_path()));
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return errno_error("cannot create directory", dir);
  return {};
}

// Creates the database file with mode 0600 unless it exists. SQLite gives the -wal and -shm
// files the mode of the database file.
Result<void> create_private_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return {};
    return errno_error("cannot create", path);
  }
  if (::fchmod(fd, 0600) != 0) {  // in case the umask was unusual
    Error e = errno_error("cannot set mode 0600 on", path);
    ::close(fd);
    return e;
  }
  ::close(fd);
  return {};
}

}  // namespace

struct SqliteLocalStore::Impl {
  std::string path;
  sqlite3* db = nullptr;
  std::array<sqlite3_stmt*, kCount> statements{};
  bool in_transaction = false;

  ~Impl() {
    for (auto* st : statements) sqlite3_finalize(st);
    sqlite3_close_v2(db);
  }

  Error error(const std::string& what) const {
    return make_error(Errc::io, "local store " + path + ": " + what + ": " +
                                    (db ? sqlite3_errmsg(db) : "out of memory"));
  }

  Result<void> exec(const char* sql, const char* what) {
    char* message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      std::string m = message ? message : sqlite3_errmsg(db);
      sqlite3_free(message);
      return make_error(Errc::io, "local store " + path + ": " + what + ": " + m);
    }
    return {};
  }

  // Every row of a one-column pragma, as text.
  Result<std::vector<std::string>> pragma(const char* sql, const char* what) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) return error(what);
    std::vector<std::string> rows;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      auto text = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      rows.emplace_back(text ? text : "");
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return error(what);
    return rows;
  }

  Result<int> pragma_int(const char* sql, const char* what) {
    ZKWIKI_ASSIGN(auto rows, pragma(sql, what));
    if (rows.size() != 1) return make_error(Errc::io, "local store " + path + ": " + what + ": no result");
    return std::atoi(rows[0].c_str());
  }

  Result<void> integrity_check() {
    ZKWIKI_ASSIGN(auto rows, pragma("PRAGMA integrity_check", "integrity check"));
    if (rows.size() == 1 && rows[0] == "ok") return {};
    // One problem per line (the first row may hold several, after a "*** in database" header).
    std::vector<std::string> problems;
    for (const auto& row : rows) {
      std::size_t start = 0;
      while (start <= row.size()) {
        std::size_t end = std::min(row.find('\n', start), row.size());
        std::string line = row.substr(start, end - start);
        if (!line.empty() && !line.starts_with("***")) problems.push_back(std::move(line));
        start = end + 1;
      }
    }
    std::string message = "local store " + path + " is corrupt:";
    for (std::size_t i = 0; i < problems.size() && i < 3; ++i) message += (i ? "; " : " ") + problems[i];
    if (problems.size() > 3) message += " (and " + std::to_string(problems.size() - 3) + " more problems)";
    return make_error(Errc::io, std::move(message));
  }

  // Brings an empty file to the current schema; refuses files of other programs or versions.
  Result<void> migrate() {
    ZKWIKI_ASSIGN(int version, pragma_int("PRAGMA user_version", "reading the schema version"));
    if (version > kSchemaVersion)
      return make_error(Errc::unsupported_version,
                        "local store " + path + " has schema version " + std::to_string(version) +
                            "; this build reads up to " + std::to_string(kSchemaVersion) + " (written by a newer zkwiki)");
    if (version == kSchemaVersion) return check_application_id();
    ZKWIKI_TRY(exec("BEGIN IMMEDIATE", "starting the schema migration"));
    auto r = [&]() -> Result<void> {
      // Another connection may have migrated between our read and our lock.
      ZKWIKI_ASSIGN(int v, pragma_int("PRAGMA user_version", "reading the schema version"));
      if (v == 0) {
        ZKWIKI_ASSIGN(auto objects, pragma("SELECT name FROM sqlite_schema", "reading the schema"));
        if (!objects.empty())
          return make_error(Errc::io, "local store " + path + ": not a zkwiki local store (it holds other tables)");
        ZKWIKI_TRY(exec(("PRAGMA application_id = " + std::to_string(kApplicationId)).c_str(),
                        "setting the application id"));
      } else {
        ZKWIKI_TRY(check_application_id());
      }
      for (int i = v; i < kSchemaVersion; ++i) ZKWIKI_TRY(exec(kMigrations[i], "migrating the schema"));
      return exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str(), "setting the schema version");
    }();
    if (!r) {
      (void)exec("ROLLBACK", "rolling back the schema migration");
      return r;
    }
    return exec("COMMIT", "committing the schema migration");
  }

  Result<void> check_application_id() {
    ZKWIKI_ASSIGN(int id, pragma_int("PRAGMA application_id", "reading the application id"));
    if (id != kApplicationId)
      return make_error(Errc::io, "local store " + path + ": not a zkwiki local store (application id " +
                                      std::to_string(id) + ")");
    return {};
  }

  Result<void> prepare_all() {
    for (std::size_t i = 0; i < kCount; ++i) {
      if (sqlite3_prepare_v3(db, kSql[i], -1, SQLITE_PREPARE_PERSISTENT, &statements[i], nullptr) != SQLITE_OK)
        return error("preparing statements");
    }
    return {};
  }

  // A prepared statement, reset and unbound when the use ends.
  class Use {
   public:
    Use(Impl& impl, Statement s) : st_(impl.statements[s]) {}
    ~Use() {
      sqlite3_reset(st_);
      sqlite3_clear_bindings(st_);
    }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    void text(int i, std::string_view s) {
      sqlite3_bind_text(st_, i, s.empty() ? "" : s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
    }
    void blob(int i, std::span<const std::uint8_t> b) {
      sqlite3_bind_blob64(st_, i, b.empty() ? &kEmpty : b.data(), b.size(), SQLITE_STATIC);
    }
    void blob(int i, std::string_view s) {
      blob(i, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
    }
    int step() { return sqlite3_step(st_); }
    Bytes column_bytes(int i) const {
      auto p = static_cast<const std::uint8_t*>(sqlite3_column_blob(st_, i));
      auto n = static_cast<std::size_t>(sqlite3_column_bytes(st_, i));
      return p ? Bytes(p, p + n) : Bytes();
    }
    std::string column_string(int i) const {
      auto p = static_cast<const char*>(sqlite3_column_blob(st_, i));
      auto n = static_cast<std::size_t>(sqlite3_column_bytes(st_, i));
      return p ? std::string(p, n) : std::string();
    }

   private:
    sqlite3_stmt* st_;
  };

  Result<void> run(Statement s, const char* what) {
    Use u(*this, s);
    if (u.step() != SQLITE_DONE) return error(what);
    return {};
  }
};

SqliteLocalStore::SqliteLocalStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteLocalStore::~SqliteLocalStore() = default;

Result<std::unique_ptr<SqliteLocalStore>> SqliteLocalStore::open(const std::string& path) {
  return open(path, kDefaultBusyTimeout);
}

Result<std::unique_ptr<SqliteLocalStore>> SqliteLocalStore::open(const std::string& path,
                                                                 std::chrono::milliseconds busy_timeout) {
  if (path.empty()) return make_error(Errc::invalid_argument, "local store: empty path");
  ZKWIKI_TRY(make_private_dirs(std::filesystem::path(path).parent_path()));
  ZKWIKI_TRY(create_private_file(path));

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  // The file exists now; never let SQLite create one elsewhere (or with its default mode).
  int rc = sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) return impl->error("cannot open");
  sqlite3_busy_timeout(impl->db, static_cast<int>(busy_timeout.count()));

  // The first statement reads the header: a file that is not a database fails here.
  ZKWIKI_ASSIGN(auto mode, impl->pragma("PRAGMA journal_mode = WAL", "cannot open"));
  if (mode.size() != 1 || mode[0] != "wal")
    return make_error(Errc::io, "local store " + path + ": cannot enable WAL (journal mode is " +
                                    (mode.empty() ? std::string("unknown") : mode[0]) + ")");
  ZKWIKI_TRY(impl->exec("PRAGMA synchronous = FULL", "setting synchronous=FULL"));
  ZKWIKI_TRY(impl->integrity_check());
  ZKWIKI_TRY(impl->migrate());
  ZKWIKI_TRY(impl->prepare_all());
  return std::unique_ptr<SqliteLocalStore>(new SqliteLocalStore(std::move(impl)));
}

Result<std::optional<Bytes>> SqliteLocalStore::get(std::string_view table, std::string_view key) {
  Impl::Use u(*impl_, kGet);
  u.text(1, table);
  u.blob(2, key);
  int rc = u.step();
  if (rc == SQLITE_DONE) return std::optional<Bytes>{};
  if (rc != SQLITE_ROW) return impl_->error("get");
  return std::optional<Bytes>(u.column_bytes(0));
}

Result<void> SqliteLocalStore::put(std::string_view table, std::string_view key,
                                   std::span<const std::uint8_t> value) {
  Impl::Use u(*impl_, kPut);
  u.text(1, table);
  u.blob(2, key);
  u.blob(3, value);
  if (u.step() != SQLITE_DONE) return impl_->error("put");
  return {};
}

Result<void> SqliteLocalStore::erase(std::string_view table, std::string_view key) {
  Impl::Use u(*impl_, kErase);
  u.text(1, table);
  u.blob(2, key);
  if (u.step() != SQLITE_DONE) return impl_->error("erase");
  return {};
}

Result<std::vector<std::pair<std::string, Bytes>>> SqliteLocalStore::scan(std::string_view table,
                                                                          std::string_view prefix) {
  const std::string upper = prefix_upper_bound(prefix);
  Impl::Use u(*impl_, upper.empty() ? kScanFrom : kScanRange);
  u.text(1, table);
  u.blob(2, prefix);
  if (!upper.empty()) u.blob(3, std::string_view(upper));
  std::vector<std::pair<std::string, Bytes>> out;
  int rc;
  while ((rc = u.step()) == SQLITE_ROW) out.emplace_back(u.column_string(0), u.column_bytes(1));
  if (rc != SQLITE_DONE) return impl_->error("scan");
  return out;
}

Result<void> SqliteLocalStore::transaction(const std::function<Result<void>()>& body) {
  if (impl_->in_transaction) return make_error(Errc::invalid_argument, "LocalStore transactions do not nest");
  ZKWIKI_TRY(impl_->run(kBegin, "begin transaction"));
  // Rolls back unless committed, also if body throws.
  struct Guard {
    Impl& impl;
    bool done = false;
    ~Guard() {
      impl.in_transaction = false;
      if (!done && !sqlite3_get_autocommit(impl.db)) (void)impl.run(kRollback, "rollback");
    }
  } guard{*impl_};
  impl_->in_transaction = true;
  auto r = body();
  if (!r) return r;
  auto committed = impl_->run(kCommit, "commit");
  guard.done = committed.ok();
  return committed;
}

}  // namespace zkwiki

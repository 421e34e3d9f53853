// SqliteLocalStore, plain and wrapped in SealedLocalStore: the LocalStore contract, durability
// (reopen, kill -9 of a writer), integrity, private file modes, clear errors on corrupt, foreign,
// newer or locked files, and no plaintext anywhere in the files of a sealed store.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "support/local_store_contract.h"
#include "zkwiki/sealed_store.h"
#include "zkwiki/sqlite_store.h"

namespace zkwiki {
namespace {

using test::bytes_of;
using test::ScratchDir;
namespace fs = std::filesystem;

Secret store_key(std::uint8_t fill = 9) {
  std::vector<std::uint8_t> k(SealedLocalStore::kKeyBytes, fill);
  return Secret::from_bytes(k);
}

std::string db_path(const fs::path& dir) { return (dir / "local.db").string(); }

struct SqliteFactory {
  static constexpr const char* kName = "sqlite";
  static Result<std::unique_ptr<LocalStore>> open(const fs::path& dir) {
    ZKWIKI_ASSIGN(auto s, SqliteLocalStore::open(db_path(dir)));
    return std::unique_ptr<LocalStore>(std::move(s));
  }
};

struct SealedSqliteFactory {
  static constexpr const char* kName = "sealed-sqlite";
  static Result<std::unique_ptr<LocalStore>> open(const fs::path& dir) {
    ZKWIKI_ASSIGN(auto inner, SqliteLocalStore::open(db_path(dir)));
    ZKWIKI_ASSIGN(auto s, SealedLocalStore::open(std::move(inner), store_key()));
    return std::unique_ptr<LocalStore>(std::move(s));
  }
};

struct FactoryName {
  template <class F>
  static std::string GetName(int) { return F::kName; }
};

using DiskStores = ::testing::Types<SqliteFactory, SealedSqliteFactory>;
}  // namespace
// The suite lives in zkwiki::test; its instantiation must be in the same namespace.
namespace test {
INSTANTIATE_TYPED_TEST_SUITE_P(Disk, LocalStoreContract, DiskStores, FactoryName);
}  // namespace test
namespace {

// --- raw SQLite, to look at the file without the code under test ----------------------------

// Runs `sql` on the file directly; returns the rows (column 0 as text) or "error: ...".
std::vector<std::string> raw_query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::vector<std::string> rows;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    rows.push_back(std::string("error: ") + sqlite3_errmsg(db));
  } else {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      rows.push_back(std::string("error: ") + sqlite3_errmsg(db));
    } else {
      int rc;
      while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        auto t = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        rows.emplace_back(t ? t : "");
      }
      if (rc != SQLITE_DONE) rows.push_back(std::string("error: ") + sqlite3_errmsg(db));
      sqlite3_finalize(st);
    }
  }
  sqlite3_close(db);
  return rows;
}

// Runs several statements; returns "" or the error message.
std::string raw_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string result;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    result = sqlite3_errmsg(db);
  } else {
    char* message = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) result = message ? message : "?";
    sqlite3_free(message);
  }
  sqlite3_close(db);
  return result;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_at(const fs::path& p, std::size_t offset, const std::string& bytes) {
  std::fstream f(p, std::ios::binary | std::ios::in | std::ios::out);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

// --- durability: a suite for the stores that persist ----------------------------------------

template <class F>
class PersistentStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<LocalStore> open_store() {
    auto s = F::open(dir_.path());
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return s.ok() ? std::move(s).value() : nullptr;
  }
  ScratchDir dir_;
};
TYPED_TEST_SUITE_P(PersistentStoreTest);

TYPED_TEST_P(PersistentStoreTest, DataSurvivesReopen) {
  {
    auto s = this->open_store();
    ASSERT_NE(s, nullptr);
    ASSERT_TRUE(s->put("pages", "a.md", bytes_of("alpha")).ok());
    ASSERT_TRUE(s->transaction([&]() -> Result<void> {
      ZKWIKI_TRY(s->put("pages", "b.md", bytes_of("beta")));
      return s->put("queue", "0001", bytes_of("edit b.md"));
    }).ok());
    ASSERT_TRUE(s->put("pages", "gone.md", bytes_of("x")).ok());
    ASSERT_TRUE(s->erase("pages", "gone.md").ok());
  }
  auto s = this->open_store();
  ASSERT_NE(s, nullptr);
  auto pages = s->scan("pages", {});
  ASSERT_TRUE(pages.ok());
  ASSERT_EQ(pages->size(), 2u);
  EXPECT_EQ((*pages)[0].first, "a.md");
  EXPECT_EQ((*pages)[0].second, bytes_of("alpha"));
  EXPECT_EQ((*pages)[1].second, bytes_of("beta"));
  EXPECT_EQ(s->get("queue", "0001")->value(), bytes_of("edit b.md"));
  EXPECT_FALSE(s->get("pages", "gone.md")->has_value());
}

TYPED_TEST_P(PersistentStoreTest, RolledBackTransactionIsAbsentAfterReopen) {
  {
    auto s = this->open_store();
    ASSERT_NE(s, nullptr);
    ASSERT_TRUE(s->put("state", "head", bytes_of("1")).ok());
    auto r = s->transaction([&]() -> Result<void> {
      ZKWIKI_TRY(s->put("state", "head", bytes_of("2")));
      ZKWIKI_TRY(s->put("queue", "x", bytes_of("y")));
      return make_error(Errc::expired, "session expired");
    });
    ASSERT_EQ(r.error().code, Errc::expired);
  }
  auto s = this->open_store();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->get("state", "head")->value(), bytes_of("1"));
  EXPECT_TRUE(s->scan("queue", {})->empty());
}

TYPED_TEST_P(PersistentStoreTest, TwoOpenStoresShareOneFile) {
  auto a = this->open_store();
  auto b = this->open_store();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(a->put("state", "k", bytes_of("from a")).ok());
  EXPECT_EQ(b->get("state", "k")->value(), bytes_of("from a"));
  ASSERT_TRUE(b->put("state", "k", bytes_of("from b")).ok());
  EXPECT_EQ(a->get("state", "k")->value(), bytes_of("from b"));
}

// A second process opens the store while this one has it open: both see each other's commits.
// (The child is forked before this process opens the store: an SQLite connection must not cross
// a fork.)
TYPED_TEST_P(PersistentStoreTest, SecondProcessSharesTheStore) {
  int go[2];
  ASSERT_EQ(::pipe(go), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(go[1]);
    char byte = 0;
    if (::read(go[0], &byte, 1) != 1) ::_exit(1);
    auto child = TypeParam::open(this->dir_.path());
    if (!child) ::_exit(2);
    auto seen = (*child)->get("state", "parent");
    if (!seen || !seen->has_value() || **seen != bytes_of("from the parent")) ::_exit(3);
    if (!(*child)->put("state", "child", bytes_of("from the child")).ok()) ::_exit(4);
    ::_exit(0);
  }
  ::close(go[0]);
  auto s = this->open_store();
  const bool opened = s && s->put("state", "parent", bytes_of("from the parent")).ok();
  // Lets the child go; if this side failed, closing the pipe ends the child (its read sees EOF).
  if (opened) {
    EXPECT_EQ(::write(go[1], "g", 1), 1);
  }
  ::close(go[1]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(opened);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << "the second process failed (see the exit codes in the test)";
  EXPECT_EQ(s->get("state", "child")->value(), bytes_of("from the child"));
}

std::string log_key(std::uint32_t i) {
  char k[16];
  std::snprintf(k, sizeof k, "%08u", i);
  return k;
}
std::vector<std::uint8_t> log_value(std::uint32_t i) {
  std::vector<std::uint8_t> v(200);
  for (std::size_t j = 0; j < v.size(); ++j) v[j] = static_cast<std::uint8_t>(i * 31 + j);
  return v;
}
std::uint32_t decode_u32(const std::vector<std::uint8_t>& b) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < b.size() && i < 4; ++i) v |= std::uint32_t{b[i]} << (8 * i);
  return v;
}

// A child process writes a stream of transactions (each: one log entry + the "last" counter),
// reporting each committed number through a pipe; it is killed with SIGKILL mid-stream. Every
// reported transaction must be there after reopening, and none half-applied. Three rounds, each
// continuing the stream of the one before.
TYPED_TEST_P(PersistentStoreTest, KilledWriterLosesNoCommittedTransaction) {
  std::uint32_t reported = 0;
  for (int round = 0; round < 3; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      auto opened = TypeParam::open(this->dir_.path());
      if (!opened) ::_exit(2);
      LocalStore& s = **opened;
      auto last = s.get("state", "last");
      if (!last) ::_exit(3);
      for (std::uint32_t i = last->has_value() ? decode_u32(**last) + 1 : 1;; ++i) {
        auto r = s.transaction([&]() -> Result<void> {
          ZKWIKI_TRY(s.put("log", log_key(i), log_value(i)));
          const std::uint8_t counter[4] = {static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(i >> 8),
                                           static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 24)};
          return s.put("state", "last", counter);
        });
        if (!r) ::_exit(4);
        if (::write(fds[1], &i, sizeof i) != sizeof i) ::_exit(5);
      }
    }
    ::close(fds[1]);
    // Let it commit for a while (at least a few transactions), then kill it without warning.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(400);
    std::uint32_t got = 0, round_count = 0;
    while (std::chrono::steady_clock::now() < deadline || round_count < 5) {
      pollfd p{fds[0], POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      ssize_t n = ::read(fds[0], &got, sizeof got);
      if (n != sizeof got) break;
      reported = got;
      ++round_count;
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "writer exited on its own with status " << WEXITSTATUS(status);
    while (::read(fds[0], &got, sizeof got) == sizeof got) reported = got;  // reported before death
    ::close(fds[0]);

    // The file is sound, looked at without the code under test.
    EXPECT_EQ(raw_query(db_path(this->dir_.path()), "PRAGMA integrity_check"), std::vector<std::string>{"ok"});

    auto s = this->open_store();
    ASSERT_NE(s, nullptr);
    auto last = s->get("state", "last");
    ASSERT_TRUE(last.ok() && last->has_value());
    const std::uint32_t committed = decode_u32(**last);
    EXPECT_GE(committed, reported) << "a transaction reported as committed is missing";
    EXPECT_LE(committed, reported + 1) << "more committed than the writer could have finished";
    auto log = s->scan("log", {});
    ASSERT_TRUE(log.ok()) << log.error().message;
    ASSERT_EQ(log->size(), committed) << "a transaction was half applied";
    for (std::uint32_t i = 1; i <= committed; ++i) {
      ASSERT_EQ((*log)[i - 1].first, log_key(i));
      ASSERT_EQ((*log)[i - 1].second, log_value(i));
    }
    std::printf("[          ] %s round %d: %u transactions reported, %u committed\n", TypeParam::kName, round,
                round_count, committed);
  }
}

REGISTER_TYPED_TEST_SUITE_P(PersistentStoreTest, DataSurvivesReopen, RolledBackTransactionIsAbsentAfterReopen,
                            TwoOpenStoresShareOneFile, SecondProcessSharesTheStore,
                            KilledWriterLosesNoCommittedTransaction);
INSTANTIATE_TYPED_TEST_SUITE_P(Disk, PersistentStoreTest, DiskStores, FactoryName);

// --- the SQLite file itself --------------------------------------------------------------------

class SqliteStoreTest : public ::testing::Test {
 protected:
  // Creates a store with `n` entries and closes it.
  void make_store(int n) {
    auto s = SqliteLocalStore::open(path_);
    ASSERT_TRUE(s.ok()) << s.error().message;
    ASSERT_TRUE((*s)->transaction([&]() -> Result<void> {
      for (int i = 0; i < n; ++i) ZKWIKI_TRY((*s)->put("objects", log_key(i), log_value(i)));
      return {};
    }).ok());
  }
  ScratchDir dir_;
  std::string path_ = db_path(dir_.path());
};

TEST_F(SqliteStoreTest, FilesAndNewDirectoriesArePrivate) {
  const mode_t old_umask = ::umask(0);  // SQLite's own default would then be 0644
  const fs::path nested = dir_.path() / "home" / ".zkwiki";
  const std::string path = (nested / "local.db").string();
  auto s = SqliteLocalStore::open(path);
  ::umask(old_umask);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_TRUE((*s)->put("state", "k", bytes_of("v")).ok());
  EXPECT_EQ(mode_of(dir_.path() / "home"), 0700u);
  EXPECT_EQ(mode_of(nested), 0700u);
  EXPECT_EQ(mode_of(path), 0600u);
  ASSERT_TRUE(fs::exists(path + "-wal"));
  EXPECT_EQ(mode_of(path + "-wal"), 0600u);
  EXPECT_EQ(mode_of(path + "-shm"), 0600u);
}

TEST_F(SqliteStoreTest, OpensInWalModeWithSchemaVersionAndIntegrity) {
  make_store(10);
  EXPECT_EQ(raw_query(path_, "PRAGMA journal_mode"), std::vector<std::string>{"wal"});
  EXPECT_EQ(raw_query(path_, "PRAGMA user_version"), std::vector<std::string>{"1"});
  EXPECT_EQ(raw_query(path_, "PRAGMA application_id"), std::vector<std::string>{std::to_string(0x7a6b774c)});
  EXPECT_EQ(raw_query(path_, "PRAGMA integrity_check"), std::vector<std::string>{"ok"});
  EXPECT_TRUE(SqliteLocalStore::open(path_).ok());
}

struct Corruption {
  const char* name;
  void (*apply)(const fs::path& db);
};

TEST_F(SqliteStoreTest, CorruptFileIsAClearErrorNotACrash) {
  const Corruption cases[] = {
      {"garbage", [](const fs::path& db) {
         std::string junk(8192, '\0');
         for (std::size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<char>(i * 7 + 3);
         std::ofstream(db, std::ios::binary | std::ios::trunc) << junk;
       }},
      {"text file", [](const fs::path& db) { std::ofstream(db, std::ios::trunc) << "# my notes\nnot a database\n"; }},
      {"header overwritten", [](const fs::path& db) { write_at(db, 0, std::string(100, '\xff')); }},
      {"b-tree page headers overwritten", [](const fs::path& db) {
         for (std::size_t page = 1; page < 6; ++page) write_at(db, page * 4096, std::string(64, '\x5a'));
       }},
      {"truncated to half", [](const fs::path& db) { fs::resize_file(db, fs::file_size(db) / 2); }},
      {"truncated mid-page", [](const fs::path& db) { fs::resize_file(db, 4096 * 3 + 1000); }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    fs::remove(path_);
    make_store(2000);
    ASSERT_FALSE(fs::exists(path_ + "-wal")) << "the WAL should be checkpointed on close";
    c.apply(path_);
    auto s = SqliteLocalStore::open(path_);
    ASSERT_FALSE(s.ok()) << "a corrupt store opened";
    EXPECT_EQ(s.error().code, Errc::io);
    EXPECT_NE(s.error().message.find(path_), std::string::npos) << s.error().message;
    std::printf("[          ] %s: %s\n", c.name, s.error().message.c_str());
    // And through the sealed wrapper, the same error.
    auto sealed = SealedSqliteFactory::open(dir_.path());
    ASSERT_FALSE(sealed.ok());
    EXPECT_EQ(sealed.error().code, Errc::io);
  }
}

TEST_F(SqliteStoreTest, ForeignDatabaseIsRefusedAndLeftAlone) {
  EXPECT_TRUE(raw_query(path_, "CREATE TABLE notes(x)").empty());
  auto s = SqliteLocalStore::open(path_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::io);
  EXPECT_NE(s.error().message.find("not a zkwiki local store"), std::string::npos) << s.error().message;
  EXPECT_EQ(raw_query(path_, "SELECT name FROM sqlite_schema"), std::vector<std::string>{"notes"});
}

TEST_F(SqliteStoreTest, NewerSchemaIsUnsupportedVersion) {
  make_store(1);
  EXPECT_TRUE(raw_query(path_, "PRAGMA user_version = 7").empty());
  auto s = SqliteLocalStore::open(path_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::unsupported_version);
  EXPECT_NE(s.error().message.find("newer"), std::string::npos) << s.error().message;
}

TEST_F(SqliteStoreTest, MissingParentThatIsAFileIsAClearError) {
  std::ofstream(dir_.path() / "file") << "x";
  auto s = SqliteLocalStore::open((dir_.path() / "file" / "local.db").string());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::io);
}

TEST_F(SqliteStoreTest, LockedStoreFailsClearlyAfterTheBusyTimeout) {
  make_store(1);
  auto a = SqliteLocalStore::open(path_);
  ASSERT_TRUE(a.ok());
  auto b = SqliteLocalStore::open(path_, std::chrono::milliseconds(100));
  ASSERT_TRUE(b.ok()) << b.error().message;
  Result<void> blocked;
  std::optional<LocalStore::Bytes> seen;
  auto r = (*a)->transaction([&]() -> Result<void> {
    ZKWIKI_TRY((*a)->put("state", "k", bytes_of("a's")));
    const auto start = std::chrono::steady_clock::now();
    blocked = (*b)->put("state", "k", bytes_of("b's"));
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(90));
    auto g = (*b)->get("state", "k");  // readers are not blocked by a writer (WAL)
    if (g) seen = *g;
    return {};
  });
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code, Errc::io);
  EXPECT_NE(blocked.error().message.find("locked"), std::string::npos) << blocked.error().message;
  EXPECT_FALSE(seen.has_value());
  // Once the writer is done, the second store writes.
  ASSERT_TRUE((*b)->put("state", "k", bytes_of("b's")).ok());
  EXPECT_EQ((*a)->get("state", "k")->value(), bytes_of("b's"));
}

TEST_F(SqliteStoreTest, ExclusivelyLockedFileFailsToOpenClearly) {
  make_store(1);
  sqlite3* holder = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &holder, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  // In exclusive locking mode a WAL database is locked against every other connection.
  ASSERT_EQ(sqlite3_exec(holder, "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;", nullptr, nullptr, nullptr),
            SQLITE_OK);
  auto s = SqliteLocalStore::open(path_, std::chrono::milliseconds(100));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::io);
  EXPECT_NE(s.error().message.find("locked"), std::string::npos) << s.error().message;
  std::printf("[          ] %s\n", s.error().message.c_str());
  sqlite3_exec(holder, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(holder);
  EXPECT_TRUE(SqliteLocalStore::open(path_).ok());
}

// --- the sealed store on disk --------------------------------------------------------------------

// Distinctive plaintext: paths, titles and bodies that must never be found in the files.
struct Plain {
  std::vector<std::pair<std::string, std::string>> entries;
  Plain() {
    for (int i = 0; i < 200; ++i) {
      std::string path = "projects/quixotic-heliograph/page-" + std::to_string(i) + ".md";
      std::string body = "---\ntitle: Zanzibar Lighthouse Ledger " + std::to_string(i) +
                         "\n---\nThe marmalade cartographer met Wilhelmina at dawn. " + std::string(i * 10, 'q');
      entries.emplace_back(path, body);
    }
  }
  std::vector<std::string> needles() const {
    return {"quixotic-heliograph", "Zanzibar Lighthouse", "marmalade cartographer", "Wilhelmina",
            "page-17.md", "qqqqqqqqqqqqqqqqqqqq"};
  }
};

// Writes the entries (half in one transaction, half one by one) and returns every needle found
// in the store's files while it is open and again after it is closed.
std::vector<std::string> leaked_needles(std::unique_ptr<LocalStore> s, const std::string& path, const Plain& plain) {
  const std::size_t half = plain.entries.size() / 2;
  EXPECT_TRUE(s->transaction([&]() -> Result<void> {
    for (std::size_t i = 0; i < half; ++i)
      ZKWIKI_TRY(s->put("pages", plain.entries[i].first, bytes_of(plain.entries[i].second)));
    return {};
  }).ok());
  for (std::size_t i = half; i < plain.entries.size(); ++i)
    EXPECT_TRUE(s->put("pages", plain.entries[i].first, bytes_of(plain.entries[i].second)).ok());
  EXPECT_TRUE(s->put("state", "title:Zanzibar Lighthouse", bytes_of("Wilhelmina")).ok());
  EXPECT_TRUE(fs::exists(path + "-wal"));
  std::vector<std::string> found;
  auto look = [&](const std::string& file, const char* when) {
    const std::string bytes = read_all(file);
    for (const auto& n : plain.needles())
      if (bytes.find(n) != std::string::npos) found.push_back(n + " in " + file + " (" + when + ")");
  };
  for (const char* suffix : {"", "-wal", "-shm"}) look(path + suffix, "open");
  s.reset();
  look(path, "closed");
  return found;
}

TEST(SealedSqliteStoreTest, NoPlaintextReachesTheDisk) {
  const Plain plain;
  ScratchDir dir;
  auto opened = SealedSqliteFactory::open(dir.path());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto found = leaked_needles(std::move(opened).value(), db_path(dir.path()), plain);
  EXPECT_TRUE(found.empty()) << "plaintext on disk: " << ::testing::PrintToString(found);
}

TEST(SealedSqliteStoreTest, TheLeakDetectorFindsPlaintextInAnUnsealedStore) {
  const Plain plain;
  ScratchDir dir;
  auto opened = SqliteFactory::open(dir.path());
  ASSERT_TRUE(opened.ok());
  auto found = leaked_needles(std::move(opened).value(), db_path(dir.path()), plain);
  // Every needle, both in the WAL while open and in the database after the checkpoint.
  EXPECT_GE(found.size(), 2 * plain.needles().size()) << ::testing::PrintToString(found);
}

TEST(SealedSqliteStoreTest, EntryMovedInsideTheFileFailsAuth) {
  ScratchDir dir;
  const std::string path = db_path(dir.path());
  {
    auto s = SealedSqliteFactory::open(dir.path());
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->put("pages", "a.md", bytes_of("alpha")).ok());
    ASSERT_TRUE((*s)->put("pages", "b.md", bytes_of("beta")).ok());
    ASSERT_TRUE((*s)->put("queue", "q", bytes_of("queued")).ok());
  }
  // Swap the two page values in place, and move the queue entry to another table.
  EXPECT_EQ(raw_exec(path,
                     "CREATE TEMP TABLE old AS SELECT rowid AS r, value FROM entries WHERE tbl = 'pages';"
                     "UPDATE entries SET value = (SELECT value FROM old WHERE old.r != entries.rowid)"
                     " WHERE tbl = 'pages';"
                     "UPDATE entries SET tbl = 'state' WHERE tbl = 'queue';"),
            "");
  auto s = SealedSqliteFactory::open(dir.path());
  ASSERT_TRUE(s.ok()) << s.error().message;
  for (std::string_view key : {"a.md", "b.md"}) {
    auto r = (*s)->get("pages", key);
    ASSERT_FALSE(r.ok()) << key;
    EXPECT_EQ(r.error().code, Errc::auth_failed);
  }
  auto moved = (*s)->scan("state", {});
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.error().code, Errc::auth_failed);
}

TEST(SealedSqliteStoreTest, WrongKeyIsAuthFailed) {
  ScratchDir dir;
  {
    auto s = SealedSqliteFactory::open(dir.path());
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->put("pages", "a.md", bytes_of("alpha")).ok());
  }
  auto inner = SqliteLocalStore::open(db_path(dir.path()));
  ASSERT_TRUE(inner.ok());
  auto wrong = SealedLocalStore::open(std::move(inner).value(), store_key(10));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, Errc::auth_failed);
  auto right = SealedSqliteFactory::open(dir.path());
  ASSERT_TRUE(right.ok());
  EXPECT_EQ((*right)->get("pages", "a.md")->value(), bytes_of("alpha"));
}

}  // namespace
}  // namespace zkwiki

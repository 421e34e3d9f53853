// Durability and concurrency against the real process: CAS races from many connections, and
// kill -9 under a stream of writes with every acknowledged write checked after restart.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <unistd.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "client.h"

namespace zkwiki::test {
namespace {

struct Fixture {
  TempDir dir;
  std::string data() const { return dir.path() + "/data"; }
  TestAccount owner = new_account();
  std::string ws = random_id(), coll = random_id();

  std::string page_path(const std::string& page) const {
    return "/v1/workspaces/" + ws + "/collections/" + coll + "/pages/" + page;
  }
  bool setup(HttpClient& c) {
    return register_and_login(c, owner) &&
           c.json_request("POST", "/v1/workspaces", {{"workspace_id", ws}, {"record", b64(workspace_record(owner, ws))}},
                          owner.token).status == 201 &&
           c.json_request("POST", "/v1/workspaces/" + ws + "/collections",
                          {{"collection_id", coll}, {"record", b64("c")}}, owner.token).status ==
               201;
  }
  // The signed record of `page` at revision `n` after `parent` (64 hex; "" for the first).
  std::string rec(const std::string& page, std::uint64_t n, const std::string& parent,
                  const std::string& content) const {
    return revision_record(owner, ws, coll, page, n, parent, content);
  }
  // Writes `record` with If-Match: "<expected>" (or If-None-Match: * when `expected` is empty).
  HttpResponse put(HttpClient& c, const std::string& page, const std::string& record,
                   const std::string& expected) {
    HeaderList h;
    if (expected.empty())
      h.emplace_back("If-None-Match", "*");
    else
      h.emplace_back("If-Match", "\"" + expected + "\"");
    return c.json_request("PUT", page_path(page),
                          {{"revision", blob_id(record)}, {"record", b64(record)}}, owner.token, h);
  }
  // Every seq from 1 to the workspace's last appears exactly once in the change feed.
  void expect_gapless_feed(HttpClient& c) {
    std::int64_t since = 0, expect = 1;
    while (true) {
      auto r = c.json_request("GET", "/v1/workspaces/" + ws + "/changes?limit=1000&since=" +
                                         std::to_string(since), nullptr, owner.token);
      ASSERT_EQ(r.status, 200);
      auto j = r.json_body();
      for (auto& ch : j["changes"]) EXPECT_EQ(ch["seq"].get<std::int64_t>(), expect++);
      since = j["next"].get<std::int64_t>();
      if (!j["more"].get<bool>()) break;
    }
    auto w = c.json_request("GET", "/v1/workspaces/" + ws, nullptr, owner.token);
    EXPECT_EQ(w.json_body()["seq"].get<std::int64_t>(), expect - 1);
  }
};

TEST(Durability, ConcurrentCasHasExactlyOneWinnerPerRound) {
  Fixture f;
  ServerProcess s;
  ASSERT_TRUE(s.start(f.data(), {"--threads", "2"})) << s.error();
  HttpClient c(s.host(), s.port());
  ASSERT_TRUE(f.setup(c));
  const std::string page = random_id();
  const std::string first = f.rec(page, 1, "", "round -1");
  ASSERT_EQ(f.put(c, page, first, "").status, 201);

  constexpr int kWriters = 12, kRounds = 25;
  std::string current = blob_id(first);
  std::mutex mu;
  std::vector<int> winners(kRounds, 0), losers(kRounds, 0), other(kRounds, 0);
  std::vector<std::int64_t> seqs;
  std::vector<std::string> winning_rev(kRounds);
  std::barrier sync(kWriters, [&]() noexcept {});
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&, t] {
      HttpClient mine(s.host(), s.port());
      for (int r = 0; r < kRounds; ++r) {
        std::string expected;
        {
          std::lock_guard lock(mu);
          expected = current;
        }
        sync.arrive_and_wait();  // everyone holds the same head, then all race
        // Every writer's record names the head it holds as its parent: revision r + 2.
        const std::string record =
            f.rec(page, static_cast<std::uint64_t>(r) + 2, expected,
                  "round " + std::to_string(r) + " writer " + std::to_string(t));
        auto res = f.put(mine, page, record, expected);
        {
          std::lock_guard lock(mu);
          if (res.status == 200) {
            ++winners[r];
            seqs.push_back(res.json_body()["seq"].get<std::int64_t>());
            winning_rev[r] = blob_id(record);
          } else if (res.status == 412) {
            ++losers[r];
          } else {
            ++other[r];
          }
        }
        sync.arrive_and_wait();  // the round is over
        {
          std::lock_guard lock(mu);
          if (t == 0) current = winning_rev[r];
        }
        sync.arrive_and_wait();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int r = 0; r < kRounds; ++r) {
    EXPECT_EQ(winners[r], 1) << "round " << r;
    EXPECT_EQ(losers[r], kWriters - 1) << "round " << r;
    EXPECT_EQ(other[r], 0) << "round " << r;
  }
  std::set<std::int64_t> unique(seqs.begin(), seqs.end());
  EXPECT_EQ(unique.size(), seqs.size());
  auto head = c.json_request("GET", f.page_path(page), nullptr, f.owner.token);
  EXPECT_EQ(head.json_body()["revision"], winning_rev.back());
  auto hist = c.json_request("GET", f.page_path(page) + "/revisions?limit=1000", nullptr,
                             f.owner.token);
  EXPECT_EQ(hist.json_body()["revisions"].size(), static_cast<size_t>(kRounds + 1));
  f.expect_gapless_feed(c);
  EXPECT_EQ(s.terminate(), 0);
}

std::string integrity(const std::string& db_path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return "cannot open";
  }
  std::string out;
  sqlite3_exec(
      db, "PRAGMA integrity_check",
      [](void* p, int, char** v, char**) {
        *static_cast<std::string*>(p) += v[0] ? v[0] : "";
        return 0;
      },
      &out, nullptr);
  sqlite3_close(db);
  return out;
}

TEST(Durability, KillDashNineKeepsEveryAcknowledgedWrite) {
  Fixture f;
  constexpr int kKills = 20, kPageWriters = 4;
  std::vector<std::string> pages;
  for (int i = 0; i < kPageWriters; ++i) pages.push_back(random_id());
  // Per page: every acknowledged revision, and the last one (with its number).
  std::vector<std::vector<std::string>> acked(kPageWriters);
  std::vector<std::string> last(kPageWriters);
  // Per page: writes sent after last[w] whose answer never came (the server was killed): any one
  // of them may have committed. A round can end before a writer learns of it (its first request
  // of the round fails too), so there can be several, each naming last[w] as its parent.
  std::vector<std::set<std::string>> unanswered(kPageWriters);
  std::vector<std::uint64_t> last_n(kPageWriters, 0);  // the revision number of last[w]
  std::vector<std::string> acked_blobs;
  std::mt19937 rng(12345);
  int total_acks = 0;

  for (int round = 0; round < kKills; ++round) {
    ServerProcess s;
    ASSERT_TRUE(s.start(f.data(), {"--threads", "2"})) << s.error();
    if (round == 0) {
      HttpClient c(s.host(), s.port());
      ASSERT_TRUE(f.setup(c));
    }
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int w = 0; w < kPageWriters; ++w) {
      threads.emplace_back([&, w] {
        HttpClient c(s.host(), s.port());
        for (int n = 0; !stop; ++n) {
          const std::string record =
              f.rec(pages[w], last_n[w] + 1, last[w],
                    "kill round " + std::to_string(round) + " page " + std::to_string(w) +
                        " write " + std::to_string(n) +
                        std::string(static_cast<size_t>(n % 7) * 300, 'x'));
          auto r = f.put(c, pages[w], record, last[w]);
          if (r.status == 200 || r.status == 201) {
            acked[w].push_back(blob_id(record));
            last[w] = blob_id(record);
            ++last_n[w];
            unanswered[w].clear();
          } else if (r.status == 412) {
            // A write in flight at an earlier kill committed but was never acknowledged: it is
            // the head now, and the next record follows it.
            last[w] = r.json_body()["current"]["revision"].get<std::string>();
            EXPECT_TRUE(unanswered[w].count(last[w])) << "page " << w << ": a head nobody sent";
            ++last_n[w];
            unanswered[w].clear();
          } else {
            unanswered[w].insert(blob_id(record));
            return;  // the server is gone
          }
        }
      });
    }
    threads.emplace_back([&] {
      HttpClient c(s.host(), s.port());
      for (int n = 0; !stop; ++n) {
        const std::string data = "blob " + std::to_string(round) + "/" + std::to_string(n) +
                                 std::string(4096, static_cast<char>('a' + n % 26));
        auto r = c.request("PUT", "/v1/workspaces/" + f.ws + "/blobs/" + blob_id(data), data,
                           {{"Authorization", "Bearer " + f.owner.token}});
        if (r.status == 201 || r.status == 200)
          acked_blobs.push_back(data);
        else
          return;
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 350));
    s.kill9();
    stop = true;
    for (auto& t : threads) t.join();
    ASSERT_EQ(integrity(f.data() + "/zkwiki.sqlite3"), "ok") << "after kill " << round;
  }
  for (auto& a : acked) total_acks += static_cast<int>(a.size());
  EXPECT_GT(total_acks, kKills * kPageWriters) << "the writers barely wrote";

  ServerProcess s;
  ASSERT_TRUE(s.start(f.data())) << s.error();
  HttpClient c(s.host(), s.port());
  for (int w = 0; w < kPageWriters; ++w) {
    auto head = c.json_request("GET", f.page_path(pages[w]), nullptr, f.owner.token);
    ASSERT_EQ(head.status, 200);
    const std::string rev = head.json_body()["revision"];
    EXPECT_TRUE(rev == last[w] || unanswered[w].count(rev)) << "page " << w;
    std::set<std::string> history;
    std::string cursor = "0";
    while (true) {
      auto h = c.json_request("GET", f.page_path(pages[w]) + "/revisions?limit=1000&cursor=" + cursor,
                              nullptr, f.owner.token);
      ASSERT_EQ(h.status, 200);
      const json body = h.json_body();
      for (auto& e : body["revisions"]) history.insert(e["revision"].get<std::string>());
      if (body["next"].is_null()) break;
      cursor = std::to_string(body["next"].get<std::int64_t>());
    }
    size_t lost = 0;
    for (auto& a : acked[w]) lost += history.count(a) ? 0 : 1;
    EXPECT_EQ(lost, 0u) << "page " << w << ": lost acknowledged revisions; history has " << history.size() << ", acked " << acked[w].size();
  }
  for (auto& b : acked_blobs) {
    auto r = c.request("GET", "/v1/blobs/" + blob_id(b));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, b);
  }
  f.expect_gapless_feed(c);
  EXPECT_EQ(s.terminate(), 0);
  EXPECT_EQ(integrity(f.data() + "/zkwiki.sqlite3"), "ok");
  std::printf("[          ] %d acknowledged page writes and %zu blobs survived %d kills\n",
              total_acks, acked_blobs.size(), kKills);
}

// A real full disk: the server's data directory on a 4 MiB tmpfs (needs CAP_SYS_ADMIN; skipped
// without it). Writes past the end fail with 507 storage_full, the server stays up and keeps
// serving, every write acknowledged before is intact, and it restarts on the full disk cleanly.
TEST(Durability, AFullDiskIs507StorageFullAndNothingEarlierIsDamaged) {
  Fixture f;
  const std::string mnt = f.dir.path() + "/small-disk";
  std::filesystem::create_directories(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=4m") != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here (" << std::strerror(errno) << "); the injected-error path is "
                 << "StoreTest.QuotaRefusesWithoutDamage";
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{mnt};
  const std::string data = mnt + "/data";
  std::vector<std::string> acked;
  std::mt19937 rng(7);
  auto random_blob = [&] {
    std::string b(64 * 1024, '\0');
    for (auto& ch : b) ch = static_cast<char>(rng());
    return b;
  };
  {
    ServerProcess s;
    ASSERT_TRUE(s.start(data, {"--threads", "2"})) << s.error();
    HttpClient c(s.host(), s.port());
    ASSERT_TRUE(f.setup(c));
    const std::string page = random_id();
    ASSERT_EQ(f.put(c, page, f.rec(page, 1, "", "before the disk filled"), "").status, 201);
    HttpResponse failed;
    for (int i = 0; i < 200; ++i) {
      std::string b = random_blob();
      auto r = c.request("PUT", "/v1/workspaces/" + f.ws + "/blobs/" + blob_id(b), b,
                         {{"Authorization", "Bearer " + f.owner.token}});
      if (r.status == 201 || r.status == 200) {
        acked.push_back(std::move(b));
        continue;
      }
      failed = r;
      break;
    }
    ASSERT_NE(failed.status, 0) << "4 MiB took 200 blobs of 64 KiB";
    EXPECT_EQ(failed.status, 507) << failed.body;
    EXPECT_EQ(failed.json_body()["error"]["code"], "storage_full") << failed.body;
    EXPECT_GT(acked.size(), 5u);
    // Still up: reads work, a page write fails the same clear way or succeeds, never a 500.
    EXPECT_EQ(c.request("GET", "/v1/health").status, 200);
    const std::string next = f.rec(page, 2, blob_id(f.rec(page, 1, "", "before the disk filled")), "after");
    auto w = f.put(c, page, next, blob_id(f.rec(page, 1, "", "before the disk filled")));
    EXPECT_TRUE(w.status == 200 || w.status == 507) << w.status << " " << w.body;
    for (const auto& b : acked) {
      auto r = c.request("GET", "/v1/blobs/" + blob_id(b));
      ASSERT_EQ(r.status, 200);
      EXPECT_EQ(r.body, b);
    }
    EXPECT_EQ(s.terminate(), 0);
  }
  EXPECT_EQ(integrity(data + "/zkwiki.sqlite3"), "ok");
  ServerProcess again;
  ASSERT_TRUE(again.start(data)) << again.error();
  HttpClient c(again.host(), again.port());
  for (const auto& b : acked) EXPECT_EQ(c.request("GET", "/v1/blobs/" + blob_id(b)).body, b);
  f.expect_gapless_feed(c);
  EXPECT_EQ(again.terminate(), 0);
}

}  // namespace
}  // namespace zkwiki::test

// The client end to end against a real zkwiki-server: devices, history, merges, the offline
// queue, and a server that lies (through a tampering transport).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <optional>

#include "client_fixture.h"
#include "zkwiki/encoding.h"
#include <nlohmann/json.hpp>

namespace zkwiki {
namespace {

const std::string kNotes =
    "---\ntitle: Alpha notes\ntags: [alpha, plans]\n---\n# Alpha\n\nline one\nline two\nline three\n"
    "line four\nline five\n\nSee [[Roadmap]] and [beta](../beta.md).\n";

TEST_F(ClientTest, AnotherDeviceSeesWhatOneWrote) {
  ASSERT_TRUE(a_->write("projects/alpha/notes.md", kNotes).ok());
  ASSERT_TRUE(a_->write("projects/roadmap.md", "# Roadmap\n\nShip it.\n").ok());
  auto b = login_b(options());
  ASSERT_TRUE(b);
  auto s = b->sync();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->pages_updated, 2u);
  EXPECT_TRUE(s->quarantined.empty());
  auto pages = b->list("projects/");
  ASSERT_TRUE(pages.ok());
  ASSERT_EQ(pages->size(), 2u);
  EXPECT_EQ((*pages)[0].path, "projects/alpha/notes.md");
  EXPECT_EQ((*pages)[0].title, "Alpha notes");
  EXPECT_EQ((*pages)[0].tags, (std::vector<std::string>{"alpha", "plans"}));
  EXPECT_EQ(body_of(*b, "projects/alpha/notes.md"), kNotes);  // front matter kept byte for byte
}

TEST_F(ClientTest, HistoryLogDiffAndRestore) {
  const std::string path = "notes.md";
  ASSERT_TRUE(a_->write(path, "one\ntwo\nthree\n").ok());
  ASSERT_TRUE(a_->write(path, "one\n2\nthree\n").ok());
  auto same = a_->write(path, "one\n2\nthree\n");
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->unchanged);
  auto log = a_->log(path);
  ASSERT_TRUE(log.ok()) << log.error().message;
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ((*log)[1].revision, 2u);
  EXPECT_EQ((*log)[1].author, a_->fingerprint());
  auto d = a_->diff(path);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(*d, "--- a/notes.md\n+++ b/notes.md\n@@ -1,3 +1,3 @@\n one\n-two\n+2\n three\n");
  auto r = a_->restore(path, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->revision, 3u);
  EXPECT_EQ(body_of(*a_, path), "one\ntwo\nthree\n");
  auto old = a_->read(path, 2);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->body, "one\n2\nthree\n");
}

TEST_F(ClientTest, MoveRemoveAndBacklinks) {
  ASSERT_TRUE(a_->write("projects/alpha/notes.md", kNotes).ok());
  ASSERT_TRUE(a_->write("projects/roadmap.md", "# Roadmap\n").ok());
  ASSERT_TRUE(a_->write("projects/beta.md", "# Beta\n").ok());
  auto back = a_->backlinks("projects/roadmap.md");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, (std::vector<std::string>{"projects/alpha/notes.md"}));  // [[Roadmap]]
  back = a_->backlinks("projects/beta.md");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, (std::vector<std::string>{"projects/alpha/notes.md"}));  // ../beta.md, resolved
  ASSERT_TRUE(a_->move("projects/beta.md", "archive/beta.md").ok());
  EXPECT_EQ(a_->read("projects/beta.md").error().code, Errc::not_found);
  EXPECT_EQ(body_of(*a_, "archive/beta.md"), "# Beta\n");
  ASSERT_TRUE(a_->remove("projects/roadmap.md").ok());
  EXPECT_EQ(a_->read("projects/roadmap.md").error().code, Errc::not_found);
  auto old = a_->read("projects/roadmap.md", 1);  // history stays readable
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->body, "# Roadmap\n");
  auto list = a_->list();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 2u);
  auto b = login_b(options());
  ASSERT_TRUE(b->sync().ok());
  EXPECT_EQ(b->list()->size(), 2u);
}

TEST_F(ClientTest, ConcurrentNonOverlappingEditsMerge) {
  const std::string path = "shared.md";
  ASSERT_TRUE(a_->write(path, "a\nb\nc\nd\ne\nf\ng\n").ok());
  auto b = login_b(options());
  ASSERT_TRUE(b->sync().ok());
  ASSERT_TRUE(a_->write(path, "A\nb\nc\nd\ne\nf\ng\n").ok());
  auto w = b->write(path, "a\nb\nc\nd\ne\nf\nG\n");  // b has not seen a's edit
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_TRUE(w->merged);
  EXPECT_FALSE(w->conflict);
  EXPECT_EQ(body_of(*b, path), "A\nb\nc\nd\ne\nf\nG\n");
  ASSERT_TRUE(a_->sync().ok());
  EXPECT_EQ(body_of(*a_, path), "A\nb\nc\nd\ne\nf\nG\n");
}

TEST_F(ClientTest, OverlappingEditsBecomeAVisibleConflict) {
  const std::string path = "shared.md";
  ASSERT_TRUE(a_->write(path, "title\nsame line\nend\n").ok());
  auto b = login_b(options());
  ASSERT_TRUE(b->sync().ok());
  ASSERT_TRUE(a_->write(path, "title\nedited by a\nend\n").ok());
  auto w = b->write(path, "title\nedited by b\nend\n");
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_TRUE(w->conflict);
  std::string text = body_of(*b, path);
  EXPECT_NE(text.find("edited by a"), std::string::npos);
  EXPECT_NE(text.find("edited by b"), std::string::npos);
  EXPECT_NE(text.find("<<<<<<<"), std::string::npos);
}

// Each device creates the page before it has seen the other's: the server holds two pages
// with one path. Neither may be hidden, and every device must show the same text at the path.
TEST_F(ClientTest, TwoDevicesCreatingOnePathKeepBothPagesVisibleAndAgree) {
  auto b = login_b(options());
  ASSERT_TRUE(b);
  ASSERT_TRUE(a_->write("today.md", "written on a\n").ok());
  ASSERT_TRUE(b->write("today.md", "written on b\n").ok());  // b has not synced
  ASSERT_TRUE(a_->sync().ok());
  ASSERT_TRUE(b->sync().ok());
  auto shown = [](Client& c) {
    std::map<std::string, std::string> out;
    auto pages = c.list();
    EXPECT_TRUE(pages.ok());
    for (const auto& p : *pages) out[p.path] = body_of(c, p.path);
    return out;
  };
  auto on_a = shown(*a_), on_b = shown(*b);
  ASSERT_EQ(on_a.size(), 2u);
  EXPECT_EQ(on_a, on_b);  // the same page at the path on both devices
  std::multiset<std::string> bodies;
  for (const auto& [path, body] : on_a) {
    EXPECT_TRUE(path == "today.md" || path.starts_with("today.md~")) << path;
    bodies.insert(body);
  }
  EXPECT_EQ(bodies, (std::multiset<std::string>{"written on a\n", "written on b\n"}));
  // A device that starts afresh agrees too; editing the second copy settles it at its own path.
  std::string alias;
  for (const auto& [path, body] : on_a)
    if (path != "today.md") alias = path;
  auto w = a_->write(alias, on_a[alias] + "kept\n");
  ASSERT_TRUE(w.ok()) << w.error().message;
  ASSERT_TRUE(b->sync().ok());
  EXPECT_EQ(body_of(*b, alias), on_a[alias] + "kept\n");
  EXPECT_EQ(body_of(*b, "today.md"), on_a["today.md"]);
}

// Pages are text, whichever way they are written (the MCP server's write_page took a NUL byte
// that the CLI refused: a fresh user's report): nothing of a refused write or import is sent.
TEST_F(ClientTest, BodiesThatAreNotTextAreRefusedBeforeAnythingIsWritten) {
  for (const std::string& bad : {std::string("a\0b", 3), std::string("\xff\xfe not utf-8"), std::string("\xed\xa0\x80")}) {
    auto w = a_->write("page.md", bad);
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.error().code, Errc::invalid_argument) << w.error().message;
    std::vector<ImportItem> items{{"fine.md", "x\n"}, {"bad.md", bad}};
    auto i = a_->import(items);
    ASSERT_FALSE(i.ok());
    EXPECT_EQ(i.error().code, Errc::invalid_argument);
    EXPECT_NE(i.error().message.find("bad.md"), std::string::npos) << i.error().message;
  }
  auto list = a_->list();
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
  EXPECT_TRUE(a_->write("page.md", "text, tabs\t and ünïcødé\n").ok());
}

TEST_F(ClientTest, UnusablePathsAreRefusedBeforeAnythingIsWritten) {
  for (const std::string& bad : std::vector<std::string>{"", "/etc/passwd", "../x.md", "a/../../b.md", "./a.md", "a//b.md", "dir/", "a/./b",
                          "tab\tname.md", "new\nline.md", std::string(5000, 'a')}) {
    auto w = a_->write(bad, "text\n");
    ASSERT_FALSE(w.ok()) << "accepted " << bad;
    EXPECT_EQ(w.error().code, Errc::invalid_argument) << bad;
    std::vector<ImportItem> items{{"fine.md", "x\n"}, {bad, "y\n"}};
    auto i = a_->import(items);
    ASSERT_FALSE(i.ok()) << "imported " << bad;
    EXPECT_EQ(i.error().code, Errc::invalid_argument);
  }
  ASSERT_TRUE(a_->write("ok.md", "text\n").ok());
  auto m = a_->move("ok.md", "../escaped.md");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, Errc::invalid_argument);
  auto list = a_->list();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);  // not even fine.md from the refused imports
  EXPECT_EQ((*list)[0].path, "ok.md");
  EXPECT_TRUE(a_->write("ünïcødé/日本語 notes.md", "text\n").ok());
}

TEST_F(ClientTest, DeleteVersusEditIsAConflictNotALoss) {
  const std::string path = "doomed.md";
  ASSERT_TRUE(a_->write(path, "keep\nthis\n").ok());
  auto b = login_b(options());
  ASSERT_TRUE(b->sync().ok());
  ASSERT_TRUE(a_->write(path, "keep\nthis, edited\n").ok());
  auto w = b->remove(path);
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_TRUE(w->conflict);
  EXPECT_NE(body_of(*b, path).find("this, edited"), std::string::npos);
}

TEST_F(ClientTest, SkewedClocksDoNotMatter) {
  auto past = login_b(options(-50LL * 365 * 24 * 3600 * 1000));
  ASSERT_TRUE(a_->write("clock.md", "v1\n").ok());
  ASSERT_TRUE(past->sync().ok());
  ASSERT_TRUE(past->write("clock.md", "v2 from the past\n").ok());
  ASSERT_TRUE(a_->sync().ok());
  EXPECT_EQ(body_of(*a_, "clock.md"), "v2 from the past\n");
  ASSERT_TRUE(a_->write("clock.md", "v3\n").ok());
  ASSERT_TRUE(past->sync().ok());
  EXPECT_EQ(body_of(*past, "clock.md"), "v3\n");
  EXPECT_EQ(past->log("clock.md")->size(), 3u);
}

TEST_F(ClientTest, OfflineEditsQueueDurablyAndReplay) {
  net_a_->offline = true;
  auto w = a_->write("offline.md", "written on a plane\n");
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_TRUE(w->queued);
  AccountId account = a_->account_id();
  a_.reset();  // the process ends; the device store remains
  net_a_->offline = false;
  auto relogged = Client::login(*net_a_, std::make_unique<BorrowedStore>(store_a_), account, kPass, options());
  ASSERT_TRUE(relogged.ok()) << relogged.error().message;
  auto st = (*relogged)->status();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->pending, 1u);
  auto s = (*relogged)->sync();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->replayed, 1u);
  EXPECT_EQ(s->pending, 0u);
  auto b = Client::login(*net_b_, std::make_unique<BorrowedStore>(store_b_), account, kPass, options());
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE((*b)->sync().ok());
  EXPECT_EQ(body_of(**b, "offline.md"), "written on a plane\n");
}

TEST_F(ClientTest, DeviceStoreHoldsNoPlaintext) {
  ASSERT_TRUE(a_->write("secret/plans/world-domination.md", "# Top secret title\n\nthe launch code is 0000\n").ok());
  LocalStore& raw = a_->device_store_for_testing();
  std::string all;
  for (const char* table : {"pages", "records", "objects", "state", "queue"}) {
    auto rows = raw.scan(table, "");
    ASSERT_TRUE(rows.ok());
    for (const auto& [k, v] : *rows) all += k + std::string(v.begin(), v.end());
  }
  EXPECT_FALSE(all.empty());
  for (const char* needle : {"world-domination", "Top secret title", "launch code", "secret/plans"})
    EXPECT_EQ(all.find(needle), std::string::npos) << needle;
}

TEST_F(ClientTest, ImportOverManyConnectionsMatchesPageByPageWrites) {
  ClientOptions o = options();
  std::uint16_t port = server_.port();
  o.connect = [port]() -> Result<std::unique_ptr<Transport>> {
    ZKWIKI_ASSIGN(auto t, HttpTransport::connect_to("http://127.0.0.1:" + std::to_string(port)));
    return std::unique_ptr<Transport>(std::move(t));
  };
  o.upload_connections = 8;
  auto importer = Client::login(*net_b_, std::make_unique<BorrowedStore>(store_b_), a_->account_id(), kPass, o);
  ASSERT_TRUE(importer.ok()) << importer.error().message;
  ASSERT_TRUE(a_->write("dir/page-0.md", "old text\n").ok());
  ASSERT_TRUE((*importer)->sync().ok());
  std::vector<ImportItem> items;
  for (int i = 0; i < 300; ++i)
    items.push_back({"dir/page-" + std::to_string(i) + ".md", "# Page " + std::to_string(i) + "\n\nbody " +
                                                                std::to_string(i * 7) + "\n"});
  std::uint64_t last_progress = 0;
  auto r = (*importer)->import(items, [&](std::uint64_t pages, std::uint64_t) { last_progress = pages; });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->written, 300u);  // 299 new pages and a second revision of dir/page-0.md
  EXPECT_EQ(last_progress, 300u);
  ASSERT_TRUE(a_->sync().ok());
  auto list = a_->list("dir/");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 300u);
  EXPECT_EQ(body_of(*a_, "dir/page-0.md"), "# Page 0\n\nbody 0\n");
  EXPECT_EQ(a_->log("dir/page-0.md")->size(), 2u);
  EXPECT_EQ(body_of(*a_, "dir/page-299.md"), "# Page 299\n\nbody 2093\n");
  EXPECT_EQ((*list)[1].title, "Page 1");
}

TEST_F(ClientTest, ImportWhileOfflineQueuesEverything) {
  net_a_->offline = true;
  std::vector<ImportItem> items{{"x.md", "x\n"}, {"y.md", "y\n"}};
  auto r = a_->import(items);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->queued, 2u);
  net_a_->offline = false;
  auto s = a_->sync();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->replayed, 2u);
  EXPECT_EQ(body_of(*a_, "y.md"), "y\n");
}

TEST_F(ClientTest, AnImportWhoseAnswerWasLostIsNotDuplicated) {
  // The server stores the batch, but its answer never arrives: the client queues the pages.
  net_a_->rewrite = [](const HttpRequest& req, HttpResponse& res) {
    if (req.method == "POST" && req.target.ends_with("/pages")) {
      res.status = 503;
      res.body = R"j({"error":{"code":"unavailable","message":"answer lost (test)"}})j";
    }
  };
  std::vector<ImportItem> items{{"x.md", "x\n"}, {"y.md", "y\n"}};
  auto r = a_->import(items);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->queued, 2u);
  net_a_->rewrite = nullptr;
  // The next sync finds the pages the server did store, and the queued copies of them change
  // nothing: one page per path, at revision 1.
  auto s = a_->sync();
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto pages = a_->list();
  ASSERT_TRUE(pages.ok());
  ASSERT_EQ(pages->size(), 2u);
  for (const auto& p : *pages) EXPECT_EQ(p.revision, 1u) << p.path;
  EXPECT_EQ(body_of(*a_, "x.md"), "x\n");
  auto b = login_b(options());
  ASSERT_TRUE(b->sync().ok());
  EXPECT_EQ(b->list()->size(), 2u);
}

// ---- a hostile server ----

TEST_F(ClientTest, TamperedBlobIsQuarantinedAndTheRestSyncs) {
  ASSERT_TRUE(a_->write("good.md", "fine\n").ok());
  ASSERT_TRUE(a_->write("bad.md", "will be corrupted\n").ok());
  auto b = login_b(options());
  int single_fetches = 0;
  net_b_->rewrite = [&](const HttpRequest& req, HttpResponse& res) {
    if (req.target == "/v1/blobs/batch" && res.body.size() > 40) res.body[res.body.size() - 5] ^= 1;
    // Blobs are fetched in feed order: the second single fetch is bad.md's envelope.
    if (req.method == "GET" && req.target.rfind("/v1/blobs/", 0) == 0 && ++single_fetches == 2)
      res.body[res.body.size() / 2] ^= 1;
  };
  auto s = b->sync();
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->quarantined.size(), 1u);
  EXPECT_NE(s->quarantined[0].find("does not hash"), std::string::npos) << s->quarantined[0];
  EXPECT_EQ(body_of(*b, "good.md"), "fine\n");
  EXPECT_EQ(b->read("bad.md").error().code, Errc::not_found);  // nothing wrong shown
  auto st = b->status();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->quarantined.size(), 1u);
}

TEST_F(ClientTest, RolledBackHeadIsDetected) {
  ASSERT_TRUE(a_->write("page.md", "v1\n").ok());
  auto b = login_b(options());
  ASSERT_TRUE(b->sync().ok());
  auto r1 = b->log("page.md");
  ASSERT_TRUE(a_->write("page.md", "v2\n").ok());
  ASSERT_TRUE(b->sync().ok());
  EXPECT_EQ(body_of(*b, "page.md"), "v2\n");
  // The server now claims the page's head is revision 1 again.
  Hash256 old = (*r1)[0].hash;
  net_b_->rewrite = [&](const HttpRequest& req, HttpResponse& res) {
    if (req.target.find("/changes") != std::string::npos) {
      auto pos = res.body.find("\"revision\":\"");
      if (pos != std::string::npos) res.body.replace(pos + 12, 64, old.hex());
    }
  };
  ASSERT_TRUE(a_->write("page.md", "v3\n").ok());
  auto s = b->sync();
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->quarantined.size(), 1u);
  EXPECT_NE(s->quarantined[0].find("rollback"), std::string::npos);
  EXPECT_EQ(body_of(*b, "page.md"), "v2\n");  // nothing wrong shown
}

TEST_F(ClientTest, RevisionSwappedFromAnotherPageIsRejected) {
  ASSERT_TRUE(a_->write("one.md", "page one\n").ok());
  ASSERT_TRUE(a_->write("two.md", "page two\n").ok());
  auto b = login_b(options());
  auto one = b->sync();  // learn the page ids through a first, honest sync on another device
  ASSERT_TRUE(one.ok());
  auto pages = b->list();
  ASSERT_TRUE(pages.ok());
  std::string one_id = (*pages)[0].id.hex(), two_id = (*pages)[1].id.hex();
  ASSERT_TRUE(a_->write("one.md", "page one, v2\n").ok());
  // A fresh device; the server answers its requests for one.md's records with two.md's.
  MemoryLocalStore fresh;
  auto c = Client::login(*net_b_, std::make_unique<BorrowedStore>(fresh), a_->account_id(), kPass, options());
  ASSERT_TRUE(c.ok());
  // The feed names two.md's revision as one.md's new head, and the server serves two.md's
  // record under one.md's address: it hashes right and is validly signed, but it is another
  // page's.
  std::string two_rev = (*a_->log("two.md"))[0].hash.hex();
  bool swapped_in_batch = false;
  net_b_->rewrite = [&](const HttpRequest& req, HttpResponse& res) {
    if (req.target.ends_with("/revisions/batch")) {
      // The batch answer too: one.md's entry gets two.md's record (same revision id).
      auto j = nlohmann::json::parse(res.body);
      nlohmann::json two_record;
      for (auto& e : j["revisions"])
        if (e["page_id"] == two_id) two_record = e["record"];
      for (auto& e : j["revisions"])
        if (e["page_id"] == one_id && two_record.is_string()) {
          e["status"] = "ok";
          e["record"] = two_record;
          swapped_in_batch = true;
        }
      res.body = j.dump();
      return;
    }
    if (req.target.find("/changes") == std::string::npos) return;
    auto j = nlohmann::json::parse(res.body);
    for (auto& ch : j["changes"])
      if (ch["kind"] == "page" && ch["page_id"] == one_id) ch["revision"] = two_rev;
    res.body = j.dump();
  };
  net_b_->redirect = [&](HttpRequest& req) {
    auto at = req.target.find("/pages/" + one_id + "/revisions/");
    if (at != std::string::npos) req.target.replace(at + 7, 32, two_id);
  };
  auto s = (*c)->sync();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(swapped_in_batch);
  EXPECT_EQ(body_of(**c, "two.md"), "page two\n");
  EXPECT_EQ((*c)->read("one.md").error().code, Errc::not_found);  // nothing wrong shown
  ASSERT_EQ(s->quarantined.size(), 1u);
  EXPECT_NE(s->quarantined[0].find("another page"), std::string::npos) << s->quarantined[0];
}

TEST_F(ClientTest, AFirstSyncFetchesRecordsInBatchesAndAsksAgainForOmittedOnes) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(a_->write("p" + std::to_string(i) + ".md", "text " + std::to_string(i) + "\n").ok());
  // The server's batch answer omits every entry but the first (as when it reaches its size
  // limit); the client asks again for the rest, and never fetches a record alone.
  int batches = 0, singles = 0;
  net_b_->rewrite = [&](const HttpRequest& req, HttpResponse& res) {
    if (req.target.find("/revisions/") != std::string::npos && !req.target.ends_with("/revisions/batch")) ++singles;
    if (!req.target.ends_with("/revisions/batch")) return;
    ++batches;
    auto j = nlohmann::json::parse(res.body);
    for (std::size_t i = 1; i < j["revisions"].size(); ++i) {
      j["revisions"][i]["status"] = "omitted";
      j["revisions"][i].erase("record");
    }
    res.body = j.dump();
  };
  auto b = login_b(options());
  auto s = b->sync();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(s->quarantined.empty()) << s->quarantined[0];
  EXPECT_EQ(s->pages_updated, 5u);
  EXPECT_EQ(batches, 5);  // one more request for each omitted entry
  EXPECT_EQ(singles, 0);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(body_of(*b, "p" + std::to_string(i) + ".md"), "text " + std::to_string(i) + "\n");
}

TEST_F(ClientTest, ChangeFeedThatSkipsSequenceNumbersIsReported) {
  ASSERT_TRUE(a_->write("a.md", "a\n").ok());
  ASSERT_TRUE(a_->write("b.md", "b\n").ok());
  auto b = login_b(options());
  // The server withholds the first page change from the feed.
  net_b_->rewrite = [&](const HttpRequest& req, HttpResponse& res) {
    if (req.target.find("/changes") == std::string::npos) return;
    auto j = nlohmann::json::parse(res.body);
    auto& changes = j["changes"];
    for (auto it = changes.begin(); it != changes.end(); ++it)
      if ((*it)["kind"] == "page") {
        changes.erase(it);
        break;
      }
    res.body = j.dump();
  };
  auto s = b->sync();
  ASSERT_TRUE(s.ok()) << s.error().message;
  bool reported = false;
  for (const auto& q : s->quarantined) reported = reported || q.find("withheld") != std::string::npos;
  EXPECT_TRUE(reported);
}

TEST_F(ClientTest, ChangeFeedThatRepeatsOrGoesBackIsRefused) {
  ASSERT_TRUE(a_->write("a.md", "a\n").ok());
  auto b = login_b(options());
  ASSERT_TRUE(b->sync().ok());
  ASSERT_TRUE(a_->write("a.md", "a2\n").ok());
  // A feed that slips an old sequence number in front of the new changes.
  net_b_->rewrite = [&](const HttpRequest& req, HttpResponse& res) {
    if (req.target.find("/changes?since=") == std::string::npos) return;
    auto j = nlohmann::json::parse(res.body);
    j["changes"].insert(j["changes"].begin(), nlohmann::json{{"seq", 1}, {"kind", "member"}, {"account_id", a_->account_id().hex()}});
    res.body = j.dump();
  };
  auto s = b->sync();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::conflict);
  EXPECT_EQ(body_of(*b, "a.md"), "a\n");
}

TEST_F(ClientTest, ForkedHistoryIsDetected) {
  ASSERT_TRUE(a_->write("f.md", "v1\n").ok());
  auto b = login_b(options());
  ASSERT_TRUE(b->sync().ok());
  // A second device of the same account writes revisions 2' and 3' that a lying server keeps
  // for itself (it answers "accepted" without storing them): a fork it can show others later.
  MemoryLocalStore store_d;
  ControlledTransport net_d(*http_b_);
  auto d = Client::login(net_d, std::make_unique<BorrowedStore>(store_d), a_->account_id(), kPass, options());
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE((*d)->sync().ok());
  std::map<std::string, std::string> hidden;  // target -> body the server kept aside
  net_d.intercept = [&](const HttpRequest& req) -> std::optional<HttpResponse> {
    if (req.method != "PUT") return std::nullopt;
    HttpResponse r;
    r.status = 201;
    if (req.target.find("/blobs/") != std::string::npos) {
      hidden["/v1/blobs/" + req.target.substr(req.target.rfind('/') + 1)] = req.body;
      r.body = "{}";
    } else {
      auto j = nlohmann::json::parse(req.body);
      hidden[req.target + "/revisions/" + j["revision"].get<std::string>()] =
          nlohmann::json{{"page_id", ""}, {"revision", j["revision"]}, {"record", j["record"]}, {"seq", 0}}.dump();
      hidden["head"] = j["revision"];
      r.body = R"({"seq": 1})";
    }
    return r;
  };
  ASSERT_TRUE((*d)->write("f.md", "v2 on the fork\n").ok());
  ASSERT_TRUE((*d)->write("f.md", "v3 on the fork\n").ok());
  // The honest history moves on: a writes revision 2, and b sees it.
  ASSERT_TRUE(a_->write("f.md", "v2\n").ok());
  ASSERT_TRUE(b->sync().ok());
  ASSERT_EQ(body_of(*b, "f.md"), "v2\n");
  // Now the server shows b the forked revision 3' as the page's head.
  ASSERT_TRUE(a_->write("other.md", "x\n").ok());  // something new in the feed
  net_b_->intercept = [&](const HttpRequest& req) -> std::optional<HttpResponse> {
    auto it = hidden.find(req.target);
    if (it == hidden.end()) return std::nullopt;
    HttpResponse r;
    r.status = 200;
    r.body = it->second;
    return r;
  };
  auto f = b->list("f.md");
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->size(), 1u);
  std::string f_id = (*f)[0].id.hex();
  net_b_->rewrite = [&](const HttpRequest& req, HttpResponse& res) {
    if (req.target.find("/changes") == std::string::npos) return;
    auto j = nlohmann::json::parse(res.body);
    for (auto& ch : j["changes"])
      if (ch["kind"] == "page") {  // other.md's change, turned into "f.md is now at 3'"
        ch["page_id"] = f_id;
        ch["revision"] = hidden["head"];
      }
    res.body = j.dump();
  };
  auto s = b->sync();
  ASSERT_TRUE(s.ok()) << s.error().message;
  bool fork = false;
  for (const auto& q : s->quarantined) fork = fork || q.find("fork") != std::string::npos;
  EXPECT_TRUE(fork) << (s->quarantined.empty() ? "nothing quarantined" : s->quarantined[0]);
  EXPECT_EQ(body_of(*b, "f.md"), "v2\n");  // nothing wrong shown
}

TEST_F(ClientTest, ExpiredSessionQueuesEditsAndReplaysThem) {
  // The server starts answering 401 to writes (a revoked or expired session).
  net_a_->rewrite = [&](const HttpRequest& req, HttpResponse& res) {
    if (req.method == "PUT") {
      res.status = 401;
      res.body = R"({"error":{"code":"unauthorized","message":"session expired"}})";
    }
  };
  auto w = a_->write("kept.md", "not lost\n");
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_TRUE(w->queued);
  net_a_->rewrite = nullptr;
  auto s = a_->sync();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->replayed, 1u);
  EXPECT_EQ(body_of(*a_, "kept.md"), "not lost\n");
}

}  // namespace
}  // namespace zkwiki

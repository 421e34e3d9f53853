// Client search against a real server: the index follows writes, is sealed and synced, a new
// device searches from the index alone, and a lying server is caught (issue 5).
#include <algorithm>

#include "client_fixture.h"
#include "zkwiki/search_manifest.h"

namespace zkwiki {
namespace {

std::vector<std::string> found(Client& c, std::string_view q) {
  auto r = c.search(q);
  EXPECT_TRUE(r.ok()) << q << ": " << (r.ok() ? "" : r.error().message);
  std::vector<std::string> out;
  if (r.ok())
    for (const auto& h : r->results) out.push_back(h.path);
  return out;
}

using Paths = std::vector<std::string>;

class ClientSearchTest : public ClientTest {
 protected:
  void write_sample() {
    std::vector<ImportItem> items{
        {"tools/tar.md", "# tar\n\nArchiving utility: create and extract archives.\n"},
        {"tools/gzip.md", "# gzip\n\nCompress files with gzip.\n"},
        {"notes/cv.md", "# Curriculum\n\nMy résumé and old projects.\n"},
    };
    auto r = a_->import(items);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
};

TEST_F(ClientSearchTest, WritesMovesAndDeletesKeepTheIndexCurrent) {
  write_sample();
  EXPECT_EQ(found(*a_, "archives"), Paths{"tools/tar.md"});
  EXPECT_EQ(found(*a_, "resume"), Paths{"notes/cv.md"});
  ASSERT_TRUE(a_->write("tools/tar.md", "# tar\n\nTape archiver, now with other words.\n").ok());
  EXPECT_EQ(found(*a_, "extract"), Paths{}) << "an old revision's text must not match";
  EXPECT_EQ(found(*a_, "tape"), Paths{"tools/tar.md"});
  ASSERT_TRUE(a_->move("tools/gzip.md", "tools/compression/gzip.md").ok());
  EXPECT_EQ(found(*a_, "compress"), Paths{"tools/compression/gzip.md"});
  ASSERT_TRUE(a_->remove("notes/cv.md").ok());
  EXPECT_EQ(found(*a_, "resume"), Paths{});
  auto r = a_->search("tape");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->coverage.indexed, 2u);
  EXPECT_EQ(r->coverage.known, 2u);
  ASSERT_EQ(r->results.size(), 1u);
  EXPECT_NE(r->results[0].snippet.find("Tape archiver"), std::string::npos) << r->results[0].snippet;
  ASSERT_FALSE(r->results[0].highlights.empty());
}

TEST_F(ClientSearchTest, AFreshDeviceSearchesAfterFetchingOnlyTheIndex) {
  write_sample();
  auto up = a_->maintain_index();
  ASSERT_TRUE(up.ok()) << up.error().message;
  EXPECT_TRUE(up->uploaded);
  EXPECT_EQ(up->segments, 1u);

  auto b = login_b(options());
  ASSERT_NE(b, nullptr);
  std::vector<HttpRequest> seen;
  net_b_->rewrite = [&](const HttpRequest& req, HttpResponse&) { seen.push_back(req); };
  auto r = b->search("archives");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->results.size(), 1u);
  EXPECT_EQ(r->results[0].path, "tools/tar.md");
  EXPECT_EQ(r->results[0].title, "tar");
  EXPECT_TRUE(r->results[0].snippet.empty()) << "this device does not hold the page's text";
  EXPECT_EQ(r->coverage.known, 3u);
  EXPECT_EQ(r->coverage.indexed, 3u);
  // What went over the wire: the manifest's head and record, and blobs (manifest + segment);
  // never a page's own head, and nothing of the query.
  for (const auto& req : seen) {
    EXPECT_EQ(req.target.find("archive"), std::string::npos) << req.target;
    EXPECT_EQ(req.body.find("archive"), std::string::npos);
  }
  std::size_t head_reads = std::count_if(seen.begin(), seen.end(), [](const HttpRequest& q) {
    return q.target.find("/pages/") != std::string::npos && q.target.find("/revisions") == std::string::npos;
  });
  EXPECT_EQ(head_reads, 1u) << "only the manifest page's head";
  // Later searches use the local copy: no more requests.
  seen.clear();
  EXPECT_EQ(found(*b, "gzip"), Paths{"tools/gzip.md"});
  EXPECT_TRUE(seen.empty());
}

TEST_F(ClientSearchTest, ConcurrentDevicesMergeTheirIndexes) {
  ASSERT_TRUE(a_->write("one.md", "alpha words\n").ok());
  ASSERT_TRUE(a_->maintain_index().ok());
  auto b = login_b(options());
  ASSERT_TRUE(b->sync().ok());
  ASSERT_TRUE(b->write("two.md", "beta words\n").ok());
  ASSERT_TRUE(b->maintain_index().ok());
  // a's manifest head is now stale: its upload loses the compare-and-swap, adopts b's
  // segments and tries again.
  ASSERT_TRUE(a_->write("three.md", "gamma words\n").ok());
  auto up = a_->maintain_index();
  ASSERT_TRUE(up.ok()) << up.error().message;
  // A third device sees all three from the index alone.
  MemoryLocalStore store_c;
  auto c = Client::login(*net_b_, std::make_unique<BorrowedStore>(store_c), a_->account_id(), kPass, options());
  ASSERT_TRUE(c.ok());
  auto paths = found(**c, "words");
  std::sort(paths.begin(), paths.end());
  EXPECT_EQ(paths, (Paths{"one.md", "three.md", "two.md"}));
}

TEST_F(ClientSearchTest, ACorruptSegmentIsDetectedAndRebuiltFromPages) {
  write_sample();
  ASSERT_TRUE(a_->maintain_index().ok());
  auto b = login_b(options());
  ASSERT_TRUE(b->sync().ok());
  // The server (or a cache) alters the segment on its way to b.
  net_b_->rewrite = [](const HttpRequest& req, HttpResponse& res) {
    if (req.target == "/v1/blobs/batch" && res.body.size() > 200) res.body[res.body.size() - 100] ^= 1;
  };
  auto r = b->search("archives");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->results.size(), 1u);
  EXPECT_TRUE(r->coverage.rebuilt);
  ASSERT_FALSE(r->coverage.notices.empty());
  EXPECT_NE(r->coverage.notices[0].find("rebuilding the index from pages"), std::string::npos) << r->coverage.notices[0];
  EXPECT_EQ(r->coverage.indexed, 3u);
}

TEST_F(ClientSearchTest, AMissingSegmentIsDetectedAndRebuiltFromPages) {
  write_sample();
  ASSERT_TRUE(a_->maintain_index().ok());
  auto b = login_b(options());
  ASSERT_TRUE(b->sync().ok());
  net_b_->intercept = [](const HttpRequest& req) -> std::optional<HttpResponse> {
    if (req.target != "/v1/blobs/batch" && !(req.method == "GET" && req.target.rfind("/v1/blobs/", 0) == 0))
      return std::nullopt;
    HttpResponse res;
    res.status = 404;
    res.body = R"j({"error":{"code":"not_found","message":"gone (test)"}})j";
    return res;
  };
  auto r = b->search("archives");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->coverage.rebuilt);
  EXPECT_EQ(found(*b, "gzip"), Paths{"tools/gzip.md"});
}

TEST_F(ClientSearchTest, ARolledBackManifestIsRefused) {
  ASSERT_TRUE(a_->write("one.md", "alpha\n").ok());
  ASSERT_TRUE(a_->maintain_index().ok());
  // Remember the first manifest head as the server served it.
  std::string old_head;
  auto b = login_b(options());
  net_b_->rewrite = [&](const HttpRequest& req, HttpResponse& res) {
    if (req.method == "GET" && req.target.find("/pages/") != std::string::npos &&
        req.target.find("/revisions") == std::string::npos && old_head.empty())
      old_head = res.body;
  };
  ASSERT_TRUE(b->search("alpha").ok());
  ASSERT_FALSE(old_head.empty());
  ASSERT_TRUE(a_->write("two.md", "beta\n").ok());
  ASSERT_TRUE(a_->maintain_index().ok());
  ASSERT_TRUE(b->sync().ok());
  ASSERT_TRUE(b->maintain_index().ok());  // b has now seen manifest revision >= 2
  // The server goes back to the first manifest.
  net_b_->rewrite = [&](const HttpRequest& req, HttpResponse& res) {
    if (req.method == "GET" && req.target.find("/pages/") != std::string::npos &&
        req.target.find("/revisions") == std::string::npos)
      res.body = old_head;
  };
  auto r = b->maintain_index();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::conflict);
  EXPECT_NE(r.error().message.find("rollback"), std::string::npos) << r.error().message;
}

TEST_F(ClientSearchTest, ReindexRebuildsEverythingAndSaysSo) {
  write_sample();
  auto r = a_->reindex();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->indexed, 3u);
  EXPECT_EQ(r->known, 3u);
  EXPECT_TRUE(r->uploaded);
  EXPECT_EQ(found(*a_, "gzip"), Paths{"tools/gzip.md"});
}

TEST_F(ClientSearchTest, PagesIndexedOnlyHereAreReportedNotUploadedUntilPublished) {
  write_sample();  // the SDK's writes leave the index to the caller (the CLI runs maintain_index)
  auto r = a_->search("gzip");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->coverage.indexed, 3u);
  EXPECT_FALSE(r->coverage.uploaded) << "the search indexed the pages on this device only";
  auto cov = a_->index_coverage();
  ASSERT_TRUE(cov.ok());
  EXPECT_FALSE(cov->uploaded);
  auto up = a_->maintain_index();
  ASSERT_TRUE(up.ok()) << up.error().message;
  EXPECT_TRUE(up->uploaded);
  r = a_->search("gzip");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->coverage.uploaded);
}

TEST_F(ClientSearchTest, OfflineTheIndexStaysLocalAndSaysSo) {
  write_sample();
  net_a_->offline = true;
  auto r = a_->maintain_index();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->uploaded);
  EXPECT_EQ(found(*a_, "gzip"), Paths{"tools/gzip.md"});
  net_a_->offline = false;
  r = a_->maintain_index();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->uploaded);
}

}  // namespace
}  // namespace zkwiki

// POST .../collections/{c}/pages: many new pages with their blobs in one atomic write, against
// the real server process. Every malformed or dishonest batch is refused whole.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "client.h"

namespace zkwiki::test {
namespace {

constexpr std::uint64_t kQuota = 200000;

struct Item {
  std::string page;  // 32 hex
  std::string record;
  std::string blob;
};

std::string u32(std::size_t n) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>((n >> (24 - 8 * i)) & 0xff);
  return out;
}

std::string raw_id(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::string frames(const std::vector<Item>& items) {
  std::string body;
  for (const auto& it : items) body += raw_id(it.page) + u32(it.record.size()) + it.record + u32(it.blob.size()) + it.blob;
  return body;
}

class PageBatch : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    server_ = new ServerProcess();
    ASSERT_TRUE(server_->start(dir_->path() + "/data", {"--quota", std::to_string(kQuota), "--threads", "2"}))
        << server_->error();
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(server_->terminate(), 0);
    delete server_;
    delete dir_;
  }
  void SetUp() override {
    c = std::make_unique<HttpClient>(server_->host(), server_->port());
    owner = new_account();
    ASSERT_TRUE(register_and_login(*c, owner));
    ws = random_id();
    coll = random_id();
    ASSERT_EQ(c->json_request("POST", "/v1/workspaces", {{"workspace_id", ws}, {"record", b64(workspace_record(owner, ws))}}, owner.token).status,
              201);
    ASSERT_EQ(c->json_request("POST", collections_path(), {{"collection_id", coll}, {"record", b64("c")}}, owner.token).status,
              201);
  }
  std::string collections_path() const { return "/v1/workspaces/" + ws + "/collections"; }
  std::string pages_path() const { return "/v1/workspaces/" + ws + "/collections/" + coll + "/pages"; }

  Item item(const std::string& blob, const TestAccount* author = nullptr) const {
    std::string page = random_id();
    return Item{page, revision_record(author ? *author : owner, ws, coll, page, 1, "", blob), blob};
  }
  HttpResponse post(const std::string& body, const std::string& token,
                    const std::string& type = "application/vnd.zkwiki.page-batch") {
    return c->request("POST", pages_path(), body, {{"Content-Type", type}, {"Authorization", "Bearer " + token}});
  }
  // How many pages the collection lists.
  std::size_t page_count() {
    auto r = c->json_request("GET", pages_path() + "?limit=1000", nullptr, owner.token);
    return r.status == 200 ? r.json_body()["pages"].size() : 999999;
  }

  static TempDir* dir_;
  static ServerProcess* server_;
  std::unique_ptr<HttpClient> c;
  TestAccount owner;
  std::string ws, coll;
};
TempDir* PageBatch::dir_ = nullptr;
ServerProcess* PageBatch::server_ = nullptr;

TEST_F(PageBatch, CreatesEveryPageWithItsBlobAndHead) {
  std::vector<Item> items{item("first page"), item("second page"), item(std::string(5000, 'x'))};
  auto r = post(frames(items), owner.token);
  ASSERT_EQ(r.status, 200) << r.body;
  auto pages = r.json_body()["pages"];
  ASSERT_EQ(pages.size(), 3u);
  std::int64_t last_seq = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(pages[i]["page_id"], items[i].page);
    EXPECT_EQ(pages[i]["created"], true);
    EXPECT_EQ(pages[i]["revision"], blob_id(items[i].record));
    EXPECT_GT(pages[i]["seq"].get<std::int64_t>(), last_seq);  // one feed entry each, in order
    last_seq = pages[i]["seq"];
    // The head and the blob are there, as if written one by one.
    auto head = c->json_request("GET", pages_path() + "/" + items[i].page, nullptr, owner.token);
    ASSERT_EQ(head.status, 200);
    EXPECT_EQ(unb64(head.json_body()["record"]), items[i].record);
    auto blob = c->request("GET", "/v1/blobs/" + blob_id(items[i].blob));
    ASSERT_EQ(blob.status, 200);
    EXPECT_EQ(blob.body, items[i].blob);
  }
  auto feed = c->json_request("GET", "/v1/workspaces/" + ws + "/changes?since=0", nullptr, owner.token);
  ASSERT_EQ(feed.status, 200);
  std::size_t page_changes = 0;
  const auto changes = feed.json_body()["changes"];
  for (const auto& ch : changes) page_changes += ch["kind"] == "page" ? 1 : 0;
  EXPECT_EQ(page_changes, 3u);
}

TEST_F(PageBatch, ARetriedBatchFindsItsOwnHeadsAndWritesNothingTwice) {
  std::vector<Item> items{item("a"), item("b")};
  ASSERT_EQ(post(frames(items), owner.token).status, 200);
  auto again = post(frames(items), owner.token);
  ASSERT_EQ(again.status, 200) << again.body;
  for (std::size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(again.json_body()["pages"][i]["created"], false);
    EXPECT_EQ(again.json_body()["pages"][i]["revision"], blob_id(items[i].record));
  }
  EXPECT_EQ(page_count(), 2u);
}

TEST_F(PageBatch, AnyBadFrameRefusesTheWholeBatch) {
  Item good = item("good");
  Item other_blob = item("named content");
  other_blob.blob = "other content";
  Item forged = item("forged");
  forged.record[forged.record.size() - 1] ^= 1;  // the signature
  Item wrong_page = item("moved");
  wrong_page.page = random_id();
  std::string parent = blob_id(good.record);
  Item second{random_id(), "", "second"};
  second.record = revision_record(owner, ws, coll, second.page, 2, parent, "second");
  TestAccount stranger = new_account();
  Item by_stranger = item("not mine", &stranger);

  struct Case {
    const char* what;
    std::vector<Item> items;
    int status;
    const char* code;
  };
  const std::vector<Case> cases{
      {"a blob that is not the one the record names", {good, other_blob}, 400, "invalid_record"},
      {"a bad signature", {good, forged}, 400, "invalid_record"},
      {"a record of another page", {good, wrong_page}, 400, "invalid_record"},
      {"revision 2 as a new page", {good, second}, 400, "invalid_record"},
      {"a record signed by someone else", {good, by_stranger}, 403, "author_not_member"},
      {"a page twice", {good, good}, 400, "bad_request"},
  };
  for (const auto& k : cases) {
    auto r = post(frames(k.items), owner.token);
    EXPECT_EQ(r.status, k.status) << k.what << ": " << r.body;
    EXPECT_EQ(r.error_code(), k.code) << k.what;
  }
  const std::string body = frames({good});
  for (std::size_t cut : {std::size_t{1}, std::size_t{10}, std::size_t{21}, body.size() - 1}) {
    auto r = post(body.substr(0, cut), owner.token);
    EXPECT_EQ(r.status, 400) << "cut at " << cut;
    EXPECT_EQ(r.error_code(), "bad_request");
  }
  EXPECT_EQ(post("", owner.token).status, 400);
  EXPECT_EQ(post(body, owner.token, "application/json").status, 415);
  EXPECT_EQ(post(body, "zks_" + std::string(64, '0')).status, 401);
  // Nothing of any refused batch was stored.
  EXPECT_EQ(page_count(), 0u);
  EXPECT_EQ(c->request("GET", "/v1/blobs/" + blob_id("good")).status, 404);
}

TEST_F(PageBatch, OnlyWritersMayCreateAndTheQuotaIsAllOrNothing) {
  TestAccount reader = new_account();
  ASSERT_TRUE(register_and_login(*c, reader));
  ASSERT_EQ(c->json_request("PUT", "/v1/workspaces/" + ws + "/members/" + reader.id, {{"role", "read"}}, owner.token).status,
            200);
  EXPECT_EQ(post(frames({item("r", &reader)}), reader.token).status, 403);
  // Three pages of 80 KB fit the 200 KB quota one by one only twice: the batch of three is
  // refused whole.
  std::vector<Item> big{item(std::string(80000, 'a')), item(std::string(80000, 'b')), item(std::string(80000, 'c'))};
  auto r = post(frames(big), owner.token);
  EXPECT_EQ(r.status, 507) << r.body;
  EXPECT_EQ(page_count(), 0u);
  big.pop_back();
  EXPECT_EQ(post(frames(big), owner.token).status, 200);
  EXPECT_EQ(page_count(), 2u);
}

}  // namespace
}  // namespace zkwiki::test

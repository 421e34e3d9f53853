// Blob reads through the cache a server names (zkwiki-server --public-url, docs/API.md): the
// client sends them there without its token, and reads from the server whatever the cache does
// not give with the right hash. The "cache" here is a second connection to the same server that
// records what it is sent; tests/cache runs the same path through a real Varnish.
#include <gtest/gtest.h>

#include "client_fixture.h"
#include "zkwiki/api_client.h"
#include "zkwiki/envelope.h"
#include "zkwiki/page.h"
#include "zkwiki/workspace_record.h"

namespace zkwiki {
namespace {

constexpr const char* kPublicUrl = "http://cache.test:8080";

// Records every request, and can lie or go away like a broken cache.
class RecordingTransport final : public Transport {
 public:
  explicit RecordingTransport(std::unique_ptr<HttpTransport> inner) : inner_(std::move(inner)), net_(*inner_) {}
  Result<HttpResponse> send(const HttpRequest& request) override {
    sent.push_back(request);
    return net_.send(request);
  }
  std::vector<HttpRequest> sent;
  ControlledTransport& control() { return net_; }

 private:
  std::unique_ptr<HttpTransport> inner_;
  ControlledTransport net_;
};

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

bool has_header(const HttpRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        }))
      return true;
  return false;
}

std::size_t blob_gets(const std::vector<HttpRequest>& sent) {
  std::size_t n = 0;
  for (const auto& r : sent) n += r.method == "GET" && r.target.rfind("/v1/blobs/", 0) == 0;
  return n;
}

class BlobUrlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.start(dir_.path(), {"--memory", "--public-url", std::string(kPublicUrl) + "/"}))
        << server_.error();
    origin_ = connect();
    origin_net_ = std::make_unique<RecordingTransport>(connect());
    api_ = std::make_unique<ApiClient>(*origin_net_);
    auto a = create_account("passphrase", test::fast_kdf_params(), test::fast_kdf_policy());
    ASSERT_TRUE(a.ok());
    account_ = std::make_unique<NewAccount>(std::move(a).value());
    ASSERT_TRUE(api_->create_account(account_->record).ok());
    auto s = api_->login(account_->record.id, account_->login);
    ASSERT_TRUE(s.ok()) << s.error().message;
    session_ = *s;
    ASSERT_TRUE(api_->create_workspace(ws_, sign_workspace_record(ws_, CollectionId::random(), account_->keys).encode()).ok());
  }

  std::unique_ptr<HttpTransport> connect() {
    auto t = HttpTransport::connect_to("http://127.0.0.1:" + std::to_string(server_.port()));
    EXPECT_TRUE(t.ok());
    return std::move(t).value();
  }

  Hash256 upload(const std::string& bytes) {
    auto id = api_->put_blob(ws_, bytes_of(bytes));
    EXPECT_TRUE(id.ok());
    return *id;
  }

  test::TempDir dir_;
  test::ServerProcess server_;
  std::unique_ptr<HttpTransport> origin_;
  std::unique_ptr<RecordingTransport> origin_net_;
  std::unique_ptr<ApiClient> api_;
  std::unique_ptr<NewAccount> account_;
  ServerSession session_;
  WorkspaceId ws_ = WorkspaceId::random();
};

TEST_F(BlobUrlTest, LoginAndSessionAnswersNameThePublicUrl) {
  EXPECT_EQ(session_.blob_url, kPublicUrl);  // the trailing slash given on the command line is dropped
  auto s = api_->session();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->blob_url, kPublicUrl);
  EXPECT_EQ(s->token_id, session_.token_id);
  EXPECT_TRUE(s->token.empty());
}

TEST_F(BlobUrlTest, BlobReadsGoThroughTheCacheWithoutTheToken) {
  Hash256 id = upload("ciphertext, as far as anyone can tell");
  RecordingTransport cache(connect());
  api_->set_blob_transport(&cache);
  origin_net_->sent.clear();
  auto b = api_->get_blob(id);
  ASSERT_TRUE(b.ok()) << b.error().message;
  ASSERT_EQ(cache.sent.size(), 1u);
  EXPECT_EQ(cache.sent[0].target, "/v1/blobs/" + id.hex());
  EXPECT_FALSE(has_header(cache.sent[0], "Authorization"));  // a bearer token never reaches a cache
  EXPECT_TRUE(origin_net_->sent.empty());
  api_->set_blob_transport(nullptr);
}

TEST_F(BlobUrlTest, BlobReadsFromTheServerCarryNoTokenEither) {
  Hash256 id = upload("some bytes");
  origin_net_->sent.clear();
  ASSERT_TRUE(api_->get_blob(id).ok());
  ASSERT_EQ(origin_net_->sent.size(), 1u);
  EXPECT_FALSE(has_header(origin_net_->sent[0], "Authorization"));
}

TEST_F(BlobUrlTest, WrongBytesFromTheCacheAreReadFromTheServerInstead) {
  const std::string bytes = "the real ciphertext";
  Hash256 id = upload(bytes);
  RecordingTransport cache(connect());
  cache.control().rewrite = [](const HttpRequest&, HttpResponse& r) { r.body = "poisoned by the cache"; };
  api_->set_blob_transport(&cache);
  auto b = api_->get_blob(id);
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(std::string(b->begin(), b->end()), bytes);
  EXPECT_EQ(blob_gets(origin_net_->sent), 1u);
  EXPECT_TRUE(api_->reads_blobs_through_cache());  // a bad answer is per blob: the cache stays in use
  api_->set_blob_transport(nullptr);
}

TEST_F(BlobUrlTest, ACacheThatDoesNotAnswerIsNoLongerUsed) {
  Hash256 id = upload("bytes behind a dead cache");
  RecordingTransport cache(connect());
  cache.control().offline = true;
  api_->set_blob_transport(&cache);
  ASSERT_TRUE(api_->get_blob(id).ok());
  EXPECT_FALSE(api_->reads_blobs_through_cache());
  ASSERT_TRUE(api_->get_blob(id).ok());
  EXPECT_EQ(cache.sent.size(), 1u);  // tried once, then the server only
}

TEST_F(BlobUrlTest, BatchReadsTakeWhatTheCacheHasAndTheRestFromTheServer) {
  std::vector<Hash256> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(upload("blob number " + std::to_string(i)));
  ids.push_back(blob_id(bytes_of("never uploaded")));
  RecordingTransport cache(connect());
  // The cache "loses" blob 2 (a 503 from an overloaded edge, say).
  cache.control().intercept = [bad = ids[2]](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (r.target == "/v1/blobs/" + bad.hex()) return HttpResponse{503, {}, "busy"};
    return std::nullopt;
  };
  api_->set_blob_transport(&cache);
  origin_net_->sent.clear();
  auto got = api_->get_blobs(ids);
  ASSERT_TRUE(got.ok()) << got.error().message;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE((*got)[i].has_value()) << i;
    EXPECT_EQ(std::string((*got)[i]->begin(), (*got)[i]->end()), "blob number " + std::to_string(i));
  }
  EXPECT_FALSE((*got)[5].has_value());
  EXPECT_EQ(blob_gets(cache.sent), ids.size());
  ASSERT_EQ(origin_net_->sent.size(), 1u);  // one batch for the two the cache did not give
  EXPECT_EQ(origin_net_->sent[0].target, "/v1/blobs/batch");
  api_->set_blob_transport(nullptr);
}

TEST_F(BlobUrlTest, ClientsFollowTheUrlTheServerNames) {
  std::vector<std::string> asked;
  RecordingTransport* cache = nullptr;
  auto options = [&] {
    ClientOptions o;
    o.kdf_policy = test::fast_kdf_policy();
    o.connect_url = [&, this](std::string_view url) -> Result<std::unique_ptr<Transport>> {
      asked.emplace_back(url);
      auto t = std::make_unique<RecordingTransport>(connect());  // stands in for the cache at `url`
      cache = t.get();
      return std::unique_ptr<Transport>(std::move(t));
    };
    return o;
  };
  MemoryLocalStore store_a, store_b;
  std::string recovery;
  auto net_a = connect(), net_b = connect();
  auto a = Client::create_account(*net_a, std::make_unique<BorrowedStore>(store_a), "a passphrase", recovery,
                                  test::fast_kdf_params(), options());
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_TRUE((*a)->write("notes/cached.md", "# Cached\n\nread through the cache\n").ok());
  auto b = Client::login(*net_b, std::make_unique<BorrowedStore>(store_b), (*a)->account_id(), "a passphrase",
                         options());
  ASSERT_TRUE(b.ok()) << b.error().message;
  ASSERT_EQ(asked, (std::vector<std::string>{kPublicUrl, kPublicUrl}));
  ASSERT_NE(cache, nullptr);
  ASSERT_TRUE((*b)->sync().ok());
  auto page = (*b)->read("notes/cached.md");
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->body, "# Cached\n\nread through the cache\n");
  EXPECT_GE(blob_gets(cache->sent), 1u);
  for (const auto& r : cache->sent) {
    EXPECT_EQ(r.target.rfind("/v1/blobs/", 0), 0u) << r.target;  // nothing but blob reads goes there
    EXPECT_FALSE(has_header(r, "Authorization"));
  }
}

TEST_F(BlobUrlTest, WithoutAConnectorBlobsComeFromTheServer) {
  MemoryLocalStore store;
  std::string recovery;
  auto net = connect();
  ClientOptions o;
  o.kdf_policy = test::fast_kdf_policy();
  auto a = Client::create_account(*net, std::make_unique<BorrowedStore>(store), "a passphrase", recovery,
                                  test::fast_kdf_params(), o);
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_TRUE((*a)->write("notes/here.md", "from the origin\n").ok());
  auto page = (*a)->read("notes/here.md");
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->body, "from the origin\n");
}

}  // namespace
}  // namespace zkwiki

// A real cache (Varnish with server/deploy/varnish/zkwiki.vcl, or nginx with
// server/deploy/nginx/zkwiki-cache.conf or zkwiki-mirror.conf, nothing changed but the ports and
// the access log) in front of a real
// zkwiki-server started with --public-url pointing at it, and the SDK's client reading through it
// (issue 8): blobs are cache hits on the second read, heads are never stale and never served to a
// revoked token, and the cache's storage holds no plaintext. The same tests run through each.
//
// Each cache runs in the foreground without systemd, on loopback, in its own work directory, with
// everything it stores in files this test scans afterwards.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "cache/cache_process.h"
#include "client.h"
#include "support/borrowed_store.h"
#include "support/fixtures.h"
#include "zkwiki/client.h"
#include "zkwiki/http_transport.h"

namespace zkwiki {
namespace {

namespace fs = std::filesystem;
using test::CacheProcess;
using test::NginxCache;
using test::VarnishCache;

std::uint16_t free_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  std::uint16_t port = 0;
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(s);
  return port;
}

enum class CacheKind { varnish, nginx, nginx_mirror };

// The same tests through each cache (Varnish/..., Nginx/... and NginxMirror/..., ctest
// cache_varnish, cache_nginx and cache_nginx_mirror): one server and one cache for all the tests of a kind, started by the first.
class CacheTest : public ::testing::TestWithParam<CacheKind> {
 protected:
  static void start(CacheKind kind) {
    TearDownTestSuite();
    kind_ = kind;
    if (kind == CacheKind::varnish)
      cache_ = new VarnishCache();
    else
      cache_ = new NginxCache(kind == CacheKind::nginx_mirror ? NginxCache::Config::mirror : NginxCache::Config::proxy_cache);
    if (!cache_->installed()) return;
    dir_ = new test::TempDir();
    cache_port_ = free_port();
    server_ = new test::ServerProcess();
    if (!server_->start((fs::path(dir_->path()) / "server").string(),
                        {"--public-url", "http://127.0.0.1:" + std::to_string(cache_port_),
                         "--trusted-proxy", "127.0.0.1"})) {
      setup_error_ = "zkwiki-server did not start: " + server_->error();
      return;
    }
    cache_->start(server_->port(), cache_port_, fs::path(dir_->path()) / "cache", setup_error_);
  }
  static void TearDownTestSuite() {
    delete cache_;
    delete server_;
    delete dir_;
    cache_ = nullptr;
    server_ = nullptr;
    dir_ = nullptr;
    setup_error_.clear();
  }
  void SetUp() override {
    if (cache_ == nullptr || kind_ != GetParam()) start(GetParam());
    if (!cache_->installed()) GTEST_SKIP() << "skipped: " << cache_->install_hint();
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
  }

  static std::string origin_url() { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  static std::string cache_url() { return "http://127.0.0.1:" + std::to_string(cache_port_); }
  static std::unique_ptr<HttpTransport> connect(const std::string& url) {
    auto t = HttpTransport::connect_to(url);
    EXPECT_TRUE(t.ok());
    return std::move(t).value();
  }
  static ClientOptions options() {
    ClientOptions o;
    o.kdf_policy = test::fast_kdf_policy();
    o.connect_url = connect_http;  // follow the server's blob_url, as the CLI does
    return o;
  }
  // The origin's request count for a route (its /metrics), summed over statuses.
  static long long origin_requests(const std::string& route) {
    test::HttpClient c("127.0.0.1", server_->port());
    std::istringstream text(c.request("GET", "/metrics").body);
    const std::string prefix = "zkwiki_http_requests_total{route=\"" + route + "\"";
    long long n = 0;
    for (std::string line; std::getline(text, line);)
      if (line.rfind(prefix, 0) == 0) n += std::stoll(line.substr(line.rfind(' ') + 1));
    return n;
  }

  // A device: its own store and connection to the origin; blobs through the cache it is told of.
  struct Device {
    std::unique_ptr<HttpTransport> net;
    MemoryLocalStore store;
    std::unique_ptr<Client> client;
  };
  static std::unique_ptr<Device> login(const AccountId& id, const std::string& server_url) {
    auto d = std::make_unique<Device>();
    d->net = connect(server_url);
    auto c = Client::login(*d->net, std::make_unique<test::BorrowedStore>(d->store), id, kPass, options());
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
    if (c.ok()) d->client = std::move(c).value();
    return d;
  }
  static std::unique_ptr<Device> new_account(const std::string& server_url) {
    auto d = std::make_unique<Device>();
    d->net = connect(server_url);
    std::string recovery;
    auto c = Client::create_account(*d->net, std::make_unique<test::BorrowedStore>(d->store), kPass, recovery,
                                    test::fast_kdf_params(), options());
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
    if (c.ok()) d->client = std::move(c).value();
    return d;
  }

  // A raw account with a workspace and a collection, through the origin (test::HttpClient).
  struct RawWorkspace {
    test::TestAccount owner = test::new_account();
    std::string ws = test::random_id(), coll = test::random_id();
    std::string page_path(const std::string& page) const {
      return "/v1/workspaces/" + ws + "/collections/" + coll + "/pages/" + page;
    }
  };
  static RawWorkspace raw_workspace(test::HttpClient& origin) {
    RawWorkspace w;
    EXPECT_TRUE(test::register_and_login(origin, w.owner));
    EXPECT_EQ(origin.json_request("POST", "/v1/workspaces", {{"workspace_id", w.ws}, {"record", test::b64(test::workspace_record(w.owner, w.ws))}},
                                  w.owner.token).status, 201);
    EXPECT_EQ(origin.json_request("POST", "/v1/workspaces/" + w.ws + "/collections",
                                  {{"collection_id", w.coll}, {"record", test::b64("c")}}, w.owner.token).status,
              201);
    return w;
  }

  static constexpr const char* kPass = "a passphrase for the cache test";
  static inline CacheKind kind_ = CacheKind::varnish;
  static inline std::string setup_error_;
  static inline test::TempDir* dir_ = nullptr;
  static inline test::ServerProcess* server_ = nullptr;
  static inline CacheProcess* cache_ = nullptr;
  static inline std::uint16_t cache_port_ = 0;
};

TEST_P(CacheTest, BlobsAreCacheHitsOnTheSecondRead) {
  test::HttpClient origin("127.0.0.1", server_->port()), cache("127.0.0.1", cache_port_);
  RawWorkspace w = raw_workspace(origin);
  const std::string blob = "ciphertext canary " + test::random_id() + std::string(3000, '\x07');
  const std::string id = test::blob_id(blob);
  ASSERT_EQ(origin.request("PUT", "/v1/workspaces/" + w.ws + "/blobs/" + id, blob,
                           {{"Authorization", "Bearer " + w.owner.token}}).status, 201);

  auto first = cache.request("GET", "/v1/blobs/" + id);
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.body, blob);
  EXPECT_EQ(first.header(cache_->status_header()), cache_->miss());
  const long long origin_reads = origin_requests("/v1/blobs/{id}");
  auto second = cache.request("GET", "/v1/blobs/" + id);
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.body, blob);
  EXPECT_EQ(second.header(cache_->status_header()), cache_->hit());
  if (cache_->sends_age()) {
    EXPECT_FALSE(second.header("age").empty());
  }
  EXPECT_EQ(second.header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(second.header("access-control-allow-origin"), "*");
  auto head = cache.request("HEAD", "/v1/blobs/" + id);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header(cache_->status_header()), cache_->hit());
  EXPECT_EQ(origin_requests("/v1/blobs/{id}"), origin_reads);  // the origin saw neither

  // A blob that is not there yet is not remembered as missing: once uploaded, it is served.
  const std::string later = "uploaded a moment later " + test::random_id();
  EXPECT_EQ(cache.request("GET", "/v1/blobs/" + test::blob_id(later)).status, 404);
  ASSERT_EQ(origin.request("PUT", "/v1/workspaces/" + w.ws + "/blobs/" + test::blob_id(later), later,
                           {{"Authorization", "Bearer " + w.owner.token}}).status, 201);
  auto now_there = cache.request("GET", "/v1/blobs/" + test::blob_id(later));
  EXPECT_EQ(now_there.status, 200);
  EXPECT_EQ(now_there.body, later);
}

TEST_P(CacheTest, AHeadThatMissesStoresTheWholeBlobAndAReadWithATokenStoresNothing) {
  test::HttpClient origin("127.0.0.1", server_->port()), cache("127.0.0.1", cache_port_);
  RawWorkspace w = raw_workspace(origin);
  const std::string a = "first asked for by HEAD " + test::random_id() + std::string(70000, '\x05');
  const std::string b = "first read with a token " + test::random_id();
  for (const std::string* blob : {&a, &b})
    ASSERT_EQ(origin.request("PUT", "/v1/workspaces/" + w.ws + "/blobs/" + test::blob_id(*blob), *blob,
                             {{"Authorization", "Bearer " + w.owner.token}}).status, 201);

  // A HEAD that misses: the cache fetches the bytes (not a HEAD), so the next GET is a hit
  // with every byte, not an empty or cut file.
  auto head = cache.request("HEAD", "/v1/blobs/" + test::blob_id(a));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header(cache_->status_header()), cache_->miss());
  EXPECT_EQ(head.header("content-length"), std::to_string(a.size()));
  auto get = cache.request("GET", "/v1/blobs/" + test::blob_id(a));
  EXPECT_EQ(get.header(cache_->status_header()), cache_->hit());
  EXPECT_EQ(get.body, a);

  // A read with a token is passed to the server and leaves nothing stored for anyone.
  auto with_token = cache.request("GET", "/v1/blobs/" + test::blob_id(b), "",
                                  {{"Authorization", "Bearer " + w.owner.token}});
  EXPECT_EQ(with_token.header(cache_->status_header()), cache_->pass());
  EXPECT_EQ(with_token.body, b);
  auto without = cache.request("GET", "/v1/blobs/" + test::blob_id(b));
  EXPECT_EQ(without.header(cache_->status_header()), cache_->miss());
  EXPECT_EQ(without.body, b);
  EXPECT_EQ(cache.request("GET", "/v1/blobs/" + test::blob_id(b)).header(cache_->status_header()), cache_->hit());
}

TEST_P(CacheTest, ClientsReadBlobsThroughTheCacheAndTheSecondDeviceOnlyHitsIt) {
  auto a = new_account(origin_url());
  ASSERT_TRUE(a->client);
  constexpr int kPages = 6;
  for (int i = 0; i < kPages; ++i)
    ASSERT_TRUE(a->client->write("cache/page-" + std::to_string(i) + ".md",
                                 "# Page " + std::to_string(i) + "\n\nread through the cache\n").ok());
  const AccountId id = a->client->account_id();

  const long long miss0 = cache_->misses();
  auto b = login(id, origin_url());
  ASSERT_TRUE(b->client);
  ASSERT_TRUE(b->client->sync().ok());
  b.reset();  // its connections close
  EXPECT_GE(cache_->misses_at_least(miss0 + kPages) - miss0, kPages);  // it fills the cache

  const long long hit1 = cache_->hits_settled(), miss1 = cache_->misses_settled();
  const long long origin_reads = origin_requests("/v1/blobs/{id}"), origin_batches = origin_requests("/v1/blobs/batch");
  auto c = login(id, origin_url());
  ASSERT_TRUE(c->client);
  ASSERT_TRUE(c->client->sync().ok());
  for (int i = 0; i < kPages; ++i) {
    auto page = c->client->read("cache/page-" + std::to_string(i) + ".md");
    ASSERT_TRUE(page.ok()) << page.error().message;
    EXPECT_EQ(page->body, "# Page " + std::to_string(i) + "\n\nread through the cache\n");
  }
  c.reset();
  EXPECT_GE(cache_->hits_at_least(hit1 + kPages) - hit1, kPages);
  EXPECT_EQ(cache_->misses_settled(), miss1);
  EXPECT_EQ(origin_requests("/v1/blobs/{id}"), origin_reads);      // every blob came from the cache
  EXPECT_EQ(origin_requests("/v1/blobs/batch"), origin_batches);
}

TEST_P(CacheTest, APageEditedAtTheOriginIsSeenFreshThroughTheCache) {
  // One device talks to the origin; the other sends everything through the cache.
  auto a = new_account(origin_url());
  ASSERT_TRUE(a->client);
  ASSERT_TRUE(a->client->write("fresh.md", "version 0\n").ok());
  auto v = login(a->client->account_id(), cache_url());
  ASSERT_TRUE(v->client);
  for (int i = 1; i <= 4; ++i) {
    ASSERT_TRUE(v->client->sync().ok());
    auto seen = v->client->read("fresh.md");
    ASSERT_TRUE(seen.ok()) << seen.error().message;
    EXPECT_EQ(seen->body, "version " + std::to_string(i - 1) + "\n");
    ASSERT_TRUE(a->client->write("fresh.md", "version " + std::to_string(i) + "\n").ok());
    ASSERT_TRUE(v->client->sync().ok());  // at once, no waiting for anything to expire
    auto after = v->client->read("fresh.md");
    ASSERT_TRUE(after.ok()) << after.error().message;
    EXPECT_EQ(after->body, "version " + std::to_string(i) + "\n");
  }

  // The raw head through the cache, read right after each write at the origin.
  test::HttpClient origin("127.0.0.1", server_->port()), cache("127.0.0.1", cache_port_);
  RawWorkspace w = raw_workspace(origin);
  const std::string page = test::random_id();
  std::string parent;
  for (std::uint64_t n = 1; n <= 3; ++n) {
    const std::string rec = test::revision_record(w.owner, w.ws, w.coll, page, n, parent);
    auto put = origin.json_request("PUT", w.page_path(page), {{"revision", test::blob_id(rec)}, {"record", test::b64(rec)}},
                                   w.owner.token,
                                   {{n == 1 ? "If-None-Match" : "If-Match", n == 1 ? "*" : "\"" + parent + "\""}});
    ASSERT_LT(put.status, 300) << put.body;
    parent = test::blob_id(rec);
    for (int twice = 0; twice < 2; ++twice) {
      auto got = cache.request("GET", w.page_path(page), "", {{"Authorization", "Bearer " + w.owner.token}});
      ASSERT_EQ(got.status, 200);
      EXPECT_EQ(got.json_body()["revision"], parent);
      EXPECT_EQ(got.header(cache_->status_header()), cache_->pass());
      EXPECT_EQ(got.header("vary"), "Authorization");
    }
  }
  EXPECT_EQ(cache.request("GET", w.page_path(page)).status, 401);  // no token, no head, cache or not
}

TEST_P(CacheTest, ARevokedTokenCannotReadHeadsThroughTheCache) {
  test::HttpClient origin("127.0.0.1", server_->port()), cache("127.0.0.1", cache_port_);
  RawWorkspace w = raw_workspace(origin);
  const std::string page = test::random_id();
  const std::string rec = test::revision_record(w.owner, w.ws, w.coll, page, 1, "");
  ASSERT_EQ(origin.json_request("PUT", w.page_path(page), {{"revision", test::blob_id(rec)}, {"record", test::b64(rec)}},
                                w.owner.token, {{"If-None-Match", "*"}}).status, 201);
  auto scoped = origin.json_request("POST", "/v1/tokens",
                                    {{"workspace_id", w.ws}, {"collection_ids", {w.coll}}, {"access", "read"},
                                     {"not_after", std::time(nullptr) + 3600}},
                                    w.owner.token);
  ASSERT_EQ(scoped.status, 201) << scoped.body;
  const std::string token = scoped.json_body()["token"], token_id = scoped.json_body()["token_id"];
  auto read_head = [&](const std::string& t) {
    return cache.request("GET", w.page_path(page), "", {{"Authorization", "Bearer " + t}});
  };
  for (int i = 0; i < 3; ++i) ASSERT_EQ(read_head(token).status, 200);
  ASSERT_EQ(origin.request("DELETE", "/v1/tokens/" + token_id, "", {{"Authorization", "Bearer " + w.owner.token}}).status,
            204);
  auto revoked = read_head(token);
  EXPECT_EQ(revoked.status, 401);
  EXPECT_EQ(revoked.error_code(), "unauthorized");
  EXPECT_FALSE(revoked.json_body().contains("record"));

  // A session ended through the cache (logout is a POST: passed) is refused through it too.
  ASSERT_EQ(read_head(w.owner.token).status, 200);
  ASSERT_EQ(cache.request("POST", "/v1/auth/logout", "", {{"Authorization", "Bearer " + w.owner.token}}).status, 204);
  EXPECT_EQ(read_head(w.owner.token).status, 401);

  // An agent whose grant is revoked: its client fails through the cache as well.
  auto a = new_account(cache_url());
  ASSERT_TRUE(a->client);
  ASSERT_TRUE(a->client->write("agents/note.md", "for the agent\n").ok());
  GrantOptions g;
  g.collections = {"notes"};
  g.read_only = true;
  g.server_url = cache_url();
  auto issued = a->client->grant(g);
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  auto grant = Grant::parse(issued->grant);
  ASSERT_TRUE(grant.ok());
  auto agent_net = connect(cache_url());
  auto agent = Client::open_agent(*agent_net, std::make_unique<MemoryLocalStore>(), *grant, nullptr, options());
  ASSERT_TRUE(agent.ok()) << agent.error().message;
  ASSERT_TRUE((*agent)->sync().ok());
  ASSERT_TRUE((*agent)->read("agents/note.md").ok());
  ASSERT_TRUE(a->client->revoke(issued->id, false).ok());
  auto after = (*agent)->sync();
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code, Errc::expired);
}

// The cache fronts the whole API and the server trusts it (--trusted-proxy 127.0.0.1): the login
// limit (20 failures a minute per client address) counts each client the cache forwards for, by
// the address the cache appends to X-Forwarded-For; what a client writes there itself is not
// believed. Clients on loopback connect from 127.0.0.2, .3, .4 (the cache from 127.0.0.1).
TEST_P(CacheTest, TheLoginLimitCountsEachClientBehindTheCache) {
  auto failed_login = [&](const std::string& from, test::HeaderList headers = {}) {
    test::HttpClient client("127.0.0.1", cache_port_);
    client.set_source_address(from);
    headers.push_back({"Content-Type", "application/json"});
    // An unknown account each time: only the client's address ties the attempts together.
    auto r = client.request("POST", "/v1/auth/login",
                            "{\"account_id\":\"" + test::random_id() + "\",\"challenge\":\"" +
                                std::string(43, 'A') + "=\",\"signature\":\"" + std::string(86, 'A') + "==\"}",
                            headers);
    EXPECT_TRUE(r.error.empty()) << r.error;
    return r.status;
  };
  int status = 0;
  for (int i = 0; i < 25 && status != 429; ++i) status = failed_login("127.0.0.2");
  ASSERT_EQ(status, 429) << "the limit was never reached";
  EXPECT_EQ(failed_login("127.0.0.3"), 401);  // another client: its own count
  // A client naming the limited one (or the cache) as where it forwards from is still itself.
  EXPECT_EQ(failed_login("127.0.0.4", {{"X-Forwarded-For", "127.0.0.3, 127.0.0.2"}}), 401);
  EXPECT_EQ(failed_login("127.0.0.2"), 429);
}

TEST_P(CacheTest, TheCacheStorageHoldsNoPlaintext) {
  // Pages with distinctive text, written at the origin and read by another device through the
  // cache (blobs) and by a third with everything through the cache (heads, feed, keys too).
  const std::string marker = "plaintext-marker-" + test::random_id();
  auto a = new_account(origin_url());
  ASSERT_TRUE(a->client);
  std::vector<std::string> needles = {marker};
  for (int i = 0; i < 4; ++i) {
    const std::string path = "secret/" + marker + "-" + std::to_string(i) + ".md";
    const std::string body = "# Title " + marker + " " + std::to_string(i) + "\n\nThe body says " + marker + ".\n";
    ASSERT_TRUE(a->client->write(path, body).ok());
    needles.push_back(path);
    needles.push_back("The body says " + marker);
  }
  for (const std::string& url : {origin_url(), cache_url()}) {
    auto d = login(a->client->account_id(), url);
    ASSERT_TRUE(d->client);
    ASSERT_TRUE(d->client->sync().ok());
    auto page = d->client->read("secret/" + marker + "-0.md");
    ASSERT_TRUE(page.ok()) << page.error().message;
    EXPECT_NE(page->body.find(marker), std::string::npos);
  }
  // The positive control: a blob read through the cache is in the storage file, byte for byte.
  test::HttpClient origin("127.0.0.1", server_->port()), cache("127.0.0.1", cache_port_);
  RawWorkspace w = raw_workspace(origin);
  const std::string canary = "stored-bytes-canary-" + test::random_id();
  ASSERT_EQ(origin.request("PUT", "/v1/workspaces/" + w.ws + "/blobs/" + test::blob_id(canary), canary,
                           {{"Authorization", "Bearer " + w.owner.token}}).status, 201);
  ASSERT_EQ(cache.request("GET", "/v1/blobs/" + test::blob_id(canary)).status, 200);

  const std::string storage = cache_->storage();
  ASSERT_GT(storage.size(), 0u);
  EXPECT_NE(storage.find(canary), std::string::npos) << "the scan does not see what the cache stores";
  for (const auto& n : needles) EXPECT_EQ(storage.find(n), std::string::npos) << "plaintext in the cache: " << n;
}

INSTANTIATE_TEST_SUITE_P(Varnish, CacheTest, ::testing::Values(CacheKind::varnish));
INSTANTIATE_TEST_SUITE_P(Nginx, CacheTest, ::testing::Values(CacheKind::nginx));
INSTANTIATE_TEST_SUITE_P(NginxMirror, CacheTest, ::testing::Values(CacheKind::nginx_mirror));

}  // namespace
}  // namespace zkwiki

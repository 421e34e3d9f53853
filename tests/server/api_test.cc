// The pure request handler in process (memory store): properties that are awkward to reach over
// a socket, and a cheap randomized sweep that nothing throws or crashes.
#include <gtest/gtest.h>
#include <sodium.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "api.h"
#include "client.h"
#include "crypto.h"
#include "zkwiki/encoding.h"

namespace zkwiki::server {
namespace {

using test::b64;
using test::json;

Request make(std::string method, std::string target, std::string body = {},
             Headers headers = {}) {
  Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = std::move(body);
  r.headers = std::move(headers);
  r.remote = "198.51.100.7";
  return r;
}

bool is_error_shape(const Response& r) {
  auto j = json::parse(r.body, nullptr, false);
  return j.is_object() && j.contains("error") && j["error"]["code"].is_string() &&
         j["error"]["message"].is_string();
}

struct Harness {
  std::unique_ptr<Store> store = make_memory_store();
  Metrics metrics;
  Api api;
  test::TestAccount a = test::new_account();
  explicit Harness(Config cfg = {}) : api(*store, cfg, &metrics) {
    EXPECT_TRUE(crypto_init());
    EXPECT_EQ(api.handle(make("POST", "/v1/accounts", test::account_body(a).dump())).status, 201);
  }
  Response login() {
    auto ch = api.handle(make("POST", "/v1/auth/challenge", json{{"account_id", a.id}}.dump()));
    std::string raw = to_bytes(*zkwiki::from_base64(json::parse(ch.body)["challenge"].get<std::string>()));
    return api.handle(make("POST", "/v1/auth/login",
                           json{{"account_id", a.id}, {"challenge", b64(raw)},
                                {"signature", b64(test::sign_login(a, raw))}}.dump()));
  }
};

TEST(Api, ExpiredChallengesAreRefused) {
  Config cfg;
  cfg.challenge_ttl = 0;  // expires the moment it is issued
  Harness h(cfg);
  auto r = h.login();
  EXPECT_EQ(r.status, 401);
  EXPECT_TRUE(is_error_shape(r));
}

TEST(Api, ExpiredSessionsAreRefused) {
  Config cfg;
  cfg.session_ttl = 0;
  Harness h(cfg);
  auto r = h.login();
  ASSERT_EQ(r.status, 200);
  const std::string token = json::parse(r.body)["token"];
  auto s = h.api.handle(make("GET", "/v1/auth/session", "", {{"authorization", "Bearer " + token}}));
  EXPECT_EQ(s.status, 401);
  EXPECT_NE(s.body.find("expired"), std::string::npos);
}

TEST(Api, LoginRateLimitAlsoCountsPerClientAddress) {
  Config cfg;
  cfg.login_failures_per_account = 1000;
  cfg.login_failures_per_client = 3;
  Harness h(cfg);
  int last = 0;
  for (int i = 0; i < 4; ++i) {
    // A different (unknown) account each time: only the client address ties them together.
    auto r = h.api.handle(make("POST", "/v1/auth/login",
                               json{{"account_id", test::random_id()},
                                    {"challenge", b64(std::string(32, 'c'))},
                                    {"signature", b64(std::string(64, 's'))}}.dump()));
    last = r.status;
  }
  EXPECT_EQ(last, 429);
}

// A failed login from `remote` with these headers: its status.
int failed_login(Harness& h, const std::string& remote, const Headers& headers) {
  Request r = make("POST", "/v1/auth/login",
                   json{{"account_id", test::random_id()},
                        {"challenge", b64(std::string(32, 'c'))},
                        {"signature", b64(std::string(64, 's'))}}.dump(),
                   headers);
  r.remote = remote;
  return h.api.handle(r).status;
}
// ... forwarding for `forwarded` (no header when empty).
int failed_login(Harness& h, const std::string& remote, const std::string& forwarded) {
  Headers headers;
  if (!forwarded.empty()) headers.emplace_back("x-forwarded-for", forwarded);
  return failed_login(h, remote, headers);
}

Config proxied_config() {
  Config cfg;
  cfg.login_failures_per_account = 1000;
  cfg.login_failures_per_client = 3;
  cfg.trusted_proxies = {"192.0.2.1", "2001:db8::1"};  // a cache, and a CDN in front of it
  return cfg;
}

// Behind a cache that fronts the whole API every request comes from the cache: with the cache
// trusted, each client it forwards for has its own limit.
TEST(Api, ClientsBehindATrustedProxyAreLimitedOneByOne) {
  Harness h(proxied_config());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(failed_login(h, "192.0.2.1", "203.0.113.5"), 401);
  EXPECT_EQ(failed_login(h, "192.0.2.1", "203.0.113.5"), 429);
  EXPECT_EQ(failed_login(h, "192.0.2.1", "203.0.113.6"), 401);  // another client
  EXPECT_EQ(failed_login(h, "192.0.2.1", ""), 401);              // the cache's own requests
  // Through the CDN, then the cache: the client is still the first untrusted address from the
  // right, in whatever form it was written; two X-Forwarded-For headers read as one list.
  EXPECT_EQ(failed_login(h, "192.0.2.1", " 203.0.113.5 , 2001:0db8:0:0::1"), 429);
  EXPECT_EQ(failed_login(h, "192.0.2.1", Headers{{"x-forwarded-for", "203.0.113.5"}, {"x-forwarded-for", "2001:db8::1"}}),
            429);
}

// What a client writes into X-Forwarded-For itself gains it nothing.
TEST(Api, ForwardedForIsBelievedOnlyFromTrustedProxies) {
  Harness h(proxied_config());
  // Not through the proxy: every request is counted under the sender's address.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(failed_login(h, "203.0.113.7", "198.51.100." + std::to_string(i)), 401);
  EXPECT_EQ(failed_login(h, "203.0.113.7", "198.51.100.99"), 429);
  // Through the proxy, with forged entries in front: counted under the address the proxy saw.
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(failed_login(h, "192.0.2.1", "10.0.0." + std::to_string(i) + ", 203.0.113.8"), 401);
  EXPECT_EQ(failed_login(h, "192.0.2.1", "10.0.0.99, 203.0.113.8"), 429);
  // Nor does naming a trusted proxy: the address our proxy appended after it is what counts.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(failed_login(h, "192.0.2.1", "2001:db8::1, 203.0.113.9"), 401);
  EXPECT_EQ(failed_login(h, "192.0.2.1", "203.0.113.9"), 429);
}

// A header that is not a list of IP addresses is no address: the request is counted under the
// proxy it came through (all such requests share one limit), never under the junk.
TEST(Api, MalformedForwardedForCountsUnderTheProxy) {
  Harness h(proxied_config());
  for (const char* junk : {"not-an-ip", "203.0.113.5:4711", "[2001:db8::5]", ","})
    EXPECT_EQ(failed_login(h, "192.0.2.1", junk), junk == std::string(",") ? 429 : 401) << junk;
  EXPECT_EQ(failed_login(h, "192.0.2.1", ""), 429);
  EXPECT_EQ(failed_login(h, "192.0.2.1", "203.0.113.10"), 401);
}

TEST(Api, CanonicalIpAcceptsAddressesOnly) {
  EXPECT_EQ(canonical_ip("192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(canonical_ip(" 2001:0DB8:0:0:0:0:0:1\t"), "2001:db8::1");
  EXPECT_EQ(canonical_ip("::ffff:192.0.2.1"), "::ffff:192.0.2.1");
  for (const char* bad : {"", " ", "192.0.2.1:80", "[::1]", "localhost", "192.0.2", "1.2.3.4.5", "::1%lo"})
    EXPECT_EQ(canonical_ip(bad), "") << bad;
}

TEST(Api, EveryResponseHasSafetyHeadersAndErrorsHaveTheJsonShape) {
  Harness h;
  for (auto& req : {make("GET", "/nope"), make("GET", "/v1/health"), make("DELETE", "/v1/health"),
                    make("POST", "/v1/accounts", "{"), make("GET", "/v1/blobs/xyz"),
                    make("GET", "relative"), make("GET", "")}) {
    auto r = h.api.handle(req);
    EXPECT_EQ(r.get("X-Content-Type-Options"), "nosniff") << req.target;
    EXPECT_FALSE(r.get("Cache-Control").empty()) << req.target;
    if (r.status >= 400) {
      EXPECT_TRUE(is_error_shape(r)) << req.target << " " << r.body;
    }
  }
}

TEST(Api, LoginAndSessionNameThePublicUrlForBlobReads) {
  {
    Harness h;  // no --public-url: null, read blobs here
    auto r = h.login();
    ASSERT_EQ(r.status, 200);
    EXPECT_TRUE(json::parse(r.body)["blob_url"].is_null());
  }
  Config cfg;
  cfg.public_url = "https://cdn.example.com";
  Harness h(cfg);
  auto r = h.login();
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["blob_url"], "https://cdn.example.com");
  const std::string token = json::parse(r.body)["token"];
  auto s = h.api.handle(make("GET", "/v1/auth/session", "", {{"authorization", "Bearer " + token}}));
  ASSERT_EQ(s.status, 200);
  EXPECT_EQ(json::parse(s.body)["blob_url"], "https://cdn.example.com");
  EXPECT_EQ(r.get("Cache-Control"), "no-store");
  EXPECT_EQ(s.get("Cache-Control"), "no-store");
}

TEST(Api, PublicUrlsAreOriginsOnly) {
  for (const char* ok : {"https://cdn.example.com", "http://127.0.0.1:6081", "https://[2001:db8::1]:8443",
                         "http://localhost", "https://a-b.example:65535"})
    EXPECT_TRUE(valid_public_url(ok)) << ok;
  for (const char* bad : {"", "cdn.example.com", "ftp://cdn.example.com", "https://", "https://cdn.example.com/",
                          "https://cdn.example.com/zkwiki", "https://cdn.example.com?x=1", "https://cdn:0",
                          "https://cdn:65536", "https://cdn:", "https://user@cdn", "https://[]", "https://[::1]x",
                          "https://-cdn", "https://cdn.example.com#f", "https://cdn example"})
    EXPECT_FALSE(valid_public_url(bad)) << bad;
}

TEST(Api, TheWebAppMayConnectToThePublicUrl) {
  EXPECT_NE(app_content_security_policy("").find("connect-src 'self';"), std::string::npos);
  EXPECT_NE(app_content_security_policy("https://cdn.example.com").find("connect-src 'self' https://cdn.example.com;"),
            std::string::npos);
}

// A web app on the server's origin reads blobs from the cache's (another origin): blob answers
// allow any origin (the id is the capability, the bytes ciphertext, no credentials involved);
// an answer that depends on a token never does, so no other origin's script can read it.
TEST(Api, BlobReadsAllowAnyOriginAndAuthenticatedAnswersDoNot) {
  Config cfg;
  cfg.public_url = "https://cdn.example.com";
  Harness h(cfg);
  auto login = h.login();
  ASSERT_EQ(login.status, 200);
  const Headers auth = {{"authorization", "Bearer " + json::parse(login.body)["token"].get<std::string>()}};
  const std::string ws = test::random_id(), data = "sealed bytes, as far as the server knows";
  const std::string id = test::blob_id(data);
  const json created{{"workspace_id", ws}, {"record", b64(test::workspace_record(h.a, ws))}};
  ASSERT_EQ(h.api.handle(make("POST", "/v1/workspaces", created.dump(), auth)).status, 201);
  auto put = h.api.handle(make("PUT", "/v1/workspaces/" + ws + "/blobs/" + id, data, auth));
  ASSERT_EQ(put.status, 201);
  EXPECT_EQ(put.get("Access-Control-Allow-Origin"), "");

  const Headers from_app = {{"origin", "https://wiki.example.com"}};
  auto get = h.api.handle(make("GET", "/v1/blobs/" + id, "", from_app));
  ASSERT_EQ(get.status, 200);
  EXPECT_EQ(get.shared_body ? *get.shared_body : get.body, data);
  EXPECT_EQ(get.get("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(get.get("Cache-Control"), "public, max-age=31536000, immutable");
  // One object for every reader: nothing the answer varies on (Varnish stores it once).
  EXPECT_EQ(get.get("Vary"), "");
  EXPECT_EQ(get.get("Access-Control-Allow-Credentials"), "");
  auto head = h.api.handle(make("HEAD", "/v1/blobs/" + id, "", from_app));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.get("Access-Control-Allow-Origin"), "*");
  auto revalidated = h.api.handle(make("GET", "/v1/blobs/" + id, "", {{"if-none-match", "\"" + id + "\""}}));
  EXPECT_EQ(revalidated.status, 304);
  EXPECT_EQ(revalidated.get("Access-Control-Allow-Origin"), "*");

  // Authenticated answers, asked with the same Origin: none allows another origin to read it.
  Headers with_origin = auth;
  with_origin.emplace_back("origin", "https://wiki.example.com");
  const std::pair<Request, int> asked[] = {
      {make("GET", "/v1/auth/session", "", with_origin), 200},
      {make("GET", "/v1/workspaces", "", with_origin), 200},
      {make("GET", "/v1/workspaces/" + ws + "/changes", "", with_origin), 200},
      {make("GET", "/v1/workspaces/" + ws + "/members", "", with_origin), 200},
      {make("GET", "/v1/workspaces/" + ws, "", with_origin), 200},
      {make("GET", "/v1/workspaces/" + ws + "/collections", "", with_origin), 200},
      {make("POST", "/v1/blobs/batch", json{{"ids", {id}}}.dump(), with_origin), 200}};  // POST: never cached
  for (const auto& [req, status] : asked) {
    auto r = h.api.handle(req);
    EXPECT_EQ(r.status, status) << req.method << " " << req.target << " " << r.body;
    EXPECT_EQ(r.get("Access-Control-Allow-Origin"), "") << req.method << " " << req.target;
  }
}

// The app's CSP as served at /app/: connect-src names exactly the origin and --public-url.
TEST(Api, TheServedAppMayConnectToThePublicUrlAndNothingElse) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("zkwiki-app-" + test::random_id());
  fs::create_directories(dir);
  std::ofstream(dir / "index.html") << "<!doctype html><title>app</title>";
  std::ofstream(dir / "app.js") << "export {};";
  auto connect_src = [](std::string_view csp) {
    auto at = csp.find("connect-src ");
    if (at == std::string_view::npos) return std::string();
    auto end = csp.find(';', at);
    return std::string(csp.substr(at, end - at));
  };
  for (const std::string url : {"", "http://127.0.0.1:6081", "https://cdn.example.com"}) {
    Config cfg;
    cfg.app_dir = dir.string();
    cfg.public_url = url;
    Harness h(cfg);
    for (const char* file : {"/app/", "/app/app.js"}) {
      auto r = h.api.handle(make("GET", file));
      ASSERT_EQ(r.status, 200) << file;
      EXPECT_EQ(connect_src(r.get("Content-Security-Policy")),
                url.empty() ? "connect-src 'self'" : "connect-src 'self' " + url)
          << file << ": " << r.get("Content-Security-Policy");
      EXPECT_NE(r.get("Content-Security-Policy").find("default-src 'none'"), std::string::npos);
    }
  }
  fs::remove_all(dir);
}

TEST(Api, DeeplyNestedJsonIsRejectedWithoutCrashing) {
  Harness h;
  for (const std::string& body :
       {std::string(200000, '[') + std::string(200000, ']'), std::string(200000, '['),
        "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}"}) {
    auto r = h.api.handle(make("POST", "/v1/accounts", body));
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(is_error_shape(r));
  }
}

TEST(Api, RandomRequestsNeverThrowOrCrash) {
  Harness h;
  auto login = h.login();
  ASSERT_EQ(login.status, 200);
  const std::string token = json::parse(login.body)["token"];
  const std::string ws = test::random_id(), coll = test::random_id();
  ASSERT_EQ(h.api.handle(make("POST", "/v1/workspaces",
                              json{{"workspace_id", ws}, {"record", b64(test::workspace_record(h.a, ws))}}.dump(),
                              {{"authorization", "Bearer " + token}})).status, 201);
  const std::vector<std::string> methods = {"GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "X"};
  const std::vector<std::string> segs = {"v1", "workspaces", ws, "collections", coll, "pages",
                                         test::random_id(), "revisions", test::blob_id("x"),
                                         "blobs", "batch", "keys", "members", "changes", "tokens",
                                         "accounts", "auth", "login", "..", "", "%00", "app",
                                         "metrics", "health", std::string(300, 'a')};
  const std::vector<std::string> queries = {"", "?limit=1", "?limit=-5", "?since=99999999999",
                                            "?cursor=" + test::random_id(), "?&&==", "?limit"};
  const std::vector<std::string> bodies = {
      "", "{}", "[]", "null", "{\"record\":123}", "{\"revision\":\"" + test::blob_id("r") +
      "\",\"record\":\"cg==\"}", "{\"ids\":[\"" + test::blob_id("x") + "\"]}",
      "{\"role\":\"read\"}", "{\"wrapped\":\"AAAA\"}", std::string("\xff\xfe\x00", 3)};
  std::mt19937 rng(7);
  auto pick = [&](const auto& v) { return v[rng() % v.size()]; };
  for (int i = 0; i < 20000; ++i) {
    std::string target;
    const int depth = static_cast<int>(rng() % 9);
    for (int d = 0; d < depth; ++d) target += "/" + pick(segs);
    if (target.empty()) target = "/";
    target += pick(queries);
    Headers hs;
    if (rng() % 2) hs.emplace_back("authorization", "Bearer " + token);
    if (rng() % 4 == 0) hs.emplace_back("if-match", "\"" + test::blob_id("x") + "\"");
    if (rng() % 4 == 0) hs.emplace_back("if-none-match", "*");
    auto r = h.api.handle(make(pick(methods), target, pick(bodies), hs));
    ASSERT_GE(r.status, 200) << target;
    ASSERT_LT(r.status, 600) << target;
    ASSERT_NE(r.status, 500) << target << " " << r.body;
    if (r.status >= 400) {
      ASSERT_TRUE(is_error_shape(r)) << target << " " << r.body;
    }
  }
}

}  // namespace
}  // namespace zkwiki::server

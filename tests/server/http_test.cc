// Integration tests: the real zkwiki-server process on 127.0.0.1:0, spoken to over HTTP.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "client.h"

namespace zkwiki::test {
namespace {

constexpr std::uint64_t kMaxBody = 1 << 20;
constexpr std::uint64_t kQuota = 300000;

// One server for the suite; every test makes its own accounts and workspaces.
class HttpApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    server_ = new ServerProcess();
    ASSERT_TRUE(server_->start(dir_->path() + "/data",
                               {"--max-body", std::to_string(kMaxBody), "--quota",
                                std::to_string(kQuota), "--threads", "2"}))
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
    ASSERT_EQ(c->json_request("POST", "/v1/workspaces", {{"workspace_id", ws}, {"record", b64(workspace_record(owner, ws))}},
                              owner.token).status, 201);
    ASSERT_EQ(c->json_request("POST", ws_path() + "/collections",
                              {{"collection_id", coll}, {"record", b64("c")}}, owner.token).status,
              201);
  }
  std::string ws_path() const { return "/v1/workspaces/" + ws; }
  std::string coll_path() const { return ws_path() + "/collections/" + coll; }
  std::string page_path(const std::string& page) const { return coll_path() + "/pages/" + page; }

  // A signed revision record of `page` in this fixture's collection (author: the owner).
  std::string rec(const std::string& page, std::uint64_t n, const std::string& parent,
                  const std::string& content, const TestAccount* author = nullptr) const {
    return revision_record(author ? *author : owner, ws, coll, page, n, parent, content);
  }
  HttpResponse put_page(const std::string& page, const std::string& record,
                        const std::string& precondition_header, const std::string& value,
                        const std::string& token) {
    HeaderList h;
    if (!precondition_header.empty()) h.emplace_back(precondition_header, value);
    return c->json_request("PUT", page_path(page),
                           {{"revision", blob_id(record)}, {"record", b64(record)}}, token, h);
  }
  HttpResponse get(const std::string& target, const std::string& token = {}) {
    return c->json_request("GET", target, nullptr, token);
  }
  // A second account, logged in and added to the workspace with `role` (empty: not added).
  TestAccount member(const std::string& role) {
    TestAccount a = new_account();
    EXPECT_TRUE(register_and_login(*c, a));
    if (!role.empty()) {
      EXPECT_EQ(c->json_request("PUT", ws_path() + "/members/" + a.id, {{"role", role}},
                                owner.token).status, 200);
    }
    return a;
  }

  static TempDir* dir_;
  static ServerProcess* server_;
  std::unique_ptr<HttpClient> c;
  TestAccount owner;
  std::string ws, coll;
};
TempDir* HttpApi::dir_ = nullptr;
ServerProcess* HttpApi::server_ = nullptr;

TEST_F(HttpApi, HealthAndMetrics) {
  auto r = get("/v1/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json_body()["storage"], "ok");
  r = get("/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.header("content-type").find("text/plain"), std::string::npos);
  EXPECT_NE(r.body.find("zkwiki_http_requests_total{route=\"/v1/health\",status=\"200\"}"),
            std::string::npos);
  EXPECT_NE(r.body.find("zkwiki_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(r.body.find("zkwiki_open_connections"), std::string::npos);
  // Labels are route templates, never ids.
  EXPECT_EQ(r.body.find(ws), std::string::npos);
}

TEST_F(HttpApi, AWorkspaceRecordMustBeSignedByTheSessionsAccountForThisWorkspace) {
  auto create = [&](const std::string& id, const std::string& record) {
    return c->json_request("POST", "/v1/workspaces", {{"workspace_id", id}, {"record", b64(record)}}, owner.token);
  };
  const std::string fresh = random_id();
  EXPECT_EQ(create(fresh, "w").status, 400);  // not a record at all
  // The unsigned version-1 record of earlier builds: refused by version.
  std::string v1 = "ZKWS\x01" + unb64(b64(std::string(32, '\x11')));
  EXPECT_EQ(create(fresh, v1).status, 400);
  std::string flipped = workspace_record(owner, fresh);
  flipped[40] ^= 1;  // the default collection: the signature fails
  EXPECT_EQ(create(fresh, flipped).status, 400);
  EXPECT_EQ(create(fresh, workspace_record(owner, random_id())).status, 400);  // another workspace
  TestAccount other = member("");
  EXPECT_EQ(create(fresh, workspace_record(other, fresh)).status, 400);  // another owner
  // Signed by another key for this account and workspace.
  TestAccount impostor = other;
  impostor.id = owner.id;
  EXPECT_EQ(create(fresh, workspace_record(impostor, fresh)).status, 403);
  auto ok = create(fresh, workspace_record(owner, fresh));
  EXPECT_EQ(ok.status, 201) << ok.body;
  auto got = get("/v1/workspaces/" + fresh, owner.token);
  EXPECT_EQ(unb64(json::parse(got.body)["record"].get<std::string>()).size(), 149u);
}

TEST_F(HttpApi, UnknownRoutesAre404) {
  for (const std::string& t : std::vector<std::string>{"/", "/v2/health", "/v1", "/v1/nothing", "/v1/workspaces/" + ws + "/x",
                        "/v1/blobs", "/metrics/x"}) {
    auto r = get(t, owner.token);
    EXPECT_EQ(r.status, 404) << t;
    EXPECT_EQ(r.error_code(), "not_found") << t;
  }
}

TEST_F(HttpApi, WrongMethodsAre405WithAllow) {
  struct Case { std::string method, target, allow; };
  for (auto& k : std::vector<Case>{{"DELETE", "/v1/health", "GET"},
                                   {"GET", "/v1/accounts", "POST"},
                                   {"POST", "/v1/blobs/" + blob_id("x"), "GET, HEAD"},
                                   {"DELETE", page_path(random_id()), "GET, PUT"},
                                   {"PATCH", ws_path(), "GET"}}) {
    auto r = c->request(k.method, k.target, "", {{"Authorization", "Bearer " + owner.token}});
    EXPECT_EQ(r.status, 405) << k.method << " " << k.target;
    EXPECT_EQ(r.header("allow"), k.allow);
    EXPECT_EQ(r.error_code(), "method_not_allowed");
  }
}

TEST_F(HttpApi, BadJsonWrongTypesAndMissingFieldsAre400) {
  TestAccount a = new_account();
  struct Case { std::string body, code; };
  const std::string pk = b64(a.public_key);
  for (auto& k : std::vector<Case>{
           {"{", "invalid_json"},
           {"[1,2]", "invalid_json"},
           {"", "invalid_json"},
           {R"({"account_id":")" + a.id + R"(","record":"AA=="})", "missing_field"},
           {R"({"account_id":5,"login_public_key":")" + pk + R"(","record":"AA=="})", "wrong_type"},
           {R"({"account_id":"ABC","login_public_key":")" + pk + R"(","record":"AA=="})", "invalid_id"},
           {R"({"account_id":")" + a.id + R"(","login_public_key":"not base64!","record":"AA=="})", "invalid_base64"},
           {R"({"account_id":")" + a.id + R"(","login_public_key":"AAAA","record":"AA=="})", "bad_request"},
       }) {
    auto r = c->request("POST", "/v1/accounts", k.body, {{"Content-Type", "application/json"}});
    EXPECT_EQ(r.status, 400) << k.body;
    EXPECT_EQ(r.error_code(), k.code) << k.body;
    // Every error has the documented shape.
    auto j = r.json_body();
    EXPECT_TRUE(j["error"]["message"].is_string());
  }
  // A record over 64 KiB.
  auto r = c->json_request("POST", "/v1/accounts", account_body(a, std::string(65537, 'r')));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error_code(), "too_large");
}

TEST_F(HttpApi, BadIdsAre400) {
  const std::string up = "0123456789ABCDEF0123456789ABCDEF";
  for (const std::string& t : std::vector<std::string>{"/v1/accounts/short", "/v1/accounts/" + up,
                        "/v1/accounts/..%2F..%2Fetc%2Fpasswd0000000000",
                        "/v1/workspaces/" + random_id() + "x",
                        "/v1/workspaces/zz/collections", ws_path() + "/collections/nothex",
                        coll_path() + "/pages/" + random_id().substr(1),
                        coll_path() + "/pages/" + random_id() + "/revisions/abc",
                        "/v1/blobs/" + random_id(), "/v1/blobs/" + blob_id("x") + "0"}) {
    auto r = get(t, owner.token);
    EXPECT_EQ(r.status, 400) << t;
    EXPECT_EQ(r.error_code(), "invalid_id") << t;
  }
}

TEST_F(HttpApi, AccountsArePublicToReadAndOwnerOnlyToUpdate) {
  auto r = get("/v1/accounts/" + owner.id);  // no token: a new device needs the KDF params
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(unb64(r.json_body()["record"]), owner.record);
  EXPECT_EQ(unb64(r.json_body()["login_public_key"]), owner.public_key);
  EXPECT_EQ(get("/v1/accounts/" + random_id()).status, 404);
  EXPECT_EQ(c->json_request("POST", "/v1/accounts", account_body(owner)).status, 409);

  TestAccount rotated = with_new_login_key(owner);
  json upd{{"login_public_key", b64(rotated.public_key)}, {"record", b64(rotated.record)}};
  EXPECT_EQ(c->json_request("PUT", "/v1/accounts/" + owner.id, upd).status, 401);
  TestAccount other = member("");
  EXPECT_EQ(c->json_request("PUT", "/v1/accounts/" + owner.id, upd, other.token).status, 403);
  ASSERT_EQ(c->json_request("PUT", "/v1/accounts/" + owner.id, upd, owner.token).status, 200);
  EXPECT_EQ(unb64(get("/v1/accounts/" + owner.id).json_body()["record"]), rotated.record);
  // The new login key works and the old one no longer does.
  auto login_with = [&](const TestAccount& a) {
    auto ch = c->json_request("POST", "/v1/auth/challenge", {{"account_id", a.id}});
    std::string raw = unb64(ch.json_body()["challenge"]);
    return c->json_request("POST", "/v1/auth/login",
                           {{"account_id", a.id}, {"challenge", b64(raw)},
                            {"signature", b64(sign_login(a, raw))}}).status;
  };
  EXPECT_EQ(login_with(rotated), 200);
  EXPECT_EQ(login_with(owner), 401);
}

TEST_F(HttpApi, LoginChallengesAreSingleUseAndBoundToTheAccount) {
  auto ch = c->json_request("POST", "/v1/auth/challenge", {{"account_id", owner.id}});
  ASSERT_EQ(ch.status, 200);
  EXPECT_EQ(ch.json_body()["expires_in"], 60);
  std::string raw = unb64(ch.json_body()["challenge"]);
  ASSERT_EQ(raw.size(), 32u);
  json body{{"account_id", owner.id}, {"challenge", b64(raw)},
            {"signature", b64(sign_login(owner, raw))}};
  auto ok = c->json_request("POST", "/v1/auth/login", body);
  ASSERT_EQ(ok.status, 200);
  const std::string tok = ok.json_body()["token"];
  EXPECT_EQ(tok.substr(0, 4), "zks_");
  EXPECT_EQ(tok.size(), 68u);
  EXPECT_EQ(c->json_request("POST", "/v1/auth/login", body).status, 401);  // replay
  // A challenge issued for another account does not log this one in.
  TestAccount other = member("");
  auto ch2 = c->json_request("POST", "/v1/auth/challenge", {{"account_id", other.id}});
  std::string raw2 = unb64(ch2.json_body()["challenge"]);
  auto r = c->json_request("POST", "/v1/auth/login",
                           {{"account_id", owner.id}, {"challenge", b64(raw2)},
                            {"signature", b64(sign_login(owner, raw2))}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.error_code(), "login_failed");
  EXPECT_EQ(c->json_request("POST", "/v1/auth/challenge", {{"account_id", random_id()}}).status,
            404);
}

TEST_F(HttpApi, RepeatedLoginFailuresAreRateLimited) {
  TestAccount victim = new_account();
  ASSERT_EQ(c->json_request("POST", "/v1/accounts", account_body(victim)).status, 201);
  TestAccount attacker = new_account();
  attacker.id = victim.id;
  int last = 0;
  for (int i = 0; i < 6; ++i) {
    auto ch = c->json_request("POST", "/v1/auth/challenge", {{"account_id", victim.id}});
    std::string raw = unb64(ch.json_body()["challenge"]);
    auto r = c->json_request("POST", "/v1/auth/login",
                             {{"account_id", victim.id}, {"challenge", b64(raw)},
                              {"signature", b64(sign_login(attacker, raw))}});
    last = r.status;
    if (i < 5) {
      EXPECT_EQ(r.status, 401) << i;
    }
    if (r.status == 429) {
      EXPECT_FALSE(r.header("retry-after").empty());
    }
  }
  EXPECT_EQ(last, 429);
  // Even the right key is refused while the account is locked out.
  auto ch = c->json_request("POST", "/v1/auth/challenge", {{"account_id", victim.id}});
  std::string raw = unb64(ch.json_body()["challenge"]);
  auto r = c->json_request("POST", "/v1/auth/login",
                           {{"account_id", victim.id}, {"challenge", b64(raw)},
                            {"signature", b64(sign_login(victim, raw))}});
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.error_code(), "rate_limited");
}

TEST_F(HttpApi, BadExpiredAndRevokedTokensAre401) {
  const std::string target = ws_path();
  auto code = [&](const std::string& auth) {
    return c->request("GET", target, "", auth.empty() ? HeaderList{} : HeaderList{{"Authorization", auth}})
        .status;
  };
  EXPECT_EQ(code(""), 401);
  EXPECT_EQ(code("Basic abc"), 401);
  EXPECT_EQ(code("Bearer "), 401);
  EXPECT_EQ(code("Bearer zks_" + std::string(64, 'g')), 401);
  EXPECT_EQ(code("Bearer zks_" + std::string(64, '0')), 401);  // well-formed, unknown
  EXPECT_EQ(code("Bearer zka_" + owner.token.substr(4)), 401);  // wrong kind
  EXPECT_EQ(code("Bearer " + owner.token), 200);
  auto s = get("/v1/auth/session", owner.token);
  ASSERT_EQ(s.status, 200);
  EXPECT_EQ(s.json_body()["account_id"], owner.id);
  EXPECT_EQ(c->json_request("POST", "/v1/auth/logout", nullptr, owner.token).status, 204);
  auto r = c->request("GET", target, "", {{"Authorization", "Bearer " + owner.token}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.error_code(), "unauthorized");
}

TEST_F(HttpApi, ScopedTokensAreLimitedAndRevocable) {
  const std::string other_coll = random_id();
  ASSERT_EQ(c->json_request("POST", ws_path() + "/collections",
                            {{"collection_id", other_coll}, {"record", b64("c2")}}, owner.token)
                .status, 201);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  auto make = [&](const std::string& access, std::int64_t not_after) {
    return c->json_request("POST", "/v1/tokens",
                           {{"workspace_id", ws}, {"collection_ids", {coll}},
                            {"access", access}, {"not_after", not_after}}, owner.token);
  };
  // Bad grants.
  EXPECT_EQ(make("admin", now + 3600).status, 400);
  EXPECT_EQ(make("read", now - 1).status, 400);
  EXPECT_EQ(c->json_request("POST", "/v1/tokens",
                            {{"workspace_id", ws}, {"collection_ids", {random_id()}},
                             {"access", "read"}, {"not_after", now + 60}}, owner.token).status,
            404);
  auto rw = make("read-write", now + 3600);
  ASSERT_EQ(rw.status, 201);
  const std::string agent = rw.json_body()["token"];
  const std::string agent_id = rw.json_body()["token_id"];
  EXPECT_EQ(agent.substr(0, 4), "zka_");
  auto ro = make("read", now + 3600);
  ASSERT_EQ(ro.status, 201);
  const std::string reader = ro.json_body()["token"];
  // Agent writes need the token's grant on record, naming the key that signs them.
  EXPECT_EQ(c->json_request("PUT", ws_path() + "/grants/" + agent_id,
                            {{"agent_key", b64(owner.identity_public)}, {"record", b64("sealed cert")}},
                            owner.token).status, 201);

  const std::string page = random_id();
  EXPECT_EQ(put_page(page, rec(page, 1, "", "by agent"), "If-None-Match", "*", agent).status, 201);
  EXPECT_EQ(get(page_path(page), agent).status, 200);
  EXPECT_EQ(get(page_path(page), reader).status, 200);
  const std::string page2 = random_id();
  auto denied = put_page(page2, rec(page2, 1, "", "by reader"), "If-None-Match", "*", reader);
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.error_code(), "forbidden");
  // Outside the scope: another collection, another workspace, admin routes, token routes.
  EXPECT_EQ(get(ws_path() + "/collections/" + other_coll + "/pages", agent).status, 403);
  EXPECT_EQ(get("/v1/workspaces/" + random_id(), agent).status, 403);
  EXPECT_EQ(c->json_request("PUT", ws_path() + "/members/" + owner.id, {{"role", "read"}}, agent)
                .status, 403);
  EXPECT_EQ(get("/v1/tokens", agent).status, 403);
  // Only in-scope collections are listed.
  auto cols = get(ws_path() + "/collections", agent);
  ASSERT_EQ(cols.status, 200);
  EXPECT_EQ(cols.json_body()["collections"].size(), 1u);
  // List, then revoke: effective on the next request.
  auto list = get("/v1/tokens", owner.token);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json_body()["tokens"].size(), 2u);
  EXPECT_EQ(list.body.find(agent.substr(4)), std::string::npos);  // never the secret
  EXPECT_EQ(c->json_request("DELETE", "/v1/tokens/" + agent_id, nullptr, owner.token).status, 204);
  EXPECT_EQ(get(page_path(page), agent).status, 401);
  EXPECT_EQ(c->json_request("DELETE", "/v1/tokens/" + random_id(), nullptr, owner.token).status,
            404);
  // Expiry, from a fresh reading of the clock: the steps above can take over a second under load.
  const auto later = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
  auto short_lived = make("read", later + 1);
  ASSERT_EQ(short_lived.status, 201);
  const std::string brief = short_lived.json_body()["token"];
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  auto expired = get(page_path(page), brief);
  EXPECT_EQ(expired.status, 401);
  EXPECT_NE(expired.body.find("expired"), std::string::npos);
}

TEST_F(HttpApi, MembershipGovernsAccess) {
  TestAccount outsider = member("");
  TestAccount reader = member("read");
  TestAccount writer = member("write");
  EXPECT_EQ(get(ws_path(), outsider.token).status, 403);
  EXPECT_EQ(get(ws_path(), reader.token).json_body()["role"], "read");
  const std::string p1 = random_id(), p2 = random_id();
  EXPECT_EQ(put_page(p1, rec(p1, 1, "", "r", &reader), "If-None-Match", "*", reader.token).status,
            403);
  EXPECT_EQ(put_page(p2, rec(p2, 1, "", "w", &writer), "If-None-Match", "*", writer.token).status,
            201);
  EXPECT_EQ(c->json_request("POST", ws_path() + "/collections",
                            {{"collection_id", random_id()}, {"record", b64("x")}}, writer.token)
                .status, 403);
  EXPECT_EQ(c->json_request("PUT", ws_path() + "/members/" + owner.id, {{"role", "read"}},
                            owner.token).status, 403);  // the owner stays admin
  EXPECT_EQ(c->json_request("PUT", ws_path() + "/members/" + reader.id, {{"role", "boss"}},
                            owner.token).status, 400);
  EXPECT_EQ(c->json_request("PUT", ws_path() + "/members/" + random_id(), {{"role", "read"}},
                            owner.token).status, 404);
  auto members = get(ws_path() + "/members?limit=2", owner.token);
  ASSERT_EQ(members.status, 200);
  EXPECT_EQ(members.json_body()["members"].size(), 2u);
  EXPECT_TRUE(members.json_body()["next"].is_string());
  auto rest = get(ws_path() + "/members?limit=2&cursor=" +
                      members.json_body()["next"].get<std::string>(), owner.token);
  EXPECT_EQ(rest.json_body()["members"].size(), 1u);
  EXPECT_TRUE(rest.json_body()["next"].is_null());
  EXPECT_EQ(get(ws_path() + "/members?limit=0", owner.token).status, 400);
  EXPECT_EQ(get(ws_path() + "/members?cursor=xyz", owner.token).status, 400);
  // Removal is immediate.
  EXPECT_EQ(c->json_request("DELETE", ws_path() + "/members/" + writer.id, nullptr, owner.token)
                .status, 200);
  EXPECT_EQ(get(ws_path(), writer.token).status, 403);
  // Workspaces the account belongs to.
  auto mine = get("/v1/workspaces", reader.token);
  ASSERT_EQ(mine.status, 200);
  ASSERT_EQ(mine.json_body()["workspaces"].size(), 1u);
  EXPECT_EQ(mine.json_body()["workspaces"][0]["workspace_id"], ws);
  EXPECT_EQ(get("/v1/workspaces/" + random_id(), owner.token).status, 404);
}

TEST_F(HttpApi, CollectionsAndWrappedKeyGenerations) {
  TestAccount reader = member("read");
  auto col = get(coll_path(), reader.token);
  ASSERT_EQ(col.status, 200);
  EXPECT_EQ(unb64(col.json_body()["record"]), "c");
  EXPECT_EQ(c->json_request("POST", ws_path() + "/collections",
                            {{"collection_id", coll}, {"record", b64("again")}}, owner.token)
                .status, 409);
  for (int gen : {1, 2}) {
    auto r = c->json_request("PUT", coll_path() + "/keys/" + reader.id + "/" + std::to_string(gen),
                             {{"wrapped", b64("wrapped-for-reader-" + std::to_string(gen))}},
                             owner.token);
    ASSERT_EQ(r.status, 200);
  }
  EXPECT_EQ(c->json_request("PUT", coll_path() + "/keys/" + reader.id + "/x",
                            {{"wrapped", b64("w")}}, owner.token).status, 400);
  EXPECT_EQ(c->json_request("PUT", coll_path() + "/keys/" + random_id() + "/1",
                            {{"wrapped", b64("w")}}, owner.token).status, 404);  // not a member
  EXPECT_EQ(c->json_request("PUT", coll_path() + "/keys/" + reader.id + "/3",
                            {{"wrapped", b64("w")}}, reader.token).status, 403);
  auto keys = get(coll_path() + "/keys", reader.token);
  ASSERT_EQ(keys.status, 200);
  ASSERT_EQ(keys.json_body()["keys"].size(), 2u);
  EXPECT_EQ(keys.json_body()["keys"][1]["generation"], 2);
  EXPECT_EQ(unb64(keys.json_body()["keys"][1]["wrapped"]), "wrapped-for-reader-2");
  EXPECT_EQ(get(coll_path() + "/keys?account=*", reader.token).status, 403);
  EXPECT_EQ(get(coll_path() + "/keys?account=*", owner.token).json_body()["keys"].size(), 2u);
}

TEST_F(HttpApi, PageHeadsCompareAndSwap) {
  const std::string page = random_id();
  const std::string v1 = rec(page, 1, "", "v1");
  EXPECT_EQ(get(page_path(page), owner.token).status, 404);
  auto none = put_page(page, v1, "", "", owner.token);
  EXPECT_EQ(none.status, 428);
  EXPECT_EQ(none.error_code(), "precondition_required");
  auto bad_hash = c->json_request("PUT", page_path(page),
                                  {{"revision", blob_id("other")}, {"record", b64(v1)}},
                                  owner.token, {{"If-None-Match", "*"}});
  EXPECT_EQ(bad_hash.status, 400);
  EXPECT_EQ(bad_hash.error_code(), "hash_mismatch");
  EXPECT_EQ(put_page(page, v1, "If-Match", "W/\"abc\"", owner.token).status, 400);

  auto created = put_page(page, v1, "If-None-Match", "*", owner.token);
  ASSERT_EQ(created.status, 201);
  const auto seq1 = created.json_body()["seq"].get<std::int64_t>();
  EXPECT_EQ(created.header("etag"), "\"" + blob_id(v1) + "\"");
  auto again = put_page(page, rec(page, 1, "", "v1b"), "If-None-Match", "*", owner.token);
  EXPECT_EQ(again.status, 412);
  EXPECT_EQ(again.json_body()["current"]["revision"], blob_id(v1));
  // A record that follows a revision the page never had: the head is not that, 412.
  auto stale = put_page(page, rec(page, 2, blob_id("zzz"), "v2"), "If-Match",
                        "\"" + blob_id("zzz") + "\"", owner.token);
  ASSERT_EQ(stale.status, 412);
  EXPECT_EQ(stale.error_code(), "precondition_failed");
  EXPECT_EQ(stale.json_body()["current"]["revision"], blob_id(v1));
  EXPECT_EQ(stale.json_body()["current"]["seq"], seq1);
  const std::string v2 = rec(page, 2, blob_id(v1), "v2");
  auto updated = put_page(page, v2, "If-Match", "\"" + blob_id(v1) + "\"", owner.token);
  ASSERT_EQ(updated.status, 200);
  EXPECT_GT(updated.json_body()["seq"].get<std::int64_t>(), seq1);
  const std::string other = random_id();
  EXPECT_EQ(put_page(other, rec(other, 2, blob_id(v1), "v"), "If-Match", "\"" + blob_id(v1) + "\"",
                     owner.token).status,
            412);

  auto head = get(page_path(page), owner.token);
  ASSERT_EQ(head.status, 200);
  EXPECT_EQ(head.json_body()["revision"], blob_id(v2));
  EXPECT_EQ(unb64(head.json_body()["record"]), v2);
  EXPECT_EQ(head.header("cache-control"), "private, no-cache");
  EXPECT_EQ(head.header("vary"), "Authorization");  // never another token's answer from a cache
  auto cached = c->json_request("GET", page_path(page), nullptr, owner.token,
                                {{"If-None-Match", head.header("etag")}});
  EXPECT_EQ(cached.status, 304);
  EXPECT_TRUE(cached.body.empty());

  auto history = get(page_path(page) + "/revisions", owner.token);
  ASSERT_EQ(history.status, 200);
  ASSERT_EQ(history.json_body()["revisions"].size(), 2u);
  EXPECT_EQ(history.json_body()["revisions"][0]["revision"], blob_id(v1));
  auto old = get(page_path(page) + "/revisions/" + blob_id(v1), owner.token);
  ASSERT_EQ(old.status, 200);
  EXPECT_EQ(unb64(old.json_body()["record"]), v1);
  EXPECT_EQ(old.header("cache-control"), "private, max-age=31536000, immutable");
  EXPECT_EQ(old.header("vary"), "Authorization");
  EXPECT_EQ(get(page_path(page) + "/revisions/" + blob_id("nope"), owner.token).status, 404);
  auto pages = get(coll_path() + "/pages", owner.token);
  ASSERT_EQ(pages.status, 200);
  EXPECT_EQ(pages.json_body()["pages"].size(), 1u);
  const std::string third = random_id();
  EXPECT_EQ(put_page(third, rec(third, 1, "", "x"), "If-None-Match", "*", owner.token).status, 201);
  EXPECT_EQ(get(ws_path() + "/collections/" + random_id() + "/pages/" + page, owner.token).status,
            404);
}

TEST_F(HttpApi, ChangeFeedIsOrderedWithACursor) {
  std::vector<std::string> pages, records;
  for (int i = 0; i < 5; ++i) {
    pages.push_back(random_id());
    records.push_back(rec(pages.back(), 1, "", "p" + std::to_string(i)));
    ASSERT_EQ(put_page(pages.back(), records.back(), "If-None-Match", "*", owner.token).status,
              201);
  }
  std::int64_t since = 0;
  std::vector<json> seen;
  for (int round = 0; round < 10; ++round) {
    auto r = get(ws_path() + "/changes?since=" + std::to_string(since) + "&limit=2", owner.token);
    ASSERT_EQ(r.status, 200);
    auto j = r.json_body();
    for (auto& ch : j["changes"]) seen.push_back(ch);
    since = j["next"].get<std::int64_t>();
    if (!j["more"].get<bool>()) break;
  }
  ASSERT_EQ(seen.size(), 6u);  // the collection + 5 pages
  EXPECT_EQ(seen[0]["kind"], "collection");
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i]["seq"], static_cast<int>(i + 1));
  EXPECT_EQ(seen[1]["page_id"], pages[0]);
  EXPECT_EQ(seen[1]["revision"], blob_id(records[0]));
  EXPECT_EQ(get(ws_path() + "/changes?since=-1", owner.token).status, 400);
  EXPECT_EQ(get(ws_path() + "/changes?limit=5000", owner.token).status, 400);
}

TEST_F(HttpApi, ChangeFeedLongPollWakesOnAWriteOrTimesOut) {
  auto feed = get(ws_path() + "/changes", owner.token);
  const std::int64_t since = feed.json_body()["next"].get<std::int64_t>();
  const std::string target =
      ws_path() + "/changes?since=" + std::to_string(since) + "&wait=20";
  // Nothing new: the request is held, then woken by a write from another connection.
  HttpResponse waited;
  auto t0 = std::chrono::steady_clock::now();
  std::thread reader([&] {
    HttpClient other(server_->host(), server_->port());
    other.set_timeout_ms(30000);
    waited = other.json_request("GET", target, nullptr, owner.token);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const std::string page = random_id();
  ASSERT_EQ(put_page(page, rec(page, 1, "", "wake up"), "If-None-Match", "*", owner.token).status,
            201);
  reader.join();
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  ASSERT_EQ(waited.status, 200);
  auto j = waited.json_body();
  ASSERT_EQ(j["changes"].size(), 1u);
  EXPECT_EQ(j["changes"][0]["page_id"], page);
  EXPECT_GE(elapsed, std::chrono::milliseconds(250));
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  // A write that lands before the wait starts is not missed.
  auto immediate = get(ws_path() + "/changes?since=" + std::to_string(since) + "&wait=20",
                       owner.token);
  EXPECT_EQ(immediate.json_body()["changes"].size(), 1u);
  // Nothing happens: the empty answer comes after the wait.
  t0 = std::chrono::steady_clock::now();
  auto empty = get(ws_path() + "/changes?since=" + std::to_string(since + 1) + "&wait=1",
                   owner.token);
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(empty.json_body()["changes"].size(), 0u);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(900));
  EXPECT_EQ(get(ws_path() + "/changes?wait=61", owner.token).status, 400);
}

TEST_F(HttpApi, BlobsAreContentAddressedAndImmutable) {
  const std::string data = "ciphertext bytes \x01\x02\x00\xff" + std::string(5000, 'z');
  const std::string id = blob_id(data);
  const std::string put_target = ws_path() + "/blobs/" + id;
  auto auth = HeaderList{{"Authorization", "Bearer " + owner.token}};
  EXPECT_EQ(c->request("PUT", put_target, data).status, 401);
  auto mismatch = c->request("PUT", ws_path() + "/blobs/" + blob_id("other"), data, auth);
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_EQ(mismatch.error_code(), "hash_mismatch");
  EXPECT_EQ(c->request("PUT", put_target, data, auth).status, 201);
  EXPECT_EQ(c->request("PUT", put_target, data, auth).status, 200);  // idempotent
  TestAccount reader = member("read");
  EXPECT_EQ(c->request("PUT", put_target, data, {{"Authorization", "Bearer " + reader.token}})
                .status, 403);

  auto got = c->request("GET", "/v1/blobs/" + id);  // no token: the id is the capability
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body, data);
  EXPECT_EQ(got.header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(got.header("etag"), "\"" + id + "\"");
  EXPECT_EQ(got.header("content-type"), "application/octet-stream");
  EXPECT_EQ(got.header("access-control-allow-origin"), "*");  // a web app may read it from the cache
  EXPECT_TRUE(got.header("vary").empty());                     // one answer for everyone
  auto cached = c->request("GET", "/v1/blobs/" + id, "", {{"If-None-Match", "\"" + id + "\""}});
  EXPECT_EQ(cached.status, 304);
  auto head = c->request("HEAD", "/v1/blobs/" + id);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), std::to_string(data.size()));
  EXPECT_TRUE(head.body.empty());
  auto missing = c->request("GET", "/v1/blobs/" + blob_id("missing"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.header("cache-control"), "no-store");  // it may be uploaded a moment later
  EXPECT_EQ(c->request("HEAD", "/v1/blobs/" + blob_id("missing")).status, 404);

  // Batch: frames in request order, missing ids marked.
  const std::string small = "small";
  ASSERT_EQ(c->request("PUT", ws_path() + "/blobs/" + blob_id(small), small, auth).status, 201);
  auto batch = c->json_request("POST", "/v1/blobs/batch",
                               {{"ids", {id, blob_id("missing"), blob_id(small)}}});
  ASSERT_EQ(batch.status, 200);
  EXPECT_EQ(batch.header("content-type"), "application/vnd.zkwiki.blob-batch");
  const std::string& b = batch.body;
  size_t off = 0;
  std::vector<std::pair<int, std::string>> frames;
  while (off + 37 <= b.size()) {
    int status = static_cast<unsigned char>(b[off + 32]);
    std::uint32_t len = (static_cast<std::uint32_t>(static_cast<unsigned char>(b[off + 33])) << 24) |
                        (static_cast<std::uint32_t>(static_cast<unsigned char>(b[off + 34])) << 16) |
                        (static_cast<std::uint32_t>(static_cast<unsigned char>(b[off + 35])) << 8) |
                        static_cast<std::uint32_t>(static_cast<unsigned char>(b[off + 36]));
    frames.emplace_back(status, b.substr(off + 37, len));
    off += 37 + len;
  }
  EXPECT_EQ(off, b.size());
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0], std::make_pair(0, data));
  EXPECT_EQ(frames[1], std::make_pair(1, std::string()));
  EXPECT_EQ(frames[2], std::make_pair(0, small));
  EXPECT_EQ(c->json_request("POST", "/v1/blobs/batch", {{"ids", {"nothex"}}}).status, 400);
  EXPECT_EQ(c->json_request("POST", "/v1/blobs/batch", {{"ids", "x"}}).status, 400);
}

TEST_F(HttpApi, StorageQuotaIs507AndNothingIsDamaged) {
  auto auth = HeaderList{{"Authorization", "Bearer " + owner.token}};
  const std::string big(200000, 'a'), more(200000, 'b');
  ASSERT_EQ(c->request("PUT", ws_path() + "/blobs/" + blob_id(big), big, auth).status, 201);
  auto over = c->request("PUT", ws_path() + "/blobs/" + blob_id(more), more, auth);
  EXPECT_EQ(over.status, 507);
  EXPECT_EQ(over.error_code(), "quota_exceeded");
  EXPECT_NE(over.body.find("quota"), std::string::npos);
  EXPECT_EQ(c->request("GET", "/v1/blobs/" + blob_id(more)).status, 404);
  EXPECT_EQ(c->request("GET", "/v1/blobs/" + blob_id(big)).body, big);
  // Page records count too: fill the quota to within one record, then write two.
  const std::string page = random_id();
  const std::string first = rec(page, 1, "", "first");
  const std::string filler(kQuota - big.size() - first.size() - first.size() / 2, 'f');
  ASSERT_EQ(c->request("PUT", ws_path() + "/blobs/" + blob_id(filler), filler, auth).status, 201);
  ASSERT_EQ(put_page(page, first, "If-None-Match", "*", owner.token).status, 201);
  auto r2 = put_page(page, rec(page, 2, blob_id(first), "second"), "If-Match",
                     "\"" + blob_id(first) + "\"", owner.token);
  EXPECT_EQ(r2.status, 507);
  EXPECT_EQ(get(page_path(page), owner.token).json_body()["revision"], blob_id(first));
}

TEST_F(HttpApi, OversizedBodyIs413AndTheConnectionCloses) {
  // Announced too large: refused after the header, answered, and closed.
  std::string req = "PUT " + ws_path() + "/blobs/" + blob_id("x") +
                    " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + owner.token +
                    "\r\nContent-Length: " + std::to_string(kMaxBody + 1) + "\r\n\r\n" +
                    std::string(100000, 'x');
  bool closed = false;
  auto t0 = std::chrono::steady_clock::now();
  std::string got = raw_exchange(server_->host(), server_->port(), req, 5000, &closed);
  EXPECT_EQ(got.substr(0, 12), "HTTP/1.1 413") << got.substr(0, 200);
  EXPECT_NE(got.find("payload_too_large"), std::string::npos);
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(4));
  // Chunked without a length: refused once the limit is crossed.
  auto r = c->request("PUT", ws_path() + "/blobs/" + blob_id("y"), std::string(kMaxBody + 10, 'y'),
                      {{"Authorization", "Bearer " + owner.token}});
  EXPECT_EQ(r.status, 413);
  // The server keeps serving.
  EXPECT_EQ(get("/v1/health").status, 200);
}

TEST_F(HttpApi, ExpectContinueIsAnsweredBeforeTheBody) {
  // Header only: the server says 100 Continue and waits for the body.
  std::string head = "PUT " + ws_path() + "/blobs/" + blob_id("x") +
                     " HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n";
  bool closed = false;
  std::string got = raw_exchange(server_->host(), server_->port(), head, 700, &closed);
  EXPECT_EQ(got.substr(0, 25), "HTTP/1.1 100 Continue\r\n\r\n") << got;
  EXPECT_FALSE(closed);
  // Too large: 413 at once, no 100 Continue.
  std::string big = "PUT " + ws_path() + "/blobs/" + blob_id("x") +
                    " HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: " +
                    std::to_string(kMaxBody + 1) + "\r\n\r\n";
  got = raw_exchange(server_->host(), server_->port(), big, 3000, &closed);
  EXPECT_EQ(got.substr(0, 12), "HTTP/1.1 413") << got;
  EXPECT_TRUE(closed);
}

TEST_F(HttpApi, MalformedHttpIs400) {
  bool closed = false;
  std::string got = raw_exchange(server_->host(), server_->port(),
                                 "GARBAGE\r\n\r\n", 3000, &closed);
  EXPECT_EQ(got.substr(0, 12), "HTTP/1.1 400") << got;
  EXPECT_TRUE(closed);
  got = raw_exchange(server_->host(), server_->port(),
                     "GET /v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 3000,
                     &closed);
  EXPECT_EQ(got.substr(0, 12), "HTTP/1.1 400") << got;
  EXPECT_EQ(get("/v1/health").status, 200);
}

TEST_F(HttpApi, PipelinedRequestsAreAnsweredInOrder) {
  std::string one = "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string last = "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  bool closed = false;
  std::string got = raw_exchange(server_->host(), server_->port(), one + one + last, 3000, &closed);
  EXPECT_TRUE(closed);
  auto first404 = got.find("HTTP/1.1 404");
  ASSERT_NE(first404, std::string::npos);
  size_t oks = 0;
  for (size_t p = got.find("HTTP/1.1 200"); p != std::string::npos && p < first404;
       p = got.find("HTTP/1.1 200", p + 1))
    ++oks;
  EXPECT_EQ(oks, 2u);
}

// ---------------------------------------------------------------------------------------------
// Servers with their own limits.

int open_idle_connection(std::uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

TEST(HttpServer, SlowClientsTimeOut) {
  TempDir dir;
  ServerProcess s;
  ASSERT_TRUE(s.start(dir.path() + "/data", {"--read-timeout", "1"})) << s.error();
  bool closed = false;
  auto t0 = std::chrono::steady_clock::now();
  // Half a request line, then silence: the server closes within its read timeout.
  std::string got = raw_exchange(s.host(), s.port(), "GET /v1/hea", 5000, &closed);
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(3000));
  HttpClient c(s.host(), s.port());
  auto m = c.request("GET", "/metrics");
  EXPECT_NE(m.body.find("zkwiki_read_timeouts_total 1"), std::string::npos);
  EXPECT_EQ(s.terminate(), 0);
}

TEST(HttpServer, TooManyConnectionsAreRefusedCleanly) {
  TempDir dir;
  ServerProcess s;
  ASSERT_TRUE(s.start(dir.path() + "/data", {"--max-connections", "3"})) << s.error();
  std::vector<int> fds;
  for (int i = 0; i < 3; ++i) fds.push_back(open_idle_connection(s.port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  bool closed = false;
  std::string got =
      raw_exchange(s.host(), s.port(), "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n", 3000, &closed);
  EXPECT_EQ(got.substr(0, 12), "HTTP/1.1 503") << got;
  EXPECT_NE(got.find("too_many_connections"), std::string::npos);
  EXPECT_TRUE(closed);
  for (int fd : fds) close(fd);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  HttpClient c(s.host(), s.port());
  EXPECT_EQ(c.request("GET", "/v1/health").status, 200);
  EXPECT_EQ(s.terminate(), 0);
}

TEST(HttpServer, RefusesToStartWithAnAppDirectoryThatHoldsNoApp) {
  // Else every /app/ path would answer 404 and the user would not know why.
  TempDir dir;
  ServerProcess s;
  EXPECT_FALSE(s.start(dir.path() + "/data", {"--app", dir.path() + "/not-built"}));
  EXPECT_NE(s.error().find("no index.html there"), std::string::npos) << s.error();
}

TEST(HttpServer, ServesTheWebAppWithMimeTypesAndCsp) {
  TempDir dir;
  const std::string app = dir.path() + "/app";
  std::filesystem::create_directories(app + "/assets");
  std::ofstream(app + "/index.html") << "<!doctype html><title>zkwiki</title>";
  std::ofstream(app + "/zkwiki.wasm") << std::string("\0asm\1\0\0\0", 8);
  std::ofstream(app + "/assets/app.js") << "console.log(1)";
  std::ofstream(dir.path() + "/secret.txt") << "outside";
  ServerProcess s;
  ASSERT_TRUE(s.start(dir.path() + "/data", {"--app", app})) << s.error();
  HttpClient c(s.host(), s.port());
  auto index = c.request("GET", "/app/");
  ASSERT_EQ(index.status, 200);
  EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(index.header("cache-control"), "no-store");
  EXPECT_NE(index.header("content-security-policy").find("script-src 'self' 'wasm-unsafe-eval'"),
            std::string::npos);
  EXPECT_NE(index.header("content-security-policy").find("frame-ancestors 'none'"),
            std::string::npos);
  EXPECT_EQ(c.request("GET", "/app/index.html").header("cache-control"), "no-store");
  auto wasm = c.request("GET", "/app/zkwiki.wasm");
  EXPECT_EQ(wasm.header("content-type"), "application/wasm");
  EXPECT_EQ(wasm.body.size(), 8u);
  EXPECT_EQ(c.request("GET", "/app/assets/app.js").header("content-type"),
            "text/javascript; charset=utf-8");
  EXPECT_EQ(c.request("HEAD", "/app/assets/app.js").header("content-length"), "14");
  EXPECT_EQ(c.request("GET", "/app").status, 308);
  for (const std::string& t : std::vector<std::string>{"/app/../secret.txt", "/app/..%2Fsecret.txt", "/app/.hidden",
                        "/app/assets/", "/app/nope.js", "/app//index.html"})
    EXPECT_EQ(c.request("GET", t).status, 404) << t;
  EXPECT_EQ(c.request("POST", "/app/").status, 405);
  EXPECT_EQ(s.terminate(), 0);
}

TEST(HttpServer, SigtermAnswersPendingLongPollsAndExits) {
  TempDir dir;
  ServerProcess s;
  ASSERT_TRUE(s.start(dir.path() + "/data")) << s.error();
  HttpClient c(s.host(), s.port());
  TestAccount a = new_account();
  ASSERT_TRUE(register_and_login(c, a));
  const std::string ws = random_id();
  ASSERT_EQ(c.json_request("POST", "/v1/workspaces", {{"workspace_id", ws}, {"record", b64(workspace_record(a, ws))}},
                           a.token).status, 201);
  HttpResponse waited;
  std::thread reader([&] {
    HttpClient other(s.host(), s.port());
    other.set_timeout_ms(30000);
    waited = other.json_request("GET", "/v1/workspaces/" + ws + "/changes?wait=30", nullptr,
                                a.token);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(s.terminate(), 0);
  reader.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_EQ(waited.status, 200);
  EXPECT_EQ(waited.header("connection"), "close");
}

TEST(HttpServer, LogsNeitherSecretsNorIdsNorBodies) {
  TempDir dir;
  ServerProcess s;
  ASSERT_TRUE(s.start(dir.path() + "/data")) << s.error();
  HttpClient c(s.host(), s.port());
  TestAccount a = new_account();
  ASSERT_TRUE(register_and_login(c, a));
  const std::string ws = random_id();
  const std::string ws_record = workspace_record(a, ws);
  ASSERT_EQ(c.json_request("POST", "/v1/workspaces",
                           {{"workspace_id", ws}, {"record", b64(ws_record)}},
                           a.token).status, 201);
  const std::string blob = "blob body that must not be logged";
  EXPECT_EQ(c.request("PUT", "/v1/workspaces/" + ws + "/blobs/" + blob_id(blob), blob,
                      {{"Authorization", "Bearer " + a.token}}).status, 201);
  EXPECT_EQ(c.request("GET", "/v1/workspaces/" + ws, "", {{"Authorization", "Bearer zks_" +
                                                           std::string(64, 'a')}}).status, 401);
  EXPECT_EQ(s.terminate(), 0);
  const std::string log = s.stderr_text();
  for (const std::string& secret : {a.token, a.token.substr(4), a.id, ws, blob_id(blob), blob,
                                    b64(ws_record), b64(blob)})
    EXPECT_EQ(log.find(secret), std::string::npos) << "the log contains " << secret;
}

TEST(HttpServer, RefusesToStartOnACorruptDatabase) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  {
    ServerProcess s;
    ASSERT_TRUE(s.start(data)) << s.error();
    HttpClient c(s.host(), s.port());
    for (int i = 0; i < 150; ++i) {
      TestAccount a = new_account();
      ASSERT_EQ(c.json_request("POST", "/v1/accounts", account_body(a)).status, 201);
    }
    ASSERT_EQ(s.terminate(), 0);  // checkpoints the WAL into the main file
  }
  const std::string db = data + "/zkwiki.sqlite3";
  ASSERT_GT(std::filesystem::file_size(db), 8u * 4096);
  {
    // Scribble over the second and third pages (b-tree pages, past the header page).
    std::fstream f(db, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096 + 100);
    const std::string junk(2 * 4096 - 200, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  ServerProcess s;
  EXPECT_FALSE(s.start(data));
  EXPECT_NE(s.error().find("cannot open the store"), std::string::npos) << s.error();
}

TEST(HttpServer, SigtermDrainsAndRestartKeepsData) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  TestAccount a = new_account();
  std::string ws = random_id(), coll = random_id(), page = random_id();
  {
    ServerProcess s;
    ASSERT_TRUE(s.start(data)) << s.error();
    HttpClient c(s.host(), s.port());
    ASSERT_TRUE(register_and_login(c, a));
    ASSERT_EQ(c.json_request("POST", "/v1/workspaces", {{"workspace_id", ws}, {"record", b64(workspace_record(a, ws))}},
                             a.token).status, 201);
    ASSERT_EQ(c.json_request("POST", "/v1/workspaces/" + ws + "/collections",
                             {{"collection_id", coll}, {"record", b64("c")}}, a.token).status, 201);
    const std::string kept = revision_record(a, ws, coll, page, 1, "", "kept");
    ASSERT_EQ(c.json_request("PUT", "/v1/workspaces/" + ws + "/collections/" + coll + "/pages/" + page,
                             {{"revision", blob_id(kept)}, {"record", b64(kept)}}, a.token,
                             {{"If-None-Match", "*"}}).status, 201);
    // An idle keep-alive connection does not hold up the drain.
    EXPECT_EQ(s.terminate(), 0);
    EXPECT_NE(s.stderr_text().find("stopped"), std::string::npos);
  }
  ServerProcess s2;
  ASSERT_TRUE(s2.start(data)) << s2.error();
  HttpClient c2(s2.host(), s2.port());
  // The session token, the workspace and the page all survived.
  auto r = c2.json_request("GET", "/v1/workspaces/" + ws + "/collections/" + coll + "/pages/" + page,
                           nullptr, a.token);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json_body()["revision"],
            blob_id(revision_record(a, ws, coll, page, 1, "", "kept")));
  EXPECT_EQ(s2.terminate(), 0);
}

}  // namespace
}  // namespace zkwiki::test

// Agent grants at the server, in process with an injected clock: a scoped token expires on the
// clock, a revoked grant's token fails at once, keys re-wrapped to a grant reach only that
// grant's token, and the grant routes refuse what they must.
#include <gtest/gtest.h>

#include <atomic>

#include "api.h"
#include "client.h"
#include "crypto.h"
#include "zkwiki/account.h"
#include "zkwiki/agent.h"
#include "zkwiki/encoding.h"

namespace zkwiki::server {
namespace {

using test::b64;
using test::json;

std::atomic<std::int64_t> g_now{1'800'000'000};

struct GrantHarness : ::testing::Test {
  std::unique_ptr<Store> store = make_memory_store();
  Api api{*store, [] {
            Config c;
            c.clock = [] { return g_now.load(); };
            return c;
          }(),
          nullptr};
  test::TestAccount owner = test::new_account();
  std::string session, ws = test::random_id(), coll = test::random_id(), other = test::random_id();

  Response call(std::string method, std::string target, const json& body, const std::string& token,
                Headers extra = {}) {
    Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = body.is_null() ? "" : body.dump();
    r.headers = std::move(extra);
    if (!token.empty()) r.headers.emplace_back("authorization", "Bearer " + token);
    r.remote = "198.51.100.9";
    return api.handle(r);
  }
  static json body(const Response& r) { return json::parse(r.body); }

  void SetUp() override {
    ASSERT_TRUE(crypto_init());
    ASSERT_EQ(call("POST", "/v1/accounts", test::account_body(owner), "").status, 201);
    auto ch = call("POST", "/v1/auth/challenge", json{{"account_id", owner.id}}, "");
    std::string raw = to_bytes(*zkwiki::from_base64(body(ch)["challenge"].get<std::string>()));
    auto login = call("POST", "/v1/auth/login",
                      json{{"account_id", owner.id}, {"challenge", b64(raw)}, {"signature", b64(test::sign_login(owner, raw))}},
                      "");
    ASSERT_EQ(login.status, 200);
    session = body(login)["token"];
    ASSERT_EQ(call("POST", "/v1/workspaces", json{{"workspace_id", ws}, {"record", b64(test::workspace_record(owner, ws))}}, session).status, 201);
    for (const auto& c : {coll, other})
      ASSERT_EQ(call("POST", "/v1/workspaces/" + ws + "/collections", json{{"collection_id", c}, {"record", b64("c")}},
                     session).status, 201);
  }

  json token(const std::string& access, std::int64_t ttl) {
    auto r = call("POST", "/v1/tokens",
                  json{{"workspace_id", ws}, {"collection_ids", {coll}}, {"access", access}, {"not_after", g_now + ttl}},
                  session);
    EXPECT_EQ(r.status, 201) << r.body;
    return body(r);
  }
  std::string pages() const { return "/v1/workspaces/" + ws + "/collections/" + coll + "/pages"; }
};

TEST_F(GrantHarness, AScopedTokenExpiresOnTheServersClock) {
  json t = token("read", 60);
  std::string tok = t["token"];
  EXPECT_EQ(call("GET", pages(), nullptr, tok).status, 200);
  g_now += 59;
  EXPECT_EQ(call("GET", pages(), nullptr, tok).status, 200);
  g_now += 1;
  auto r = call("GET", pages(), nullptr, tok);
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("expired"), std::string::npos);
}

TEST_F(GrantHarness, RevokingAGrantEndsItsTokenAndStoresTheSignedRevocation) {
  json t = token("read-write", 3600);
  std::string tok = t["token"], id = t["token_id"];
  AccountKeys agent = generate_agent_keys();
  auto put = call("PUT", "/v1/workspaces/" + ws + "/grants/" + id,
                  json{{"agent_key", b64(std::string(agent.public_keys.ed25519.begin(), agent.public_keys.ed25519.end()))},
                       {"record", b64("bundle")}},
                  session);
  ASSERT_EQ(put.status, 201) << put.body;
  // The agent's token sees grant changes in the feed, and the grant list.
  auto feed = call("GET", "/v1/workspaces/" + ws + "/changes", nullptr, tok);
  ASSERT_EQ(feed.status, 200);
  EXPECT_NE(feed.body.find("\"grant_id\":\"" + id + "\""), std::string::npos);
  auto list = call("GET", "/v1/workspaces/" + ws + "/grants", nullptr, tok);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(body(list)["grants"].size(), 1u);
  EXPECT_TRUE(body(list)["grants"][0]["revocation"].is_null());
  // A scoped token cannot revoke; a revocation signed by another key, or for another grant, is refused.
  WorkspaceId wsid = *WorkspaceId::from_hex(ws);
  GrantId gid = *GrantId::from_hex(id);
  AccountKeys stranger = AccountKeys::generate(AccountId::random());
  auto rev_of = [&](const AccountKeys& k, const GrantId& g) {
    auto b = sign_revocation(wsid, g, g_now, k).encode();
    return json{{"revocation", b64(std::string(b.begin(), b.end()))}};
  };
  EXPECT_EQ(call("POST", "/v1/workspaces/" + ws + "/grants/" + id + "/revoke", rev_of(stranger, gid), tok).status, 403);
  EXPECT_EQ(call("POST", "/v1/workspaces/" + ws + "/grants/" + id + "/revoke", rev_of(stranger, gid), session).status,
            403);
  EXPECT_EQ(call("POST", "/v1/workspaces/" + ws + "/grants/" + id + "/revoke", rev_of(stranger, GrantId::random()),
                 session).status,
            400);
  // The owner's own identity key signs the revocation: the token fails from the next request on.
  AccountKeys identity = AccountKeys::from_seeds(*AccountId::from_hex(owner.id), Secret::random(32),
                                                 Secret::from_bytes(as_span(owner.identity_secret.substr(0, 32))));
  auto ok = call("POST", "/v1/workspaces/" + ws + "/grants/" + id + "/revoke", rev_of(identity, gid), session);
  ASSERT_EQ(ok.status, 200) << ok.body;
  auto after = call("GET", pages(), nullptr, tok);
  EXPECT_EQ(after.status, 401);
  EXPECT_NE(after.body.find("revoked"), std::string::npos);
  list = call("GET", "/v1/workspaces/" + ws + "/grants", nullptr, session);
  EXPECT_FALSE(body(list)["grants"][0]["revocation"].is_null());
  // Keys can no longer be wrapped to it.
  auto key = call("PUT", "/v1/workspaces/" + ws + "/collections/" + coll + "/keys/" + id + "/2",
                  json{{"wrapped", b64("w")}}, session);
  EXPECT_EQ(key.status, 403);
}

TEST_F(GrantHarness, KeysWrappedToAGrantReachOnlyItsToken) {
  json a = token("read", 3600), b = token("read", 3600);
  for (const json* t : {&a, &b})
    ASSERT_EQ(call("PUT", "/v1/workspaces/" + ws + "/grants/" + (*t)["token_id"].get<std::string>(),
                   json{{"agent_key", b64(std::string(32, 'k'))}, {"record", b64("bundle")}}, session)
                  .status,
              201);
  std::string keys = "/v1/workspaces/" + ws + "/collections/" + coll + "/keys";
  ASSERT_EQ(call("PUT", keys + "/" + a["token_id"].get<std::string>() + "/2", json{{"wrapped", b64("for a")}}, session)
                .status,
            200);
  ASSERT_EQ(call("PUT", keys + "/" + owner.id + "/1", json{{"wrapped", b64("for owner")}}, session).status, 200);
  auto ka = body(call("GET", keys, nullptr, a["token"]));
  ASSERT_EQ(ka["keys"].size(), 1u);
  EXPECT_EQ(ka["keys"][0]["wrapped"], b64("for a"));
  auto kb = body(call("GET", keys + "?account=*", nullptr, b["token"]));
  EXPECT_EQ(kb["keys"].size(), 0u);  // a scoped token reads its own grant's keys, whatever it asks
  // Nor can a scoped token read another collection's keys, or wrap keys itself.
  EXPECT_EQ(call("GET", "/v1/workspaces/" + ws + "/collections/" + other + "/keys", nullptr, a["token"]).status, 403);
  EXPECT_EQ(call("PUT", keys + "/" + a["token_id"].get<std::string>() + "/3", json{{"wrapped", b64("x")}}, a["token"])
                .status,
            403);
  // Keys to an id that is neither a member nor a grant: 404.
  EXPECT_EQ(call("PUT", keys + "/" + test::random_id() + "/1", json{{"wrapped", b64("x")}}, session).status, 404);
}

TEST_F(GrantHarness, TokenListsSayWhenEachWasLastUsed) {
  json t = token("read", 3600);
  auto list = body(call("GET", "/v1/tokens", nullptr, session));
  EXPECT_TRUE(list["tokens"][0]["last_used"].is_null());
  g_now += 5;
  ASSERT_EQ(call("GET", pages(), nullptr, t["token"]).status, 200);
  list = body(call("GET", "/v1/tokens", nullptr, session));
  EXPECT_EQ(list["tokens"][0]["last_used"], g_now.load());
}

}  // namespace
}  // namespace zkwiki::server

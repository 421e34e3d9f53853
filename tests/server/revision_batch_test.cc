// POST /v1/workspaces/{ws}/revisions/batch: many revision records in one request (a new device's
// first sync), in process over the memory store. Answers list every entry in request order; every
// malformed request is refused whole, and a scoped token reads only its own collections.
#include <gtest/gtest.h>

#include <ctime>

#include "api.h"
#include "client.h"
#include "crypto.h"
#include "zkwiki/encoding.h"

namespace zkwiki::server {
namespace {

using test::b64;
using test::json;

struct RevisionBatch : ::testing::Test {
  std::unique_ptr<Store> store = make_memory_store();
  Api api{*store, Config{}, nullptr};
  test::TestAccount owner = test::new_account();
  std::string session, ws = test::random_id(), coll = test::random_id(), other = test::random_id();

  Response call(std::string method, std::string target, const std::string& body, const std::string& token) {
    Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = body;
    if (!token.empty()) r.headers.emplace_back("authorization", "Bearer " + token);
    r.remote = "198.51.100.11";
    return api.handle(r);
  }
  Response call(std::string method, std::string target, const json& body, const std::string& token) {
    return call(std::move(method), std::move(target), body.is_null() ? std::string() : body.dump(), token);
  }
  static json body(const Response& r) { return json::parse(r.body); }
  std::string login(const test::TestAccount& a) {
    auto ch = call("POST", "/v1/auth/challenge", json{{"account_id", a.id}}, "");
    std::string raw = to_bytes(*zkwiki::from_base64(body(ch)["challenge"].get<std::string>()));
    auto r = call("POST", "/v1/auth/login",
                  json{{"account_id", a.id}, {"challenge", b64(raw)}, {"signature", b64(test::sign_login(a, raw))}}, "");
    EXPECT_EQ(r.status, 200) << r.body;
    return body(r)["token"];
  }

  void SetUp() override {
    ASSERT_TRUE(crypto_init());
    ASSERT_EQ(call("POST", "/v1/accounts", test::account_body(owner), "").status, 201);
    session = login(owner);
    ASSERT_EQ(call("POST", "/v1/workspaces", json{{"workspace_id", ws}, {"record", b64("ws")}}, session).status, 201);
    for (const auto& c : {coll, other})
      ASSERT_EQ(call("POST", "/v1/workspaces/" + ws + "/collections", json{{"collection_id", c}, {"record", b64("c")}},
                     session).status, 201);
  }
  // Writes revision `n` of `page` in collection `c` (its parent the record given); returns the record.
  std::string write(const std::string& c, const std::string& page, std::uint64_t n, const std::string& parent = {}) {
    std::string rec = test::revision_record(owner, ws, c, page, n, parent.empty() ? "" : test::blob_id(parent),
                                            "content " + std::to_string(n));
    Request r;
    r.method = "PUT";
    r.target = "/v1/workspaces/" + ws + "/collections/" + c + "/pages/" + page;
    r.body = json{{"revision", test::blob_id(rec)}, {"record", b64(rec)}}.dump();
    r.headers.emplace_back("authorization", "Bearer " + session);
    if (parent.empty()) r.headers.emplace_back("if-none-match", "*");
    else r.headers.emplace_back("if-match", "\"" + test::blob_id(parent) + "\"");
    r.remote = "198.51.100.11";
    EXPECT_LT(api.handle(r).status, 300);
    return rec;
  }
  std::string route() const { return "/v1/workspaces/" + ws + "/revisions/batch"; }
  static json entry(const std::string& c, const std::string& p, const std::string& rev) {
    return json{{"collection_id", c}, {"page_id", p}, {"revision", rev}};
  }
};

TEST_F(RevisionBatch, AnswersEveryEntryInRequestOrderAndUnknownOnesAreNotFound) {
  const std::string p1 = test::random_id(), p2 = test::random_id();
  const std::string r1 = write(coll, p1, 1), r2 = write(coll, p1, 2, r1), q1 = write(other, p2, 1);
  json ask = json::array({entry(coll, p1, test::blob_id(r2)), entry(other, p2, test::blob_id(q1)),
                          entry(coll, p1, test::blob_id(r1)),
                          entry(coll, test::random_id(), test::blob_id(r1)),   // an unknown page
                          entry(coll, p1, test::blob_id("never written")),     // an unknown revision
                          entry(coll, p1, test::blob_id(q1)),                  // another page's revision
                          entry(test::random_id(), p1, test::blob_id(r1))});  // an unknown collection
  auto r = call("POST", route(), json{{"revisions", ask}}, session);
  ASSERT_EQ(r.status, 200) << r.body;
  json got = body(r)["revisions"];
  ASSERT_EQ(got.size(), ask.size());
  for (std::size_t i = 0; i < ask.size(); ++i) {
    EXPECT_EQ(got[i]["collection_id"], ask[i]["collection_id"]) << i;
    EXPECT_EQ(got[i]["page_id"], ask[i]["page_id"]) << i;
    EXPECT_EQ(got[i]["revision"], ask[i]["revision"]) << i;
  }
  auto record_of = [&](std::size_t i) { return to_bytes(*zkwiki::from_base64(got[i]["record"].get<std::string>())); };
  EXPECT_EQ(got[0]["status"], "ok");
  EXPECT_EQ(record_of(0), r2);
  EXPECT_EQ(record_of(1), q1);
  EXPECT_EQ(record_of(2), r1);
  EXPECT_TRUE(got[0]["seq"].is_number_unsigned());
  for (std::size_t i = 3; i < ask.size(); ++i) {
    EXPECT_EQ(got[i]["status"], "not_found") << i;
    EXPECT_FALSE(got[i].contains("record")) << i;
  }
  // An empty list is an empty answer.
  auto none = call("POST", route(), json{{"revisions", json::array()}}, session);
  ASSERT_EQ(none.status, 200);
  EXPECT_TRUE(body(none)["revisions"].empty());
}

TEST_F(RevisionBatch, MalformedRequestsAre400AndTooManyIdsToo) {
  const std::string p = test::random_id(), rev = test::blob_id(write(coll, p, 1));
  auto status_of = [&](const std::string& raw) { return call("POST", route(), raw, session).status; };
  auto code_of = [&](const json& j) { return body(call("POST", route(), j, session))["error"]["code"]; };
  EXPECT_EQ(status_of("not json"), 400);
  EXPECT_EQ(status_of("[]"), 400);
  EXPECT_EQ(code_of(json::object()), "missing_field");
  EXPECT_EQ(code_of(json{{"revisions", "x"}}), "wrong_type");
  EXPECT_EQ(code_of(json{{"revisions", json::array({"x"})}}), "wrong_type");
  EXPECT_EQ(status_of(json{{"revisions", json::array({json{{"collection_id", coll}, {"page_id", p}}})}}.dump()), 400);
  EXPECT_EQ(status_of(json{{"revisions", json::array({json{{"collection_id", coll}, {"page_id", p}, {"revision", 7}}})}}.dump()), 400);
  EXPECT_EQ(code_of(json{{"revisions", json::array({entry("nothex", p, rev)})}}), "invalid_id");
  EXPECT_EQ(code_of(json{{"revisions", json::array({entry(coll, p.substr(1), rev)})}}), "invalid_id");
  EXPECT_EQ(code_of(json{{"revisions", json::array({entry(coll, p, rev.substr(0, 63) + "g")})}}), "invalid_id");
  json many = json::array();
  for (int i = 0; i < 1001; ++i) many.push_back(entry(coll, p, rev));
  EXPECT_EQ(code_of(json{{"revisions", many}}), "wrong_type");
  many.erase(many.begin());  // 1000 is the limit, and allowed
  auto full = call("POST", route(), json{{"revisions", many}}, session);
  ASSERT_EQ(full.status, 200);
  EXPECT_EQ(body(full)["revisions"].size(), 1000u);
  EXPECT_EQ(call("GET", route(), std::string(), session).status, 405);
}

TEST_F(RevisionBatch, AScopedTokenReadsOnlyItsCollectionsAndStrangersNothing) {
  const std::string p = test::random_id(), q = test::random_id();
  const std::string in = test::blob_id(write(coll, p, 1)), out = test::blob_id(write(other, q, 1));
  auto t = call("POST", "/v1/tokens",
                json{{"workspace_id", ws}, {"collection_ids", {coll}}, {"access", "read"}, {"not_after", static_cast<std::int64_t>(std::time(nullptr)) + 3600}},
                session);
  ASSERT_EQ(t.status, 201) << t.body;
  const std::string scoped = body(t)["token"];
  auto mine = call("POST", route(), json{{"revisions", json::array({entry(coll, p, in)})}}, scoped);
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_EQ(body(mine)["revisions"][0]["status"], "ok");
  // One entry outside the scope refuses the batch: nothing of it is answered.
  auto mixed = call("POST", route(), json{{"revisions", json::array({entry(coll, p, in), entry(other, q, out)})}}, scoped);
  EXPECT_EQ(mixed.status, 403);
  EXPECT_EQ(mixed.body.find("\"record\""), std::string::npos);
  // No token, another account (not a member), a token for another workspace's route.
  EXPECT_EQ(call("POST", route(), json{{"revisions", json::array({entry(coll, p, in)})}}, "").status, 401);
  test::TestAccount stranger = test::new_account();
  ASSERT_EQ(call("POST", "/v1/accounts", test::account_body(stranger), "").status, 201);
  EXPECT_EQ(call("POST", route(), json{{"revisions", json::array({entry(coll, p, in)})}}, login(stranger)).status, 403);
  const std::string elsewhere = "/v1/workspaces/" + test::random_id() + "/revisions/batch";
  EXPECT_EQ(call("POST", elsewhere, json{{"revisions", json::array({entry(coll, p, in)})}}, scoped).status, 403);
}

}  // namespace
}  // namespace zkwiki::server

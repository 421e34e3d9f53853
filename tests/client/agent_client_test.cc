// Agents against a real zkwiki-server: a grant opened by an agent that writes and reads; expiry
// on an injected clock and revocation mid-session; scope at the server and in the crypto; a
// read-only agent's forged revision and an agent writing outside its path prefix, both refused
// by readers although the server stored them; rotation after revocation; an agent's import held
// to its grant before anything is sent; the search index an agent can open, upload or only keep.
#include "client_fixture.h"
#include "support/fails_with.h"
#include "zkwiki/agent.h"
#include "zkwiki/api_client.h"
#include "zkwiki/markdown_meta.h"
#include "zkwiki/page.h"

namespace zkwiki {
namespace {

class AgentClientTest : public ClientTest {
 protected:
  void SetUp() override {
    ClientTest::SetUp();
    ASSERT_TRUE(a_->create_collection("memory").ok());
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }

  IssuedGrant issue(const AccountKeys* to, std::vector<std::string> collections = {"memory"}, bool read_only = false,
                    std::string prefix = "memory/", std::int64_t ttl = 3600) {
    GrantOptions o;
    if (to != nullptr) o.agent = to->public_keys;
    o.collections = std::move(collections);
    o.read_only = read_only;
    o.path_prefix = std::move(prefix);
    o.ttl_seconds = ttl;
    o.label = "test agent";
    o.server_url = url();
    auto g = a_->grant(o);
    EXPECT_TRUE(g.ok()) << (g.ok() ? "" : g.error().message);
    return g.ok() ? std::move(g).value() : IssuedGrant{};
  }

  std::unique_ptr<Client> open(const std::string& grant, const AccountKeys* key, ClientOptions o = {}) {
    auto parsed = Grant::parse(grant);
    EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
    if (!parsed) return nullptr;
    auto c = Client::open_agent(*net_b_, std::make_unique<MemoryLocalStore>(), *parsed, key, std::move(o));
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
    return c.ok() ? std::move(c).value() : nullptr;
  }

  // The account itself, driven below the Client: what a hostile or buggy granter could do.
  struct RawAccount {
    std::unique_ptr<ApiClient> api;
    AccountKeys keys;
    std::map<CollectionId, Keyset> keysets;
  };
  RawAccount raw_account() {
    RawAccount r;
    r.api = std::make_unique<ApiClient>(*http_b_);
    auto rec = r.api->get_account(a_->account_id());
    auto unlocked = unlock_account(*rec, kPass, test::fast_kdf_policy());
    EXPECT_TRUE(unlocked.ok());
    EXPECT_TRUE(r.api->login(rec->id, unlocked->login).ok());
    r.keys = std::move(unlocked->keys);
    auto cols = r.api->list_collections(a_->workspace_id());
    for (const auto& [c, _] : *cols) {
      Keyset k(KeyScope::for_collection(a_->workspace_id(), c));
      auto wraps = r.api->list_wrapped_keys(a_->workspace_id(), c);
      for (const auto& w : *wraps) {
        auto u = unwrap_generation(w.wrapped, k.scope(), r.keys);
        if (u) {
          EXPECT_TRUE(k.insert(u->generation, std::move(u->key), u->primary).ok());
        }
      }
      r.keysets.emplace(c, std::move(k));
    }
    return r;
  }

  CollectionId collection(const std::string& name) {
    auto all = a_->collections();
    for (const auto& c : *all)
      if (c.name == name) return c.id;
    ADD_FAILURE() << "no collection " << name;
    return {};
  }

  // A revision written straight through the API: sealed, signed by `signer`, stored as a new page.
  static Result<void> forge(ApiClient& api, const Keyset& keyset, const WorkspaceId& ws, const CollectionId& c,
                            const std::string& path, const std::string& body, const AccountKeys& signer,
                            std::int64_t time_ms) {
    PageContent p;
    p.meta.path = path;
    p.meta.title = path;
    p.meta.created_ms = p.meta.modified_ms = time_ms;
    p.body = body;
    PageId id = PageId::random();
    EnvelopeContext ctx{ContentKind::page_revision, ws, c, id, 1, Hash256{}};
    ZKWIKI_ASSIGN(Bytes plain, encode_page(p));
    ZKWIKI_ASSIGN(Bytes env, seal_envelope(ctx, keyset, plain));
    RevisionRecord rec = sign_revision(ctx, env, signer.public_keys.ed25519, signer.ed25519_secret);
    ZKWIKI_TRY(api.put_blob(ws, env));
    ZKWIKI_ASSIGN(PutHeadOutcome out, api.put_head(ws, c, id, rec.encode(), std::nullopt));
    if (!out.accepted) return make_error(Errc::conflict, "not accepted");
    return {};
  }

  static bool quarantined_with(const SyncReport& r, const std::string& what) {
    for (const auto& q : r.quarantined)
      if (q.find(what) != std::string::npos) return true;
    return false;
  }

  static std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

TEST_F(AgentClientTest, AnAgentWritesReadsAndAMemberVerifiesIt) {
  AccountKeys key = generate_agent_keys();
  IssuedGrant g = issue(&key);
  ASSERT_EQ(g.grant.rfind("zkwgrant_", 0), 0u);
  auto agent = open(g.grant, &key);
  ASSERT_TRUE(agent);
  auto w = agent->write("memory/today.md", "# Today\n\nThe agent remembers this.\n");
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(body_of(*agent, "memory/today.md"), "# Today\n\nThe agent remembers this.\n");
  // Outside its prefix the agent refuses before sending anything.
  auto outside = agent->write("notes/today.md", "x");
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.error().code, Errc::forbidden);
  // The member verifies the agent's certificate and reads the page.
  auto s = a_->sync();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(s->quarantined.empty()) << s->quarantined.front();
  EXPECT_EQ(body_of(*a_, "memory/today.md"), "# Today\n\nThe agent remembers this.\n");
  // And the agent reads what the member writes to its collection.
  ASSERT_TRUE(a_->use_collection("memory").ok());
  ASSERT_TRUE(a_->write("memory/plan.md", "the plan\n").ok());
  ASSERT_TRUE(agent->sync().ok());
  EXPECT_EQ(body_of(*agent, "memory/plan.md"), "the plan\n");
  auto list = a_->grants();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].label, "test agent");
  EXPECT_EQ((*list)[0].collections, std::vector<std::string>{"memory"});
  EXPECT_TRUE((*list)[0].last_used.has_value());
}

TEST_F(AgentClientTest, ABearerGrantNeedsNoKeyFile) {
  IssuedGrant g = issue(nullptr);
  EXPECT_TRUE(g.bearer);
  auto agent = open(g.grant, nullptr);
  ASSERT_TRUE(agent);
  ASSERT_TRUE(agent->write("memory/b.md", "bearer\n").ok());
  ASSERT_TRUE(a_->sync().ok());
  EXPECT_EQ(body_of(*a_, "memory/b.md"), "bearer\n");
}

// An agent edits a page the owner edits meanwhile (WriteOptions::base_revision, as the MCP
// server's write_page passes it): apart edits merge, overlapping ones are refused, nothing lost.
TEST_F(AgentClientTest, AnAgentsEditBasedOnWhatItReadKeepsTheOwnersConcurrentEdit) {
  const std::string v1 = "goal\nstep one\nstep two\nstep three\nstep four\ndone\n";
  ASSERT_TRUE(a_->use_collection("memory").ok());
  ASSERT_TRUE(a_->write("memory/plan.md", v1).ok());
  AccountKeys key = generate_agent_keys();
  auto agent = open(issue(&key).grant, &key);
  ASSERT_TRUE(agent);
  ASSERT_TRUE(agent->sync().ok());
  auto read = agent->read_with_revision("memory/plan.md");
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_EQ(read->revision, 1u);
  ASSERT_TRUE(a_->write("memory/plan.md", "GOAL\nstep one\nstep two\nstep three\nstep four\ndone\n").ok());
  ASSERT_TRUE(agent->sync().ok());
  auto w = agent->write("memory/plan.md", "goal\nstep one\nstep two\nstep three\nstep four\nDONE by the agent\n",
                        WriteOptions{.base_revision = read->revision});
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_TRUE(w->merged);
  const std::string v3 = "GOAL\nstep one\nstep two\nstep three\nstep four\nDONE by the agent\n";
  ASSERT_TRUE(a_->sync().ok());
  EXPECT_EQ(body_of(*a_, "memory/plan.md"), v3);
  // Overlapping: the owner's edit stays the head; the agent is told to read again.
  const std::string by_owner = "GOAL\nstep one, by the owner\nstep two\nstep three\nstep four\nDONE by the agent\n";
  ASSERT_TRUE(a_->write("memory/plan.md", by_owner).ok());
  ASSERT_TRUE(agent->sync().ok());
  auto refused = agent->write("memory/plan.md", "GOAL\nstep one, by the agent\nstep two\nstep three\nstep four\nDONE by the agent\n",
                              WriteOptions{.base_revision = w->revision});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::conflict);
  EXPECT_NE(refused.error().message.find("memory/plan.md changed since revision 3"), std::string::npos)
      << refused.error().message;
  ASSERT_TRUE(a_->sync().ok());
  EXPECT_EQ(body_of(*a_, "memory/plan.md"), by_owner);
  EXPECT_EQ(a_->log("memory/plan.md")->size(), 4u);  // nothing of the refused edit
}

TEST_F(AgentClientTest, AnExpiredSessionFailsItsNextCallAndWritesNothing) {
  AccountKeys key = generate_agent_keys();
  IssuedGrant g = issue(&key, {"memory"}, false, "memory/", 600);
  auto clock = std::make_shared<std::int64_t>(now_ms());
  ClientOptions o;
  o.now_ms = [clock] { return *clock; };
  auto agent = open(g.grant, &key, o);
  ASSERT_TRUE(agent);
  ASSERT_TRUE(agent->write("memory/a.md", "one\n").ok());
  *clock += 601 * 1000;
  auto w = agent->write("memory/a.md", "two\n");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, Errc::expired);
  EXPECT_NE(w.error().message.find("expired"), std::string::npos) << w.error().message;
  EXPECT_EQ(agent->read("memory/a.md").error().code, Errc::expired);
  EXPECT_EQ(agent->sync().error().code, Errc::expired);
  ASSERT_TRUE(a_->sync().ok());
  EXPECT_EQ(body_of(*a_, "memory/a.md"), "one\n");
  EXPECT_EQ((*a_->log("memory/a.md")).size(), 1u);
}

TEST_F(AgentClientTest, RevocationMidSessionFailsTheNextWriteWithNoHalfWrittenRevision) {
  AccountKeys key = generate_agent_keys();
  IssuedGrant g = issue(&key);
  auto agent = open(g.grant, &key);
  ASSERT_TRUE(agent);
  ASSERT_TRUE(agent->write("memory/a.md", "one\n").ok());
  ASSERT_TRUE(a_->revoke(g.id, false).ok());
  auto w = agent->write("memory/a.md", "two\n");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, Errc::expired);
  EXPECT_NE(w.error().message.find("revoked"), std::string::npos) << w.error().message;
  // No "log in again" (an agent cannot): the grant ended, and who can give another.
  EXPECT_TRUE(test::FailsWith(w, Errc::expired, "ask the member who granted it (account " + a_->account_id().hex() +
                                                    ") for a new grant"));
  EXPECT_EQ(w.error().message.find("log in again"), std::string::npos) << w.error().message;
  // A session opened on the revoked grant is refused with the same words.
  auto parsed = Grant::parse(g.grant);
  ASSERT_TRUE(parsed.ok());
  auto reopened = Client::open_agent(*net_b_, std::make_unique<MemoryLocalStore>(), *parsed, &key, {});
  EXPECT_TRUE(test::FailsWith(reopened, Errc::expired, "the token was revoked"));
  EXPECT_TRUE(test::FailsWith(reopened, Errc::expired, "for a new grant"));
  auto status = agent->status();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->pending, 0u);  // not queued for a replay that can never succeed
  ASSERT_TRUE(a_->sync().ok());
  EXPECT_EQ(body_of(*a_, "memory/a.md"), "one\n");
  EXPECT_EQ((*a_->log("memory/a.md")).size(), 1u);
  // The member still accepts what the agent wrote before its revocation.
  auto list = a_->grants();
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE((*list)[0].revoked);
}

TEST_F(AgentClientTest, TheServerRefusesCollectionsOutsideTheToken) {
  AccountKeys key = generate_agent_keys();
  IssuedGrant g = issue(&key);
  auto opened = open_grant(*Grant::parse(g.grant), &key);
  ASSERT_TRUE(opened.ok());
  ApiClient api(*http_b_);
  api.set_token(opened->token);
  EXPECT_EQ(api.list_pages(a_->workspace_id(), collection("notes")).error().code, Errc::forbidden);
  EXPECT_EQ(api.list_wrapped_keys(a_->workspace_id(), collection("notes")).error().code, Errc::forbidden);
  EXPECT_TRUE(api.list_pages(a_->workspace_id(), collection("memory")).ok());
}

TEST_F(AgentClientTest, AnAgentWithoutACollectionsKeysCannotReadItEvenWithAnOverBroadToken) {
  AccountKeys key = generate_agent_keys(), other = generate_agent_keys();
  IssuedGrant mine = issue(&key, {"memory"});
  IssuedGrant broad = issue(&other, {"memory", "notes"}, true, "");
  ASSERT_TRUE(a_->write("secret.md", "only for members\n").ok());  // into notes, the default
  // The agent's grant with the other grant's token in it: the server now lets it read notes.
  Grant g = std::move(Grant::parse(mine.grant)).value();
  auto broad_token = open_grant(*Grant::parse(broad.grant), &other)->token;
  Grant forged = std::move(make_grant(url(), broad_token, g.certificate, g.trusted, g.wraps, Secret{})).value();
  auto agent = open(forged.to_string(), &key);
  ASSERT_TRUE(agent);
  auto s = agent->sync();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(quarantined_with(*s, "no key for collection")) << (s->quarantined.empty() ? "" : s->quarantined.front());
  EXPECT_EQ(agent->read("secret.md").error().code, Errc::not_found);
}

TEST_F(AgentClientTest, AReadOnlyAgentsForgedRevisionIsRejectedByReaders) {
  // A granter (or a server) that lets a read-only certificate's key write anyway.
  RawAccount raw = raw_account();
  AccountKeys key = generate_agent_keys();
  CollectionId memory = collection("memory");
  auto token = raw.api->create_token(a_->workspace_id(), std::vector<CollectionId>{memory}, true, now_ms() / 1000 + 600);
  ASSERT_TRUE(token.ok()) << token.error().message;
  AgentCertificate c;
  c.workspace = a_->workspace_id();
  c.grant = token->id;
  c.issuer = a_->account_id();
  c.agent = key.public_keys;
  c.not_before = now_ms() / 1000;
  c.not_after = c.not_before + 600;
  c.read_only = true;
  c.collections = {memory};
  c.label = "reader";
  c = *sign_certificate(c, raw.keys);
  ASSERT_TRUE(raw.api->put_grant(a_->workspace_id(), c.grant, key.public_keys.ed25519, *seal_certificate(c, raw.keysets)).ok());
  ApiClient as_agent(*http_b_);
  as_agent.set_token(token->token);
  ASSERT_TRUE(forge(as_agent, raw.keysets.at(memory), a_->workspace_id(), memory, "forged.md", "I was read-only\n", key,
                    now_ms())
                  .ok());
  auto s = a_->sync();
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(quarantined_with(*s, "read-only")) << (s->quarantined.empty() ? "" : s->quarantined.front());
  EXPECT_EQ(a_->read("forged.md").error().code, Errc::not_found);
}

TEST_F(AgentClientTest, AnAgentWritingOutsideItsPathPrefixIsRejectedByReaders) {
  AccountKeys key = generate_agent_keys();
  IssuedGrant g = issue(&key, {"memory"}, false, "memory/");
  auto opened = open_grant(*Grant::parse(g.grant), &key);
  ASSERT_TRUE(opened.ok());
  ApiClient api(*http_b_);
  api.set_token(opened->token);
  CollectionId memory = collection("memory");
  const Keyset& ks = opened->keysets.at(memory);
  // The server cannot see paths: it stores both.
  ASSERT_TRUE(forge(api, ks, a_->workspace_id(), memory, "elsewhere/x.md", "outside\n", opened->agent, now_ms()).ok());
  ASSERT_TRUE(forge(api, ks, a_->workspace_id(), memory, "memory/x.md", "inside\n", opened->agent, now_ms()).ok());
  // Backdated past the window: refused as well.
  ASSERT_TRUE(forge(api, ks, a_->workspace_id(), memory, "memory/old.md", "old\n", opened->agent,
                    (now_ms() / 1000 - 3600) * 1000)
                  .ok());
  auto s = a_->sync();
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(quarantined_with(*s, "may write only below")) << (s->quarantined.empty() ? "" : s->quarantined.front());
  EXPECT_TRUE(quarantined_with(*s, "not valid at the revision's time"));
  EXPECT_EQ(a_->read("elsewhere/x.md").error().code, Errc::not_found);
  EXPECT_EQ(a_->read("memory/old.md").error().code, Errc::not_found);
  EXPECT_EQ(body_of(*a_, "memory/x.md"), "inside\n");
}

// An agent whose grant has expired (by the certificate's window) writes anyway, through a
// server that still accepts its token (a hostile or lagging server): readers refuse it.
TEST_F(AgentClientTest, AnExpiredAgentsRevisionIsRejectedByReaders) {
  AccountKeys key = generate_agent_keys();
  IssuedGrant g = issue(&key, {"memory"}, false, "memory/", 600);  // valid for 10 minutes
  auto opened = open_grant(*Grant::parse(g.grant), &key);
  ASSERT_TRUE(opened.ok());
  ApiClient api(*http_b_);
  api.set_token(opened->token);
  CollectionId memory = collection("memory");
  const Keyset& ks = opened->keysets.at(memory);
  ASSERT_TRUE(forge(api, ks, a_->workspace_id(), memory, "memory/late.md", "written after expiry\n", opened->agent,
                    now_ms() + 3600 * 1000)
                  .ok());
  ASSERT_TRUE(forge(api, ks, a_->workspace_id(), memory, "memory/ontime.md", "in time\n", opened->agent, now_ms()).ok());
  auto s = a_->sync();
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(quarantined_with(*s, "not valid at the revision's time")) << (s->quarantined.empty() ? "" : s->quarantined.front());
  EXPECT_EQ(a_->read("memory/late.md").error().code, Errc::not_found);
  EXPECT_EQ(body_of(*a_, "memory/ontime.md"), "in time\n");
  auto found = a_->search("expiry");
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->results.empty());
}

TEST_F(AgentClientTest, AfterRevocationWithRotationTheRevokedAgentCannotOpenNewContent) {
  AccountKeys k1 = generate_agent_keys(), k2 = generate_agent_keys();
  IssuedGrant g1 = issue(&k1), g2 = issue(&k2);
  auto agent1 = open(g1.grant, &k1);
  auto agent2 = open(g2.grant, &k2);
  ASSERT_TRUE(agent1 && agent2);
  ASSERT_TRUE(agent1->write("memory/before.md", "before\n").ok());
  ASSERT_TRUE(a_->revoke(g1.id, true).ok());
  ASSERT_TRUE(a_->sync().ok());
  ASSERT_TRUE(a_->use_collection("memory").ok());
  ASSERT_TRUE(a_->write("memory/after.md", "after the rotation\n").ok());
  // The remaining grant and the member read the new content.
  ASSERT_TRUE(agent2->sync().ok());
  EXPECT_EQ(body_of(*agent2, "memory/after.md"), "after the rotation\n");
  EXPECT_EQ(body_of(*agent2, "memory/before.md"), "before\n");
  auto b = login_b(options());
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->sync().ok());
  EXPECT_EQ(body_of(*b, "memory/after.md"), "after the rotation\n");
  // The revoked agent, even handed the record and the blob by a server, lacks the key.
  RawAccount raw = raw_account();
  CollectionId memory = collection("memory");
  Bytes record_bytes;
  auto heads = raw.api->list_pages(a_->workspace_id(), memory);
  ASSERT_TRUE(heads.ok());
  int after_seen = 0;
  for (const auto& h : *heads) {
    auto head = raw.api->get_head(a_->workspace_id(), memory, h.page);
    auto rec = RevisionRecord::decode(head->record);
    auto env = raw.api->get_blob(rec->envelope_id);
    auto old_keys = open_grant(*Grant::parse(g1.grant), &k1);
    ASSERT_TRUE(old_keys.ok());
    auto opened = open_envelope(rec->envelope_context(), old_keys->keysets.at(memory), *env);
    auto plain = open_envelope(rec->envelope_context(), raw.keysets.at(memory), *env);
    ASSERT_TRUE(plain.ok());
    auto page = decode_page(*plain);
    if (page->meta.path == "memory/after.md") {
      ++after_seen;
      ASSERT_FALSE(opened.ok());
      EXPECT_EQ(opened.error().code, Errc::unknown_key);
    } else {
      EXPECT_TRUE(opened.ok());  // what it could read before, it still can (docs/AGENTS.md)
    }
  }
  EXPECT_EQ(after_seen, 1);
  EXPECT_EQ(heads->size(), 2u);
}

}  // namespace
}  // namespace zkwiki

namespace zkwiki {
namespace {

TEST_F(AgentClientTest, AnAgentsImportOutsideItsPrefixOrWithAReadOnlyGrantIsRefusedBeforeAnythingIsSent) {
  AccountKeys key = generate_agent_keys();
  auto prefixed = open(issue(&key).grant, &key);
  auto read_only = open(issue(&key, {"memory"}, true, "").grant, &key);
  ASSERT_TRUE(prefixed && read_only);
  std::vector<std::string> sent;
  net_b_->redirect = [&](HttpRequest& r) { sent.push_back(r.target); };
  // One page outside the prefix among good ones: the whole import is refused, nothing sent.
  const std::vector<ImportItem> mixed = {{"memory/a.md", "a\n"}, {"notes/b.md", "b\n"}, {"memory/c.md", "c\n"}};
  auto r = prefixed->import(mixed);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::forbidden);
  EXPECT_NE(r.error().message.find("notes/b.md"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("may write only below 'memory/'"), std::string::npos) << r.error().message;
  const std::vector<ImportItem> inside = {{"memory/a.md", "a\n"}};
  r = read_only->import(inside);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::forbidden);
  EXPECT_NE(r.error().message.find("read-only"), std::string::npos) << r.error().message;
  EXPECT_TRUE(sent.empty()) << sent.size() << " requests, the first " << sent.front();
  net_b_->redirect = nullptr;
  // Inside the prefix, the same import goes through and members read it.
  ASSERT_TRUE(prefixed->import(inside).ok());
  ASSERT_TRUE(a_->sync().ok());
  EXPECT_EQ(body_of(*a_, "memory/a.md"), "a\n");
  EXPECT_EQ(a_->read("notes/b.md").error().code, Errc::not_found);
}

TEST_F(AgentClientTest, AnAgentsImportAfterItsGrantEndedIsRefusedBeforeAnythingIsSent) {
  AccountKeys key = generate_agent_keys();
  IssuedGrant g = issue(&key, {"memory"}, false, "memory/", 600);
  auto clock = std::make_shared<std::int64_t>(now_ms());
  ClientOptions o;
  o.now_ms = [clock] { return *clock; };
  auto agent = open(g.grant, &key, std::move(o));
  ASSERT_TRUE(agent);
  *clock += 601'000;
  std::size_t sent = 0;
  net_b_->redirect = [&](HttpRequest&) { ++sent; };
  const std::vector<ImportItem> items = {{"memory/late.md", "late\n"}};
  auto r = agent->import(items);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::expired);
  EXPECT_EQ(sent, 0u);
}

// The search index an agent can use: only its granted collections' (the search key derives from
// the collection key), fetched as sealed segments; never another collection's.
TEST_F(AgentClientTest, AnAgentSearchesOnlyItsGrantedCollectionsIndex) {
  ASSERT_TRUE(a_->write("ledger.md", "# Ledger\n\nthe quokka budget\n").ok());  // notes
  ASSERT_TRUE(a_->use_collection("memory").ok());
  ASSERT_TRUE(a_->write("memory/zoo.md", "# Zoo\n\na quokka and a wombat\n").ok());
  auto up = a_->maintain_index();
  ASSERT_TRUE(up.ok()) << up.error().message;
  ASSERT_TRUE(up->uploaded);
  AccountKeys key = generate_agent_keys();
  auto agent = open(issue(&key, {"memory"}, true, "").grant, &key);
  ASSERT_TRUE(agent);
  ASSERT_TRUE(agent->sync().ok());
  const std::string notes = collection("notes").hex();
  std::vector<std::string> targets;
  net_b_->redirect = [&](HttpRequest& r) { targets.push_back(r.target); };
  auto r = agent->search("quokka");
  net_b_->redirect = nullptr;
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->results.size(), 1u);
  EXPECT_EQ(r->results[0].path, "memory/zoo.md");
  EXPECT_NE(r->results[0].snippet.find("quokka"), std::string::npos) << r->results[0].snippet;
  EXPECT_EQ(r->coverage.known, 1u);
  EXPECT_EQ(r->coverage.indexed, 1u);
  EXPECT_FALSE(targets.empty()) << "the member's manifest of memory is fetched";
  for (const auto& t : targets) EXPECT_EQ(t.find(notes), std::string::npos) << t;
}

TEST_F(AgentClientTest, AnAgentsUploadedIndexServesAMembersNewDevice) {
  AccountKeys key = generate_agent_keys();
  auto agent = open(issue(&key, {"memory"}, false, "").grant, &key);
  ASSERT_TRUE(agent);
  ASSERT_TRUE(agent->write("memory/walrus.md", "# Walrus\n\nwalruses have tusks\n").ok());
  auto up = agent->maintain_index();
  ASSERT_TRUE(up.ok()) << up.error().message;
  EXPECT_TRUE(up->uploaded);
  EXPECT_TRUE(up->notices.empty()) << up->notices.front();
  // A new device of the member fetches the agent's signed manifest (verified against the
  // agent's certificate) and its segment, not the page, and finds the agent's page.
  auto b = login_b(options());
  ASSERT_NE(b, nullptr);
  auto r = b->search("tusks");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->results.size(), 1u);
  EXPECT_EQ(r->results[0].path, "memory/walrus.md");
  EXPECT_TRUE(r->results[0].snippet.empty()) << "found from the index alone";
  EXPECT_FALSE(r->coverage.rebuilt);
}

TEST_F(AgentClientTest, AReadOnlyAgentKeepsItsIndexOnItsDevice) {
  ASSERT_TRUE(a_->use_collection("memory").ok());
  ASSERT_TRUE(a_->write("memory/zoo.md", "# Zoo\n\na wombat\n").ok());
  ASSERT_TRUE(a_->maintain_index().ok());
  AccountKeys key = generate_agent_keys();
  auto agent = open(issue(&key, {"memory"}, true, "").grant, &key);
  ASSERT_TRUE(agent);
  ASSERT_TRUE(a_->write("memory/den.md", "# Den\n\nanother wombat\n").ok());  // not in the manifest
  ASSERT_TRUE(agent->sync().ok());
  // The server refuses the read-only token's uploads: the index stays here, and says so.
  auto up = agent->maintain_index();
  ASSERT_TRUE(up.ok()) << up.error().message;
  EXPECT_FALSE(up->uploaded);
  ASSERT_FALSE(up->notices.empty());
  EXPECT_NE(up->notices.back().find("not uploaded"), std::string::npos) << up->notices.back();
  auto r = agent->search("wombat");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->results.size(), 2u);
  EXPECT_EQ(r->coverage.indexed, 2u);
  EXPECT_EQ(r->coverage.known, 2u);
}

}  // namespace
}  // namespace zkwiki

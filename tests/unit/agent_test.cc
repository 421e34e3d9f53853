// Agent certificates, revocations, certificate bundles and grants (agent.h): round trips, every
// malformed input refused with a typed error, and the write rules readers apply.
#include <gtest/gtest.h>

#include "zkwiki/agent.h"
#include "zkwiki/keystring.h"

namespace zkwiki {
namespace {

using Bytes = std::vector<std::uint8_t>;

struct AgentFixture : ::testing::Test {
  WorkspaceId ws = WorkspaceId::random();
  CollectionId memory = CollectionId::random(), notes = CollectionId::random(), other = CollectionId::random();
  AccountKeys issuer = AccountKeys::generate(AccountId::random());
  AccountKeys agent = generate_agent_keys();
  std::map<CollectionId, Keyset> keysets;

  void SetUp() override {
    keysets.emplace(memory, Keyset::create(KeyScope::for_collection(ws, memory)));
    keysets.emplace(notes, Keyset::create(KeyScope::for_collection(ws, notes)));
  }

  AgentCertificate cert(bool read_only = false, std::string prefix = "memory/") {
    AgentCertificate c;
    c.workspace = ws;
    c.grant = GrantId::random();
    c.issuer = issuer.id;
    c.agent = agent.public_keys;
    c.not_before = 1'000'000;
    c.not_after = 1'000'000 + 3600;
    c.read_only = read_only;
    c.collections = {memory, notes};
    c.path_prefix = std::move(prefix);
    c.label = "scribe";
    auto s = sign_certificate(c, issuer);
    EXPECT_TRUE(s.ok());
    return *s;
  }

  std::vector<Bytes> wraps_for(const PublicKeys& to, const AccountKeys& by) {
    std::vector<Bytes> out;
    for (const auto& [c, k] : keysets) out.push_back(*wrap_generation(k, k.primary_generation(), to, by));
    return out;
  }

  Grant grant(const AgentCertificate& c, Secret bearer = {}) {
    return std::move(make_grant("http://127.0.0.1:1", "zka_" + std::string(64, 'a'), c, {issuer.public_keys.ed25519},
                                wraps_for(c.agent, issuer), std::move(bearer)))
        .value();
  }
};

TEST_F(AgentFixture, CertificateRoundTripsAndVerifies) {
  AgentCertificate c = cert();
  auto back = AgentCertificate::decode(c.encode());
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->encode(), c.encode());
  EXPECT_TRUE(back->covers(memory));
  EXPECT_FALSE(back->covers(other));
  EXPECT_TRUE(back->covers_path("memory/today.md"));
  EXPECT_FALSE(back->covers_path("notes/today.md"));
}

TEST_F(AgentFixture, EveryTruncationOfACertificateIsATypedError) {
  Bytes b = cert().encode();
  for (std::size_t n = 0; n < b.size(); ++n) {
    auto r = AgentCertificate::decode(std::span(b).first(n));
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_TRUE(r.error().code == Errc::truncated || r.error().code == Errc::malformed ||
                r.error().code == Errc::auth_failed)
        << n << ": " << r.error().message;
  }
}

TEST_F(AgentFixture, EverySingleByteFlipOfACertificateIsRejected) {
  Bytes b = cert().encode();
  for (std::size_t i = 0; i < b.size(); ++i) {
    Bytes t = b;
    t[i] ^= 0x01;
    EXPECT_FALSE(AgentCertificate::decode(t).ok()) << "byte " << i;
  }
}

TEST_F(AgentFixture, SigningRefusesBadFields) {
  AgentCertificate c = cert();
  auto bad = [&](auto change) {
    AgentCertificate d = c;
    change(d);
    auto r = sign_certificate(d, issuer);
    return !r.ok() && r.error().code == Errc::invalid_argument;
  };
  EXPECT_TRUE(bad([](AgentCertificate& d) { d.collections.clear(); }));
  EXPECT_TRUE(bad([&](AgentCertificate& d) { d.collections = {memory, memory}; }));
  EXPECT_TRUE(bad([](AgentCertificate& d) { d.not_after = d.not_before; }));
  EXPECT_TRUE(bad([](AgentCertificate& d) { d.path_prefix = std::string("a\0b", 3); }));
  EXPECT_TRUE(bad([](AgentCertificate& d) { d.label = "\xff"; }));
  EXPECT_TRUE(bad([](AgentCertificate& d) { d.label = std::string(257, 'x'); }));
  EXPECT_TRUE(bad([](AgentCertificate& d) { d.collections.assign(65, CollectionId{}); }));
}

TEST(AgentPathPrefix, RelativeToTheWorkspaceRootLikePagePaths) {
  for (const char* ok : {"", "agents/", "agents/scribe/", "notes/draft-", "ünïcødé/"})
    EXPECT_TRUE(validate_path_prefix(ok).ok()) << ok;
  // A leading '/' would match no page at all: refused, with the form that is meant.
  auto abs = validate_path_prefix("/abs/");
  ASSERT_FALSE(abs.ok());
  EXPECT_EQ(abs.error().code, Errc::invalid_argument);
  EXPECT_NE(abs.error().message.find("starts with '/'"), std::string::npos) << abs.error().message;
  EXPECT_NE(abs.error().message.find("'abs/'"), std::string::npos) << abs.error().message;
  for (const char* bad : {"/", "a//b/", "../up/", "a/./b", "tab\there/", "a//"})
    EXPECT_EQ(validate_path_prefix(bad).error().code, Errc::invalid_argument) << bad;
}

TEST_F(AgentFixture, WriteRules) {
  AgentCertificate c = cert();
  const std::int64_t inside = (c.not_before + 60) * 1000;
  EXPECT_TRUE(check_agent_write(c, nullptr, memory, "memory/a.md", std::nullopt, inside).ok());
  EXPECT_TRUE(check_agent_write(c, nullptr, memory, "memory/a.md", "memory/b.md", inside).ok());
  auto refused = [](const Result<void>& r) { return !r.ok() && r.error().code == Errc::forbidden; };
  EXPECT_TRUE(refused(check_agent_write(c, nullptr, other, "memory/a.md", std::nullopt, inside)));
  EXPECT_TRUE(refused(check_agent_write(c, nullptr, memory, "notes/a.md", std::nullopt, inside)));
  EXPECT_TRUE(refused(check_agent_write(c, nullptr, memory, "memory/a.md", "notes/plan.md", inside)));
  EXPECT_TRUE(refused(check_agent_write(c, nullptr, memory, "memory/a.md", std::nullopt,
                                        (c.not_after + kAgentClockSkewSeconds + 1) * 1000)));
  EXPECT_TRUE(refused(check_agent_write(c, nullptr, memory, "memory/a.md", std::nullopt,
                                        (c.not_before - kAgentClockSkewSeconds - 1) * 1000)));
  AgentRevocation rev = sign_revocation(ws, c.grant, c.not_before + 600, issuer);
  EXPECT_TRUE(check_agent_write(c, &rev, memory, "memory/a.md", std::nullopt, inside).ok());
  EXPECT_TRUE(refused(check_agent_write(c, &rev, memory, "memory/a.md", std::nullopt,
                                        (c.not_before + 600 + kAgentClockSkewSeconds + 1) * 1000)));
  EXPECT_TRUE(refused(check_agent_write(cert(true), nullptr, memory, "memory/a.md", std::nullopt, inside)));
}

TEST_F(AgentFixture, RevocationRoundTripsAndRejectsTampering) {
  AgentRevocation rev = sign_revocation(ws, GrantId::random(), 123, issuer);
  Bytes b = rev.encode();
  ASSERT_EQ(b.size(), kRevocationBytes);
  ASSERT_TRUE(AgentRevocation::decode(b).ok());
  for (std::size_t i = 0; i < b.size(); ++i) {
    Bytes t = b;
    t[i] ^= 0x80;
    EXPECT_FALSE(AgentRevocation::decode(t).ok()) << i;
  }
  EXPECT_EQ(AgentRevocation::decode(std::span(b).first(b.size() - 1)).error().code, Errc::truncated);
}

TEST_F(AgentFixture, CertificateBundleOpensOnlyWithACoveredCollectionsKey) {
  AgentCertificate c = cert();
  auto bundle = seal_certificate(c, keysets);
  ASSERT_TRUE(bundle.ok()) << bundle.error().message;
  // A reader holding only the notes key opens the copy sealed under notes.
  std::map<CollectionId, Keyset> only_notes;
  only_notes.emplace(notes, Keyset(KeyScope::for_collection(ws, notes)));
  ASSERT_TRUE(only_notes.at(notes)
                  .insert(keysets.at(notes).primary_generation(), keysets.at(notes).primary_key().clone(), true)
                  .ok());
  auto opened = open_certificate(*bundle, ws, c.grant, only_notes);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->encode(), c.encode());
  // Without any of its keys, nothing opens; under another grant's id, neither.
  std::map<CollectionId, Keyset> none;
  none.emplace(other, Keyset::create(KeyScope::for_collection(ws, other)));
  EXPECT_EQ(open_certificate(*bundle, ws, c.grant, none).error().code, Errc::unknown_key);
  EXPECT_EQ(open_certificate(*bundle, ws, GrantId::random(), keysets).error().code, Errc::auth_failed);
  Bytes t = *bundle;
  t[4] = 9;
  EXPECT_EQ(open_certificate(t, ws, c.grant, keysets).error().code, Errc::unsupported_version);
  EXPECT_EQ(open_certificate(std::span(*bundle).first(30), ws, c.grant, keysets).error().code, Errc::truncated);
}

TEST_F(AgentFixture, GrantOpensWithTheAgentKeyOnly) {
  AgentCertificate c = cert();
  Grant g = grant(c);
  auto parsed = Grant::parse(g.to_string());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  auto opened = open_grant(*parsed, &agent);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->token, "zka_" + std::string(64, 'a'));
  ASSERT_EQ(opened->keysets.size(), 2u);
  EXPECT_TRUE(opened->keysets.at(memory).primary_key().equals(keysets.at(memory).primary_key()));
  EXPECT_EQ(open_grant(*parsed, nullptr).error().code, Errc::invalid_argument);
  AccountKeys stranger = generate_agent_keys();
  EXPECT_EQ(open_grant(*parsed, &stranger).error().code, Errc::forbidden);
}

TEST_F(AgentFixture, BearerGrantCarriesItsKey) {
  Secret s = Secret::random(32);
  AgentCertificate c = cert();
  c.agent = bearer_agent_keys(s).public_keys;
  c = *sign_certificate(c, issuer);
  Grant g = grant(c, s.clone());
  auto parsed = Grant::parse(g.to_string());
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->bearer);
  auto opened = open_grant(*parsed, nullptr);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->agent.public_keys, c.agent);
}

TEST_F(AgentFixture, GrantRefusesWrapsOutsideItsScopeOrByAStranger) {
  AgentCertificate c = cert();
  AccountKeys mallory = AccountKeys::generate(AccountId::random());
  Grant g = std::move(make_grant("http://x", "zka_" + std::string(64, 'b'), c, {}, wraps_for(agent.public_keys, mallory),
                                 Secret{}))
                .value();
  EXPECT_EQ(open_grant(g, &agent).error().code, Errc::auth_failed);
  Keyset o = Keyset::create(KeyScope::for_collection(ws, other));
  Grant g2 = std::move(make_grant("http://x", "zka_" + std::string(64, 'b'), c, {},
                                  {*wrap_generation(o, 1, agent.public_keys, issuer)}, Secret{}))
                 .value();
  EXPECT_EQ(open_grant(g2, &agent).error().code, Errc::forbidden);
}

TEST_F(AgentFixture, EveryTruncationOfAGrantIsATypedError) {
  Bytes b = grant(cert()).encode();
  for (std::size_t n = 0; n < b.size(); ++n) {
    auto r = Grant::decode(std::span(b).first(n));
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_TRUE(r.error().code == Errc::truncated || r.error().code == Errc::malformed ||
                r.error().code == Errc::too_large)
        << n << ": " << r.error().message;
  }
  b.push_back(0);
  EXPECT_EQ(Grant::decode(b).error().code, Errc::trailing_data);
}

TEST_F(AgentFixture, GrantStringOfAnotherTypeIsRefusedByName) {
  EXPECT_EQ(Grant::parse(agent.public_keys.to_string(true)).error().code, Errc::wrong_type);
  EXPECT_EQ(Grant::parse("hello").error().code, Errc::malformed);
}

TEST_F(AgentFixture, AgentSecretStringRoundTrips) {
  auto back = parse_agent_secret(agent_secret_string(agent));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->public_keys, agent.public_keys);
  EXPECT_EQ(parse_agent_secret(agent.public_keys.to_string(true)).error().code, Errc::wrong_type);
}

}  // namespace
}  // namespace zkwiki

// Checks every case in tests/vectors/ (the project's own format vectors, one file per case).
// The WASM build runs the same files.
#include <gtest/gtest.h>

#include <filesystem>

#include "envelope_internal.h"
#include "support/json_vectors.h"
#include "support/test_paths.h"
#include "zkwiki/account.h"
#include "zkwiki/agent.h"
#include "zkwiki/keyset.h"
#include "zkwiki/keystring.h"
#include "zkwiki/page.h"
#include "zkwiki/revision.h"
#include "zkwiki/search.h"
#include "zkwiki/search_manifest.h"
#include "zkwiki/workspace_record.h"

namespace zkwiki {
namespace {

using json = nlohmann::json;
using test::Bytes;
using test::hex;
using test::unhex;

template <class T>
T id_from(const json& j) {
  auto r = T::from_hex(j.get<std::string>());
  if (!r) throw std::runtime_error("bad id in vector");
  return *r;
}

EnvelopeContext context_from(const json& j) {
  return {static_cast<ContentKind>(j["kind"].get<int>()), id_from<WorkspaceId>(j["workspace"]),
          id_from<CollectionId>(j["collection"]), id_from<PageId>(j["page"]), j["revision"].get<std::uint64_t>(),
          id_from<Hash256>(j["parent"])};
}

// Compares a Result against the vector's expected outcome; returns true if it should be ok.
template <class T>
void expect_outcome(const Result<T>& r, const json& expected) {
  if (expected["ok"].get<bool>()) {
    ASSERT_TRUE(r.ok()) << r.error().message;
  } else {
    ASSERT_FALSE(r.ok()) << "expected " << expected["error"];
    EXPECT_EQ(errc_name(r.error().code), expected["error"].get<std::string>()) << r.error().message;
  }
}

void check_envelope(const json& v) {
  auto ctx = context_from(v["context"]);
  auto sealed_ctx = ctx;
  Keyset keyset(KeyScope::for_collection(ctx.workspace, ctx.collection));
  ASSERT_TRUE(keyset.insert(v["generation"], Secret::from_bytes(unhex(v["generation_key"])), true).ok());
  Bytes env = unhex(v["envelope"]);
  auto opened = open_envelope(ctx, keyset, env);
  expect_outcome(opened, v["expected"]);
  if (!v["expected"]["ok"].get<bool>()) return;
  EXPECT_EQ(hex(*opened), v["plaintext"].get<std::string>());
  internal::SealRandomness rnd;
  auto dek = unhex(v["dek"]), wn = unhex(v["wrap_nonce"]), sp = unhex(v["stream_prefix"]);
  std::copy(dek.begin(), dek.end(), rnd.dek.begin());
  std::copy(wn.begin(), wn.end(), rnd.wrap_nonce.begin());
  std::copy(sp.begin(), sp.end(), rnd.stream_prefix.begin());
  auto sealed = internal::seal_envelope_with(sealed_ctx, keyset, unhex(v["plaintext"]), rnd);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(hex(*sealed), v["envelope"].get<std::string>()) << "sealing no longer gives the specified bytes";
}

void check_revision(const json& v) {
  auto rec = RevisionRecord::decode(unhex(v["record"]));
  expect_outcome(rec, v["expected"]);
  if (!v["expected"]["ok"].get<bool>()) return;
  EXPECT_EQ(rec->hash().hex(), v["record_hash"].get<std::string>());
  auto kp = primitives::ed25519_from_seed(Secret::from_bytes(unhex(v["author_seed"])));
  auto again = sign_revision(context_from(v["context"]), unhex(v["envelope"]), kp.public_key, kp.secret_key);
  EXPECT_EQ(hex(again.encode()), v["record"].get<std::string>());
  EXPECT_TRUE(verify_envelope(*rec, unhex(v["envelope"])).ok());
}

KeyStringType keystring_type(const std::string& name) {
  if (name == "recovery_key") return KeyStringType::recovery_key;
  if (name == "public_keys") return KeyStringType::public_keys;
  if (name == "agent_public") return KeyStringType::agent_public;
  if (name == "agent_secret") return KeyStringType::agent_secret;
  return KeyStringType::grant;
}

void check_keystring(const json& v) {
  auto type = keystring_type(v["type"]);
  auto decoded = decode_key_string(v["string"].get<std::string>(), type);
  expect_outcome(decoded, v["expected"]);
  if (!v["expected"]["ok"].get<bool>()) return;
  EXPECT_EQ(hex(*decoded), v["payload"].get<std::string>());
  bool grouped = v["string"].get<std::string>().find('-') != std::string::npos;
  EXPECT_EQ(encode_key_string(type, unhex(v["payload"]), grouped ? 5 : 0), v["string"].get<std::string>());
  if (v.contains("fingerprint")) {
    auto keys = PublicKeys::parse(v["string"].get<std::string>());
    ASSERT_TRUE(keys.ok());
    EXPECT_EQ(keys->fingerprint(), v["fingerprint"].get<std::string>());
  }
}

void check_account(const json& v) {
  auto record = AccountRecord::decode(unhex(v["record"]));
  ASSERT_TRUE(record.ok()) << record.error().message;
  KdfPolicy policy;
  policy.min_opslimit = v["policy"]["min_opslimit"];
  policy.min_memlimit_kib = v["policy"]["min_memlimit_kib"];
  auto pass = unhex(v["passphrase"]);
  auto unlocked = unlock_account(*record, std::string(pass.begin(), pass.end()), policy);
  expect_outcome(unlocked, v["expected"]);
  if (!v["expected"]["ok"].get<bool>()) return;
  EXPECT_EQ(unlocked->keys.public_keys.to_string(), v["public_keys"].get<std::string>());
  EXPECT_EQ(hex(unlocked->login.public_key), v["login_public_key"].get<std::string>());
}

void check_wrapped_key(const json& v) {
  auto me = AccountKeys::from_seeds(AccountId{}, Secret::from_bytes(unhex(v["recipient_x25519_secret"])),
                                    Secret::from_bytes(unhex(v["recipient_ed25519_seed"])));
  KeyScope scope{static_cast<ScopeKind>(v["scope_kind"].get<int>()), id_from<WorkspaceId>(v["workspace"]),
                 id_from<CollectionId>(v["collection"])};
  auto u = unwrap_generation(unhex(v["wrapped"]), scope, me);
  expect_outcome(u, v["expected"]);
  if (!v["expected"]["ok"].get<bool>()) return;
  EXPECT_EQ(u->generation, v["generation"].get<std::uint32_t>());
  EXPECT_EQ(u->primary, v["primary"].get<bool>());
  EXPECT_EQ(hex(u->key.reveal()), v["key"].get<std::string>());
  EXPECT_EQ(hex(u->granter), v["granter"].get<std::string>());
}

void check_agent_certificate(const json& v) {
  auto cert = AgentCertificate::decode(unhex(v["certificate"]));
  expect_outcome(cert, v["expected"]);
  if (!v["expected"]["ok"].get<bool>()) return;
  EXPECT_EQ(cert->workspace.hex(), v["workspace"].get<std::string>());
  EXPECT_EQ(cert->grant.hex(), v["grant"].get<std::string>());
  EXPECT_EQ(cert->issuer.hex(), v["issuer"].get<std::string>());
  EXPECT_EQ(hex(cert->issuer_key), v["issuer_key"].get<std::string>());
  EXPECT_EQ(cert->agent.to_string(true), v["agent"].get<std::string>());
  EXPECT_EQ(cert->not_before, v["not_before"].get<std::int64_t>());
  EXPECT_EQ(cert->not_after, v["not_after"].get<std::int64_t>());
  EXPECT_EQ(cert->read_only, v["read_only"].get<bool>());
  std::vector<std::string> cols;
  for (const auto& c : cert->collections) cols.push_back(c.hex());
  EXPECT_EQ(cols, v["collections"].get<std::vector<std::string>>());
  EXPECT_EQ(cert->path_prefix, v["path_prefix"].get<std::string>());
  EXPECT_EQ(cert->label, v["label"].get<std::string>());
  // Re-signing the same fields with the issuer's seed gives the same bytes (Ed25519 is deterministic).
  auto issuer = AccountKeys::from_seeds(cert->issuer, Secret::from_bytes(Bytes(32, 0)),
                                        Secret::from_bytes(unhex(v["issuer_ed25519_seed"])));
  auto again = sign_certificate(*cert, issuer);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(hex(again->encode()), v["certificate"].get<std::string>());
}

void check_agent_revocation(const json& v) {
  auto rev = AgentRevocation::decode(unhex(v["revocation"]));
  expect_outcome(rev, v["expected"]);
  if (!v["expected"]["ok"].get<bool>()) return;
  EXPECT_EQ(rev->workspace.hex(), v["workspace"].get<std::string>());
  EXPECT_EQ(rev->grant.hex(), v["grant"].get<std::string>());
  EXPECT_EQ(rev->revoked_at, v["revoked_at"].get<std::int64_t>());
  EXPECT_EQ(hex(rev->signer), v["signer"].get<std::string>());
  auto signer = AccountKeys::from_seeds(AccountId{}, Secret::from_bytes(Bytes(32, 0)),
                                        Secret::from_bytes(unhex(v["signer_ed25519_seed"])));
  EXPECT_EQ(hex(sign_revocation(rev->workspace, rev->grant, rev->revoked_at, signer).encode()),
            v["revocation"].get<std::string>());
}

void check_agent_grant(const json& v) {
  auto grant = Grant::parse(v["grant"].get<std::string>());
  std::optional<AccountKeys> agent;
  if (v.contains("agent_secret")) {
    auto k = parse_agent_secret(v["agent_secret"].get<std::string>());
    ASSERT_TRUE(k.ok()) << k.error().message;
    agent = std::move(k).value();
  }
  if (!grant.ok()) {
    expect_outcome(grant, v["expected"]);
    return;
  }
  auto opened = open_grant(*grant, agent ? &*agent : nullptr);
  expect_outcome(opened, v["expected"]);
  if (!v["expected"]["ok"].get<bool>()) return;
  EXPECT_EQ(grant->server, v["server"].get<std::string>());
  EXPECT_EQ(hex(grant->certificate_bytes), v["certificate"].get<std::string>());
  EXPECT_EQ(opened->token, v["token"].get<std::string>());
  if (v.contains("bearer_secret")) {
    EXPECT_TRUE(grant->bearer);
    EXPECT_EQ(hex(grant->bearer_secret.reveal()), v["bearer_secret"].get<std::string>());
    EXPECT_EQ(opened->agent.public_keys.to_string(true), v["agent"].get<std::string>());
  }
  ASSERT_EQ(opened->keysets.size(), v["keys"].size());
  for (const auto& k : v["keys"]) {
    auto c = id_from<CollectionId>(k["collection"]);
    ASSERT_TRUE(opened->keysets.contains(c));
    const Secret* key = opened->keysets.at(c).find(k["generation"].get<std::uint32_t>());
    ASSERT_NE(key, nullptr);
    EXPECT_EQ(hex(key->reveal()), k["key"].get<std::string>());
  }
}

void check_page(const json& v) {
  PageContent p{{v["path"], v["title"], v["tags"].get<std::vector<std::string>>(), v["created_ms"], v["modified_ms"],
                 v["links"].get<std::vector<std::string>>(), v["deleted"]},
                v["body"]};
  auto encoded = encode_page(p);
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(hex(*encoded), v["bytes"].get<std::string>());
  auto back = decode_page(unhex(v["bytes"]));
  expect_outcome(back, v["expected"]);
  if (back.ok()) {
    EXPECT_EQ(*back, p);
  }
}

void check_search_segment(const json& v) {
  Bytes bytes = unhex(v["bytes"]);
  expect_outcome(inspect_segment(bytes), v["expected"]);
  if (!v.contains("documents")) return;
  // Building the same pages gives the same bytes.
  SearchIndex index;
  for (const auto& d : v["documents"]) {
    auto tags = d["tags"].get<std::vector<std::string>>();
    std::string path = d["path"], title = d["title"], body = d["body"];
    ASSERT_TRUE(index.put(SearchDocument{id_from<PageId>(d["page"]), d["revision"], path, title, tags, body}).ok());
  }
  for (const auto& d : v["deleted"]) index.remove(id_from<PageId>(d["page"]), d["revision"]);
  index.flush();
  ASSERT_EQ(index.segments().size(), 1u);
  EXPECT_EQ(hex(index.segment_bytes(0)), v["bytes"].get<std::string>());
}

void check_search_manifest(const json& v) {
  auto m = SearchManifest::decode(unhex(v["bytes"]));
  expect_outcome(m, v["expected"]);
  if (!m.ok()) return;
  EXPECT_EQ(m->collection.hex(), v["collection"].get<std::string>());
  EXPECT_EQ(m->feed_seq, v["feed_seq"].get<std::uint64_t>());
  EXPECT_EQ(m->pages, v["pages"].get<std::uint32_t>());
  ASSERT_EQ(m->segments.size(), v["segments"].size());
  for (std::size_t i = 0; i < m->segments.size(); ++i) {
    EXPECT_EQ(m->segments[i].blob.hex(), v["segments"][i]["blob"].get<std::string>());
    EXPECT_EQ(m->segments[i].envelope_size, v["segments"][i]["size"].get<std::uint64_t>());
    EXPECT_EQ(m->segments[i].seq, v["segments"][i]["seq"].get<std::uint64_t>());
    EXPECT_EQ(m->segments[i].documents, v["segments"][i]["documents"].get<std::uint32_t>());
    EXPECT_EQ(m->segments[i].tombstones, v["segments"][i]["tombstones"].get<std::uint32_t>());
  }
  EXPECT_EQ(hex(m->encode()), v["bytes"].get<std::string>());
}

void check_search_keys(const json& v) {
  auto ws = id_from<WorkspaceId>(v["workspace"]);
  auto c = id_from<CollectionId>(v["collection"]);
  Keyset keys(KeyScope::for_collection(ws, c));
  std::uint32_t g = v["generation"];
  ASSERT_TRUE(keys.insert(g, Secret::from_bytes(unhex(v["generation_key"])), true).ok());
  Keyset search = derive_search_keyset(keys);
  ASSERT_NE(search.find(g), nullptr);
  EXPECT_EQ(hex(search.find(g)->reveal()), v["search_key"].get<std::string>());
  EXPECT_EQ(search.primary_generation(), g);
  EXPECT_EQ(search_manifest_page(ws, c).hex(), v["manifest_page"].get<std::string>());
}

void check_workspace_record(const json& v) {
  auto rec = WorkspaceRecord::decode(unhex(v["record"]));
  expect_outcome(rec, v["expected"]);
  if (!v["expected"]["ok"].get<bool>()) return;
  EXPECT_EQ(rec->workspace.hex(), v["workspace"].get<std::string>());
  EXPECT_EQ(rec->owner.hex(), v["owner"].get<std::string>());
  EXPECT_EQ(rec->default_collection.hex(), v["default_collection"].get<std::string>());
  EXPECT_EQ(hex(rec->owner_key), v["owner_key"].get<std::string>());
  EXPECT_EQ(rec->encode().size(), kWorkspaceRecordBytes);
  // Signing the same fields with the owner's seed gives the same bytes (Ed25519 is deterministic).
  auto owner = AccountKeys::from_seeds(rec->owner, Secret::from_bytes(Bytes(32, 0)),
                                       Secret::from_bytes(unhex(v["owner_ed25519_seed"])));
  EXPECT_EQ(hex(sign_workspace_record(rec->workspace, rec->default_collection, owner).encode()),
            v["record"].get<std::string>());
}

TEST(FormatVectorsTest, EveryCaseInTestsVectorsHoldsItsExpectedOutcome) {
  auto dir = test::source_root() / "tests" / "vectors";
  std::map<std::string, int> per_kind;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    json v = test::load_json(entry.path());
    SCOPED_TRACE(entry.path().filename().string() + ": " + v.value("description", ""));
    std::string kind = v["kind"];
    if (kind == "envelope") check_envelope(v);
    else if (kind == "revision") check_revision(v);
    else if (kind == "keystring") check_keystring(v);
    else if (kind == "account") check_account(v);
    else if (kind == "page") check_page(v);
    else if (kind == "wrapped_key") check_wrapped_key(v);
    else if (kind == "search_segment") check_search_segment(v);
    else if (kind == "search_manifest") check_search_manifest(v);
    else if (kind == "search_keys") check_search_keys(v);
    else if (kind == "agent_certificate") check_agent_certificate(v);
    else if (kind == "agent_revocation") check_agent_revocation(v);
    else if (kind == "agent_grant") check_agent_grant(v);
    else if (kind == "workspace_record") check_workspace_record(v);
    else ADD_FAILURE() << "unknown vector kind " << kind;
    ++per_kind[kind];
  }
  for (const char* kind : {"envelope", "revision", "keystring", "account", "page", "wrapped_key", "search_segment",
                           "search_manifest", "search_keys", "agent_certificate", "agent_revocation", "agent_grant",
                           "workspace_record"})
    EXPECT_GT(per_kind[kind], 0) << "no vectors of kind " << kind;
}

}  // namespace
}  // namespace zkwiki

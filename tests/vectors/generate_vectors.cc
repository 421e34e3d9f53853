// Writes the format test vectors in tests/vectors/ (one JSON file per case). The files are
// checked in: they pin the byte format. Regenerate only on a deliberate format change:
//   build/bin/zkwiki-vectorgen tests/vectors
// Deterministic cases come out byte-identical each time; the account and wrapped-key cases hold
// randomized wraps (new bytes on every run, equally valid): keep the checked-in ones unless
// their format changed.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "envelope_internal.h"
#include "zkwiki/account.h"
#include "zkwiki/agent.h"
#include "zkwiki/envelope.h"
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
using Bytes = std::vector<std::uint8_t>;
std::filesystem::path g_dir;

Bytes pattern(std::size_t n, std::uint8_t start) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(start + i);
  return b;
}
template <class T>
T fixed_id(std::uint8_t start) {
  T t;
  auto p = pattern(T::kSize, start);
  std::copy(p.begin(), p.end(), t.bytes.begin());
  return t;
}
std::string hx(std::span<const std::uint8_t> b) { return to_hex(b); }
std::string hx(std::string_view s) { return to_hex({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}); }

void write(const std::string& name, json j) {
  j["name"] = name;
  std::ofstream(g_dir / (name + ".json")) << j.dump(1) << "\n";
}
json ok() { return json{{"ok", true}}; }
json fails(Errc e) { return json{{"ok", false}, {"error", std::string(errc_name(e))}}; }

json context_json(const EnvelopeContext& c) {
  return {{"kind", static_cast<int>(c.kind)}, {"workspace", c.workspace.hex()}, {"collection", c.collection.hex()},
          {"page", c.page.hex()}, {"revision", c.revision}, {"parent", c.parent.hex()}};
}

void envelope_vectors() {
  EnvelopeContext ctx{ContentKind::page_revision, fixed_id<WorkspaceId>(0x10), fixed_id<CollectionId>(0x20),
                      fixed_id<PageId>(0x30), 2, fixed_id<Hash256>(0x40)};
  Keyset keyset(KeyScope::for_collection(ctx.workspace, ctx.collection));
  Bytes gen_key = pattern(32, 0x80);
  (void)keyset.insert(3, Secret::from_bytes(gen_key), true);
  internal::SealRandomness rnd;
  auto d = pattern(32, 0xA0), w = pattern(24, 0xC0), s = pattern(16, 0xE0);
  std::copy(d.begin(), d.end(), rnd.dek.begin());
  std::copy(w.begin(), w.end(), rnd.wrap_nonce.begin());
  std::copy(s.begin(), s.end(), rnd.stream_prefix.begin());
  auto base = [&](std::span<const std::uint8_t> pt, const Bytes& env) {
    return json{{"kind", "envelope"}, {"generation", 3}, {"generation_key", hx(gen_key)}, {"context", context_json(ctx)},
                {"dek", hx(rnd.dek)}, {"wrap_nonce", hx(rnd.wrap_nonce)}, {"stream_prefix", hx(rnd.stream_prefix)},
                {"plaintext", hx(pt)}, {"envelope", hx(env)}};
  };
  auto seal = [&](std::span<const std::uint8_t> pt) { return *internal::seal_envelope_with(ctx, keyset, pt, rnd); };

  std::string text = "# Hello\n\nA page sealed with fixed keys and nonces.\n";
  Bytes small(text.begin(), text.end());
  Bytes env = seal(small);
  auto j = base(small, env);
  j["description"] = "a one-chunk page: seal with the given randomness gives exactly `envelope`; it opens to `plaintext`";
  j["expected"] = ok();
  write("envelope-small", j);

  j = base({}, seal({}));
  j["description"] = "the empty page: one chunk of 256 padded bytes";
  j["expected"] = ok();
  write("envelope-empty", j);

  Bytes big = pattern(2 * kChunkBytes + 100, 7);
  j = base(big, seal(big));
  j["description"] = "a three-chunk page (two full 64 KiB chunks and a final one)";
  j["expected"] = ok();
  write("envelope-three-chunks", j);

  auto negative = [&](const std::string& name, const std::string& why, Bytes bad, Errc e, json ctx_override = nullptr) {
    auto jn = base(small, bad);
    jn.erase("plaintext");
    jn["description"] = why;
    jn["expected"] = fails(e);
    if (!ctx_override.is_null()) jn["context"] = ctx_override;
    write(name, jn);
  };
  Bytes t = env;
  t[env.size() - 1] ^= 1;
  negative("envelope-bad-tag", "last tag byte flipped", t, Errc::auth_failed);
  t = env;
  t[4] = 2;
  negative("envelope-unknown-version", "version byte 2", t, Errc::unsupported_version);
  t = env;
  t[0] = 'Y';
  negative("envelope-bad-magic", "magic is not ZKWE", t, Errc::malformed);
  t = env;
  t[8] = 4;
  negative("envelope-unknown-generation", "names key generation 4, which the keyset lacks", t, Errc::unknown_key);
  negative("envelope-truncated-header", "only the first 60 bytes", Bytes(env.begin(), env.begin() + 60),
           Errc::truncated);
  negative("envelope-no-chunks", "the header alone", Bytes(env.begin(), env.begin() + kEnvelopeHeaderBytes),
           Errc::truncated);
  t = env;
  t.push_back(0);
  negative("envelope-trailing-byte", "one byte appended to the final chunk", t, Errc::auth_failed);
  auto other = context_json(ctx);
  other["page"] = fixed_id<PageId>(0x31).hex();
  negative("envelope-other-page", "opened with another page id in the context", env, Errc::auth_failed, other);
  other = context_json(ctx);
  other["revision"] = 3;
  negative("envelope-other-revision", "opened as revision 3", env, Errc::auth_failed, other);
  other = context_json(ctx);
  other["parent"] = fixed_id<Hash256>(0x41).hex();
  negative("envelope-other-parent", "opened with another parent hash", env, Errc::auth_failed, other);
  Bytes big_env = seal(big);
  negative("envelope-missing-final-chunk", "the three-chunk envelope cut after its second full chunk",
           Bytes(big_env.begin(), big_env.begin() + kEnvelopeHeaderBytes + 2 * (kChunkBytes + kChunkTagBytes)),
           Errc::truncated);
}

void revision_vectors() {
  EnvelopeContext ctx{ContentKind::page_revision, fixed_id<WorkspaceId>(0x10), fixed_id<CollectionId>(0x20),
                      fixed_id<PageId>(0x30), 2, fixed_id<Hash256>(0x40)};
  Bytes seed = pattern(32, 0x55);
  auto kp = primitives::ed25519_from_seed(Secret::from_bytes(seed));
  Bytes envelope = pattern(500, 1);
  auto rec = sign_revision(ctx, envelope, kp.public_key, kp.secret_key);
  Bytes bytes = rec.encode();
  json base{{"kind", "revision"}, {"author_seed", hx(seed)}, {"context", context_json(ctx)}, {"envelope", hx(envelope)}};
  auto j = base;
  j["description"] = "signing with the seed gives exactly `record` (Ed25519 is deterministic); its hash is `record_hash`";
  j["record"] = hx(bytes);
  j["record_hash"] = rec.hash().hex();
  j["expected"] = ok();
  write("revision-record", j);
  auto negative = [&](const std::string& name, const std::string& why, Bytes bad, Errc e) {
    json jn{{"kind", "revision"}, {"record", hx(bad)}, {"description", why}, {"expected", fails(e)}};
    write(name, jn);
  };
  Bytes t = bytes;
  t[60] ^= 1;
  negative("revision-tampered", "a byte of the revision number flipped: the signature fails", t, Errc::auth_failed);
  negative("revision-truncated", "last byte missing", Bytes(bytes.begin(), bytes.end() - 1), Errc::truncated);
  t = bytes;
  t.push_back(0);
  negative("revision-trailing-byte", "one byte appended", t, Errc::trailing_data);
  t = bytes;
  t[4] = 2;
  negative("revision-unknown-version", "version 2", t, Errc::unsupported_version);
}

void keystring_vectors() {
  Bytes payload = pattern(32, 0x01);
  json j{{"kind", "keystring"}, {"type", "recovery_key"}, {"payload", hx(payload)},
         {"string", encode_key_string(KeyStringType::recovery_key, payload, 5)},
         {"description", "a recovery key, grouped by 5"}, {"expected", ok()}};
  write("keystring-recovery", j);
  Bytes pk = pattern(64, 0x30);
  j = {{"kind", "keystring"}, {"type", "public_keys"}, {"payload", hx(pk)},
       {"string", encode_key_string(KeyStringType::public_keys, pk)},
       {"description", "an account public key (X25519 || Ed25519)"}, {"expected", ok()}};
  PublicKeys keys;
  std::copy_n(pk.begin(), 32, keys.x25519.begin());
  std::copy_n(pk.begin() + 32, 32, keys.ed25519.begin());
  j["fingerprint"] = keys.fingerprint();
  write("keystring-public-keys", j);
  std::string s = encode_key_string(KeyStringType::recovery_key, payload);
  s[12] = s[12] == 'a' ? 'b' : 'a';
  write("keystring-typo", {{"kind", "keystring"}, {"type", "recovery_key"}, {"string", s},
                           {"description", "one character changed: checksum fails"}, {"expected", fails(Errc::malformed)}});
  write("keystring-wrong-type",
        {{"kind", "keystring"}, {"type", "recovery_key"}, {"string", encode_key_string(KeyStringType::public_keys, pk)},
         {"description", "a public key given where a recovery key is expected"}, {"expected", fails(Errc::wrong_type)}});
}

void account_vectors() {
  // Randomized wraps cannot be fixed; the vector fixes the record and checks that the passphrase
  // unlocks it to the stated public keys (the KDF parameters are cheap, with a policy to match).
  KdfParams params = KdfParams::generate(1, 64);
  auto p = pattern(32, 0x90);
  std::copy(p.begin(), p.end(), params.seed.begin());
  std::string pass = "caf\xC3\xA9 passphrase";
  auto a = std::move(create_account(pass, params, KdfPolicy{1, 8, 16, 1 << 20})).value();
  json base{{"kind", "account"}, {"record", hx(a.record.encode())}, {"policy", {{"min_opslimit", 1}, {"min_memlimit_kib", 8}}}};
  auto j = base;
  j["passphrase"] = hx("cafe\xCC\x81 passphrase");  // NFD spelling of the same passphrase
  j["description"] = "the NFD spelling unlocks an account created with the NFC one";
  j["public_keys"] = a.keys.public_keys.to_string();
  j["login_public_key"] = hx(a.record.login_public_key);
  j["expected"] = ok();
  write("account-unlock-nfd", j);
  j = base;
  j["passphrase"] = hx("wrong passphrase");
  j["description"] = "a wrong passphrase";
  j["expected"] = fails(Errc::wrong_passphrase);
  write("account-wrong-passphrase", j);
  j = base;
  j["passphrase"] = hx(pass);
  j["policy"] = {{"min_opslimit", 3}, {"min_memlimit_kib", 65536}};
  j["description"] = "the production floor refuses the record's cheap KDF parameters (a downgrade)";
  j["expected"] = fails(Errc::weak_parameters);
  write("account-kdf-downgrade", j);
}

void wrapped_key_vectors() {
  // Sealed boxes are randomized, so the vector fixes the wrapped bytes and checks that the
  // recipient (given by its secret seeds) opens them to the stated key.
  WorkspaceId ws = fixed_id<WorkspaceId>(0x10);
  CollectionId coll = fixed_id<CollectionId>(0x20);
  KeyScope scope = KeyScope::for_collection(ws, coll);
  Bytes rx = pattern(32, 0x61), re = pattern(32, 0x71), gx = pattern(32, 0x81), ge = pattern(32, 0x91);
  AccountKeys recipient = AccountKeys::from_seeds(AccountId{}, Secret::from_bytes(rx), Secret::from_bytes(re));
  AccountKeys granter = AccountKeys::from_seeds(AccountId{}, Secret::from_bytes(gx), Secret::from_bytes(ge));
  Keyset keyset(scope);
  Bytes key = pattern(32, 0xB0);
  (void)keyset.insert(2, Secret::from_bytes(key), true);
  Bytes wrapped = *wrap_generation(keyset, 2, recipient.public_keys, granter);
  json base{{"kind", "wrapped_key"}, {"recipient_x25519_secret", hx(rx)}, {"recipient_ed25519_seed", hx(re)},
            {"scope_kind", 2}, {"workspace", ws.hex()}, {"collection", coll.hex()}};
  auto j = base;
  j["wrapped"] = hx(wrapped);
  j["generation"] = 2;
  j["primary"] = true;
  j["key"] = hx(key);
  j["granter"] = hx(granter.public_keys.ed25519);
  j["description"] = "generation 2 of a collection, wrapped to the recipient and signed by the granter";
  j["expected"] = ok();
  write("wrapped-key", j);
  auto negative = [&](const std::string& name, const std::string& why, Bytes bad, Errc e, json scope_override = nullptr) {
    auto jn = base;
    jn["wrapped"] = hx(bad);
    jn["description"] = why;
    jn["expected"] = fails(e);
    if (!scope_override.is_null()) jn["collection"] = scope_override;
    write(name, jn);
  };
  Bytes t = wrapped;
  t[120] ^= 1;
  negative("wrapped-key-tampered-box", "a byte of the sealed box flipped: the signature fails", t, Errc::auth_failed);
  t = wrapped;
  t[4] = 2;
  negative("wrapped-key-unknown-version", "version 2", t, Errc::unsupported_version);
  negative("wrapped-key-truncated", "last byte missing", Bytes(wrapped.begin(), wrapped.end() - 1), Errc::truncated);
  negative("wrapped-key-other-collection", "opened for another collection", wrapped, Errc::forbidden,
           fixed_id<CollectionId>(0x21).hex());
}

void agent_vectors() {
  // Certificates and revocations are deterministic (Ed25519); grants hold a sealed box, so
  // their vectors fix the bytes and check what they open to.
  WorkspaceId ws = fixed_id<WorkspaceId>(0x10);
  CollectionId memory = fixed_id<CollectionId>(0x20), notes = fixed_id<CollectionId>(0x21);
  AccountKeys issuer = AccountKeys::from_seeds(fixed_id<AccountId>(0x50), Secret::from_bytes(pattern(32, 0x81)),
                                               Secret::from_bytes(pattern(32, 0x91)));
  AccountKeys agent = AccountKeys::from_seeds(AccountId{}, Secret::from_bytes(pattern(32, 0x61)),
                                              Secret::from_bytes(pattern(32, 0x71)));
  AgentCertificate draft;
  draft.workspace = ws;
  draft.grant = fixed_id<GrantId>(0x40);
  draft.issuer = issuer.id;
  draft.agent = agent.public_keys;
  draft.not_before = 1764720000;
  draft.not_after = 1764720000 + 8 * 3600;
  draft.collections = {memory, notes};
  draft.path_prefix = "agents/scribe/";
  draft.label = "scribe";
  AgentCertificate cert = *sign_certificate(draft, issuer);
  Bytes bytes = cert.encode();
  json cj{{"kind", "agent_certificate"}, {"certificate", hx(bytes)}, {"issuer_ed25519_seed", hx(pattern(32, 0x91))},
          {"workspace", ws.hex()}, {"grant", cert.grant.hex()}, {"issuer", issuer.id.hex()},
          {"agent", agent.public_keys.to_string(true)}, {"not_before", cert.not_before}, {"not_after", cert.not_after},
          {"read_only", false}, {"collections", {memory.hex(), notes.hex()}}, {"path_prefix", cert.path_prefix},
          {"label", cert.label}, {"issuer_key", hx(issuer.public_keys.ed25519)}};
  auto j = cj;
  j["description"] = "a read-write certificate for two collections below agents/scribe/; signing the fields gives exactly these bytes";
  j["expected"] = ok();
  write("agent-certificate", j);
  draft.read_only = true;
  draft.path_prefix.clear();
  draft.label.clear();
  draft.collections = {memory};
  AgentCertificate ro = *sign_certificate(draft, issuer);
  j = cj;
  j["certificate"] = hx(ro.encode());
  j["read_only"] = true;
  j["path_prefix"] = "";
  j["label"] = "";
  j["collections"] = {memory.hex()};
  j["description"] = "a read-only certificate for one collection, any path, no label";
  j["expected"] = ok();
  write("agent-certificate-read-only", j);
  auto negative = [&](const std::string& name, const std::string& why, const Bytes& bad, Errc e) {
    write(name, {{"kind", "agent_certificate"}, {"certificate", hx(bad)}, {"description", why}, {"expected", fails(e)}});
  };
  Bytes t = bytes;
  t[170] ^= 1;  // inside the first collection id
  negative("agent-certificate-tampered", "a byte of a collection id flipped: the signature fails", t, Errc::auth_failed);
  negative("agent-certificate-truncated", "last byte missing", Bytes(bytes.begin(), bytes.end() - 1), Errc::truncated);
  t = bytes;
  t.push_back(0);
  negative("agent-certificate-trailing-byte", "one byte too many", t, Errc::trailing_data);
  t = bytes;
  t[4] = 2;
  negative("agent-certificate-unknown-version", "version 2", t, Errc::unsupported_version);
  t = bytes;
  t[5] = 2;
  negative("agent-certificate-unknown-flags", "flag bit 1 set", t, Errc::malformed);
  t = bytes;
  t[166] = 0;
  negative("agent-certificate-no-collections", "a collection count of 0", t, Errc::malformed);
  t = bytes;
  std::copy_n(t.begin() + 167, 16, t.begin() + 183);  // the second collection = the first
  negative("agent-certificate-duplicate-collection", "the same collection twice", t, Errc::malformed);
  t = bytes;
  std::copy_n(t.begin() + 150, 8, t.begin() + 158);  // not_after = not_before
  negative("agent-certificate-empty-window", "not_after equal to not_before", t, Errc::malformed);

  AgentRevocation rev = sign_revocation(ws, cert.grant, 1764723600, issuer);
  Bytes rb = rev.encode();
  write("agent-revocation", {{"kind", "agent_revocation"}, {"revocation", hx(rb)}, {"workspace", ws.hex()},
                             {"grant", cert.grant.hex()}, {"revoked_at", rev.revoked_at},
                             {"signer_ed25519_seed", hx(pattern(32, 0x91))}, {"signer", hx(rev.signer)},
                             {"description", "grant 4041... revoked an hour into its window"}, {"expected", ok()}});
  t = rb;
  t[40] ^= 1;
  write("agent-revocation-tampered", {{"kind", "agent_revocation"}, {"revocation", hx(t)},
                                      {"description", "revoked_at changed: the signature fails"},
                                      {"expected", fails(Errc::auth_failed)}});

  Keyset mk(KeyScope::for_collection(ws, memory)), nk(KeyScope::for_collection(ws, notes));
  (void)mk.insert(1, Secret::from_bytes(pattern(32, 0xB0)), true);
  (void)nk.insert(2, Secret::from_bytes(pattern(32, 0xC0)), true);
  std::vector<Bytes> wraps{*wrap_generation(mk, 1, agent.public_keys, issuer), *wrap_generation(nk, 2, agent.public_keys, issuer)};
  std::string token = "zka_" + hx(pattern(32, 0xD0));
  Grant g = std::move(make_grant("http://127.0.0.1:8787", token, cert, {issuer.public_keys.ed25519}, wraps, Secret{})).value();
  json gj{{"kind", "agent_grant"}, {"agent_secret", agent_secret_string(agent)}, {"token", token},
          {"server", "http://127.0.0.1:8787"}, {"certificate", hx(bytes)},
          {"keys", {{{"collection", memory.hex()}, {"generation", 1}, {"key", hx(pattern(32, 0xB0))}},
                    {{"collection", notes.hex()}, {"generation", 2}, {"key", hx(pattern(32, 0xC0))}}}}};
  j = gj;
  j["grant"] = g.to_string();
  j["description"] = "a grant for an agent key: opened with the agent's secret it gives the token and both collections' keys";
  j["expected"] = ok();
  write("agent-grant", j);
  j = gj;
  j["grant"] = g.to_string();
  j["agent_secret"] = agent_secret_string(issuer);
  j["description"] = "the same grant opened with another agent's key";
  j["expected"] = fails(Errc::forbidden);
  write("agent-grant-other-agent", j);
  std::string typo = g.to_string();
  typo[40] = typo[40] == 'a' ? 'b' : 'a';
  j = gj;
  j["grant"] = typo;
  j["description"] = "one character of the grant string changed: the checksum fails";
  j["expected"] = fails(Errc::malformed);
  write("agent-grant-typo", j);
  Bytes gb = g.encode();
  j = gj;
  j["grant"] = encode_key_string(KeyStringType::grant, Bytes(gb.begin(), gb.end() - 1));
  j["description"] = "a grant whose last byte is missing (checksum recomputed)";
  j["expected"] = fails(Errc::truncated);
  write("agent-grant-truncated", j);
  gb[4] = 2;
  j = gj;
  j["grant"] = encode_key_string(KeyStringType::grant, gb);
  j["description"] = "grant version 2";
  j["expected"] = fails(Errc::unsupported_version);
  write("agent-grant-unknown-version", j);

  Secret bearer = Secret::from_bytes(pattern(32, 0xE0));
  AccountKeys bk = bearer_agent_keys(bearer);
  draft = cert;
  draft.agent = bk.public_keys;
  draft.read_only = false;
  draft.collections = {memory};
  draft.path_prefix = "";
  draft.label = "bearer";
  AgentCertificate bc = *sign_certificate(draft, issuer);
  Grant bg = std::move(make_grant("http://127.0.0.1:8787", token, bc, {issuer.public_keys.ed25519},
                         {*wrap_generation(mk, 1, bk.public_keys, issuer)}, bearer.clone())).value();
  write("agent-grant-bearer", {{"kind", "agent_grant"}, {"grant", bg.to_string()}, {"token", token},
                               {"server", "http://127.0.0.1:8787"}, {"certificate", hx(bc.encode())},
                               {"bearer_secret", hx(bearer.reveal())}, {"agent", bk.public_keys.to_string(true)},
                               {"keys", {{{"collection", memory.hex()}, {"generation", 1}, {"key", hx(pattern(32, 0xB0))}}}},
                               {"description", "a bearer grant: the agent key is derived from the secret it carries"},
                               {"expected", ok()}});
  Bytes sk = pattern(64, 0x61);
  write("keystring-agent-secret", {{"kind", "keystring"}, {"type", "agent_secret"}, {"payload", hx(sk)},
                                   {"string", encode_key_string(KeyStringType::agent_secret, sk)},
                                   {"description", "an agent secret key (X25519 secret || Ed25519 seed)"},
                                   {"expected", ok()}});
}

void page_vectors() {
  PageContent p{{"projects/alpha/notes.md", "Notes", {"memory", "alpha"}, 1764720000000, 1764720001000,
                 {"projects/beta.md"}, false},
                "---\ntitle: Notes\n---\n# Notes\n\nSee [[beta]].\n"};
  write("page-encoding", {{"kind", "page"}, {"path", p.meta.path}, {"title", p.meta.title}, {"tags", p.meta.tags},
                          {"created_ms", p.meta.created_ms}, {"modified_ms", p.meta.modified_ms},
                          {"links", p.meta.links}, {"deleted", false}, {"body", p.body},
                          {"bytes", hx(*encode_page(p))}, {"description", "page plaintext encoding"},
                          {"expected", ok()}});
}

// A small index: three pages (one with tags and a title of its own, one in Greek with accents,
// one in Japanese) and a deleted page.
void search_vectors() {
  struct Doc {
    PageId id;
    std::uint64_t revision;
    std::string path, title;
    std::vector<std::string> tags;
    std::string body;
  };
  std::vector<Doc> docs = {
      {fixed_id<PageId>(0x10), 3, "notes/tar.md", "tar", {}, "# tar\n\nArchive files: `tar -cf out.tar dir`.\n"},
      {fixed_id<PageId>(0x20), 1, "notes/café.md", "Καφές και résumé", {"greek", "Drinks"},
       "---\ntitle: Καφές και résumé\ntags: [greek, Drinks]\n---\nΟ καφές είναι ζεστός. See [[tar]].\n"},
      {fixed_id<PageId>(0x30), 2, "ja/ファイル.md", "ファイル", {}, "# ファイル\n\nファイルを圧縮します。\n"},
  };
  SearchIndex index;
  json in = json::array();
  for (const auto& d : docs) {
    if (!index.put(SearchDocument{d.id, d.revision, d.path, d.title, d.tags, d.body})) std::abort();
    in.push_back({{"page", d.id.hex()}, {"revision", d.revision}, {"path", d.path}, {"title", d.title},
                  {"tags", d.tags}, {"body", d.body}});
  }
  PageId gone = fixed_id<PageId>(0x40);
  index.remove(gone, 5);
  index.flush();
  Bytes seg(index.segment_bytes(0).begin(), index.segment_bytes(0).end());
  write("search-segment", {{"kind", "search_segment"}, {"documents", in},
                           {"deleted", json::array({{{"page", gone.hex()}, {"revision", 5}}})},
                           {"bytes", hx(seg)}, {"description", "an index segment of three pages and one deletion"},
                           {"expected", ok()}});
  auto negative = [&](const std::string& name, const std::string& why, const Bytes& bad, Errc e) {
    write(name, {{"kind", "search_segment"}, {"bytes", hx(bad)}, {"description", why}, {"expected", fails(e)}});
  };
  negative("search-segment-truncated", "last byte missing", Bytes(seg.begin(), seg.end() - 1), Errc::truncated);
  Bytes t = seg;
  t.push_back(0);
  negative("search-segment-trailing-byte", "one byte appended", t, Errc::trailing_data);
  t = seg;
  t[4] = 2;
  negative("search-segment-unknown-version", "version 2", t, Errc::unsupported_version);
  t = seg;
  t[16] = 0xff, t[17] = 0xff, t[18] = 0xff, t[19] = 0xff;
  negative("search-segment-oversized", "a document count over 2^24", t, Errc::too_large);
  t = seg;
  t[t.size() - 1] ^= 0x7f;  // the last posting points past the documents
  negative("search-segment-bad-posting", "a posting outside the documents", t, Errc::malformed);

  SearchManifest m;
  m.collection = fixed_id<CollectionId>(0x50);
  m.feed_seq = 42;
  m.pages = 3;
  m.segments.push_back(ManifestSegment{fixed_id<Hash256>(0x60), 1234, 7, 3, 1});
  m.segments.push_back(ManifestSegment{fixed_id<Hash256>(0x80), 456, 9, 1, 0});
  Bytes mb = m.encode();
  write("search-manifest", {{"kind", "search_manifest"}, {"collection", m.collection.hex()}, {"feed_seq", 42},
                            {"pages", 3},
                            {"segments", json::array({{{"blob", m.segments[0].blob.hex()}, {"size", 1234}, {"seq", 7},
                                                       {"documents", 3}, {"tombstones", 1}},
                                                      {{"blob", m.segments[1].blob.hex()}, {"size", 456}, {"seq", 9},
                                                       {"documents", 1}, {"tombstones", 0}}})},
                            {"bytes", hx(mb)}, {"description", "a search manifest of two segments"}, {"expected", ok()}});
  auto mneg = [&](const std::string& name, const std::string& why, const Bytes& bad, Errc e) {
    write(name, {{"kind", "search_manifest"}, {"bytes", hx(bad)}, {"description", why}, {"expected", fails(e)}});
  };
  mneg("search-manifest-truncated", "last byte missing", Bytes(mb.begin(), mb.end() - 1), Errc::truncated);
  t = mb;
  t.push_back(0);
  mneg("search-manifest-trailing-byte", "one byte appended", t, Errc::trailing_data);
  t = mb;
  t[4] = 2;
  mneg("search-manifest-unknown-version", "version 2", t, Errc::unsupported_version);
  t = mb;
  t[36] = 0x01, t[37] = 0x04;  // 1025 segments
  mneg("search-manifest-oversized", "1025 segments", t, Errc::too_large);

  // The search key of a generation and the manifest page id.
  WorkspaceId ws = fixed_id<WorkspaceId>(0x01);
  CollectionId c = fixed_id<CollectionId>(0x11);
  Keyset keys(KeyScope::for_collection(ws, c));
  Bytes gen_key = pattern(32, 0xa0);
  if (!keys.insert(2, Secret::from_bytes(gen_key), true)) std::abort();
  Keyset search = derive_search_keyset(keys);
  write("search-keys", {{"kind", "search_keys"}, {"workspace", ws.hex()}, {"collection", c.hex()}, {"generation", 2},
                        {"generation_key", hx(gen_key)}, {"search_key", hx(search.find(2)->reveal())},
                        {"manifest_page", search_manifest_page(ws, c).hex()},
                        {"description", "the search key (KDF label zkwindex) and the manifest page id"},
                        {"expected", ok()}});
}


void workspace_record_vectors() {
  // The owner's identity key from a fixed seed; the X25519 half plays no part in the record.
  Bytes seed = pattern(32, 0x61);
  auto owner = AccountKeys::from_seeds(fixed_id<AccountId>(0x20), Secret::from_bytes(Bytes(32, 0)),
                                       Secret::from_bytes(seed));
  auto rec = sign_workspace_record(fixed_id<WorkspaceId>(0x10), fixed_id<CollectionId>(0x30), owner);
  Bytes bytes = rec.encode();
  write("workspace-record",
        {{"kind", "workspace_record"}, {"owner_ed25519_seed", hx(seed)}, {"workspace", rec.workspace.hex()},
         {"owner", rec.owner.hex()}, {"default_collection", rec.default_collection.hex()},
         {"owner_key", hx(rec.owner_key)}, {"record", hx(bytes)},
         {"description", "signing these fields with the seed gives exactly `record` (Ed25519 is deterministic)"},
         {"expected", ok()}});
  auto negative = [&](const std::string& name, const std::string& why, Bytes bad, Errc e) {
    write(name, {{"kind", "workspace_record"}, {"record", hx(bad)}, {"description", why}, {"expected", fails(e)}});
  };
  Bytes t = bytes;
  t[37] ^= 1;
  negative("workspace-record-other-collection", "a byte of the default collection changed: the signature fails", t,
           Errc::auth_failed);
  negative("workspace-record-truncated", "last byte missing", Bytes(bytes.begin(), bytes.end() - 1), Errc::truncated);
  t = bytes;
  t.push_back(0);
  negative("workspace-record-trailing-byte", "one byte appended", t, Errc::trailing_data);
  // Version 1, the unsigned record of earlier builds: "ZKWS" | 1 | owner | default collection.
  Bytes v1{'Z', 'K', 'W', 'S', 1};
  v1.insert(v1.end(), rec.owner.bytes.begin(), rec.owner.bytes.end());
  v1.insert(v1.end(), rec.default_collection.bytes.begin(), rec.default_collection.bytes.end());
  negative("workspace-record-unsigned-v1", "the unsigned version-1 record: no longer accepted", v1,
           Errc::unsupported_version);
  t = bytes;
  t[0] = 'X';
  negative("workspace-record-bad-magic", "magic XKWS", t, Errc::malformed);
}
}  // namespace
}  // namespace zkwiki

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: zkwiki-vectorgen DIR\n");
    return 2;
  }
  zkwiki::g_dir = argv[1];
  std::filesystem::create_directories(zkwiki::g_dir);
  zkwiki::envelope_vectors();
  zkwiki::revision_vectors();
  zkwiki::keystring_vectors();
  zkwiki::account_vectors();
  zkwiki::wrapped_key_vectors();
  zkwiki::page_vectors();
  zkwiki::search_vectors();
  zkwiki::agent_vectors();
  zkwiki::workspace_record_vectors();
  return 0;
}

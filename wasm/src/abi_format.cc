// The C ABI's format exports for agent grants, workspace records and the search index (abi.h):
// decode and encode the byte strings of agent.h, workspace_record.h, search.h and search_manifest.h, so that every case in
// tests/vectors/ is checked through the module as the native build checks it.
#include <cstring>

#include "abi.h"
#include "abi_common.h"
#include "zkwiki/agent.h"
#include "zkwiki/encoding.h"
#include "zkwiki/search.h"
#include "zkwiki/search_manifest.h"
#include "zkwiki/workspace_record.h"

using namespace zkwiki;
using namespace zkwiki::wasm;

namespace {

template <class Id>
bool get_id(const json& j, const char* k, Id& out) {
  std::string hex;
  if (!get_string(j, k, hex)) return false;
  auto id = Id::from_hex(hex);
  if (!id) return false;
  out = *id;
  return true;
}

template <class Id>
Result<Id> id_arg(const std::uint8_t* p, std::size_t n, const char* what) {
  if (n != Id{}.bytes.size()) return make_error(Errc::invalid_argument, std::string(what) + ": wrong length");
  Id id;
  std::memcpy(id.bytes.data(), p, n);
  return id;
}

// The issuer or signer: only its Ed25519 seed matters here (the X25519 half is unused).
Result<AccountKeys> signer_from_seed(const AccountId& id, const std::uint8_t* seed, std::size_t n) {
  if (n != 32) return make_error(Errc::invalid_argument, "an Ed25519 seed is 32 bytes");
  return AccountKeys::from_seeds(id, Secret::from_bytes(std::vector<std::uint8_t>(32, 0)),
                                 Secret::from_bytes(in_bytes(seed, n)));
}

json certificate_json(const AgentCertificate& c) {
  json cols = json::array();
  for (const auto& id : c.collections) cols.push_back(id.hex());
  return {{"workspace", c.workspace.hex()},     {"grant", c.grant.hex()},
          {"issuer", c.issuer.hex()},           {"issuerKey", to_hex(c.issuer_key)},
          {"agent", c.agent.to_string(true)},   {"notBefore", c.not_before},
          {"notAfter", c.not_after},            {"readOnly", c.read_only},
          {"collections", std::move(cols)},     {"pathPrefix", c.path_prefix},
          {"label", c.label}};
}

Result<AgentCertificate> certificate_from_json(const json& j) {
  AgentCertificate c;
  std::string agent;
  std::vector<std::string> cols;
  if (!j.is_object() || !get_id(j, "workspace", c.workspace) || !get_id(j, "grant", c.grant) ||
      !get_id(j, "issuer", c.issuer) || !get_string(j, "agent", agent) || !get_int(j, "notBefore", c.not_before) ||
      !get_int(j, "notAfter", c.not_after) || !get_strings(j, "collections", cols))
    return make_error(Errc::invalid_argument,
                      "a certificate is {workspace, grant, issuer, agent, notBefore, notAfter, collections, "
                      "readOnly?, pathPrefix?, label?}");
  if (j.contains("readOnly") && !get_bool(j, "readOnly", c.read_only))
    return make_error(Errc::invalid_argument, "certificate readOnly: not a boolean");
  if (j.contains("pathPrefix") && !get_string(j, "pathPrefix", c.path_prefix))
    return make_error(Errc::invalid_argument, "certificate pathPrefix: not a string");
  if (j.contains("label") && !get_string(j, "label", c.label))
    return make_error(Errc::invalid_argument, "certificate label: not a string");
  ZKWIKI_ASSIGN(c.agent, PublicKeys::parse(agent, true));
  for (const auto& h : cols) {
    auto id = CollectionId::from_hex(h);
    if (!id) return make_error(Errc::invalid_argument, "certificate collections: " + id.error().message);
    c.collections.push_back(*id);
  }
  return c;
}

json segment_info_json(const SegmentInfo& s) {
  return {{"seq", s.seq}, {"documents", s.documents}, {"tombstones", s.tombstones}, {"live", s.live},
          {"bytes", s.bytes}};
}

}  // namespace

extern "C" {

int32_t zkw_agent_certificate_decode(const uint8_t* bytes, size_t len) {
  return finish(AgentCertificate::decode(in_bytes(bytes, len)),
                [](const AgentCertificate& c) { set_out_json(certificate_json(c)); });
}

int32_t zkw_agent_certificate_sign(const uint8_t* fields, size_t fields_len, const uint8_t* seed, size_t seed_len) {
  auto cert = certificate_from_json(parse_json(in_text(fields, fields_len)));
  if (!cert) return fail(cert.error());
  auto issuer = signer_from_seed(cert->issuer, seed, seed_len);
  if (!issuer) return fail(issuer.error());
  return finish(sign_certificate(std::move(cert).value(), *issuer),
                [](const AgentCertificate& c) { set_out(c.encode()); });
}

int32_t zkw_agent_revocation_decode(const uint8_t* bytes, size_t len) {
  return finish(AgentRevocation::decode(in_bytes(bytes, len)), [](const AgentRevocation& r) {
    set_out_json(json{{"workspace", r.workspace.hex()},
                      {"grant", r.grant.hex()},
                      {"revokedAt", r.revoked_at},
                      {"signer", to_hex(r.signer)}});
  });
}

int32_t zkw_agent_revocation_sign(const uint8_t* ws, size_t ws_len, const uint8_t* grant, size_t grant_len,
                                  double revoked_at, const uint8_t* seed, size_t seed_len) {
  auto w = id_arg<WorkspaceId>(ws, ws_len, "workspace");
  if (!w) return fail(w.error());
  auto g = id_arg<GrantId>(grant, grant_len, "grant");
  if (!g) return fail(g.error());
  if (!(revoked_at >= 0) || revoked_at > 9007199254740991.0)
    return fail(Errc::invalid_argument, "revokedAt: unix seconds, a non-negative integer");
  auto signer = signer_from_seed(AccountId{}, seed, seed_len);
  if (!signer) return fail(signer.error());
  set_out(sign_revocation(*w, *g, static_cast<std::int64_t>(revoked_at), *signer).encode());
  return 0;
}

int32_t zkw_workspace_record_decode(const uint8_t* bytes, size_t len) {
  return finish(WorkspaceRecord::decode(in_bytes(bytes, len)), [](const WorkspaceRecord& r) {
    set_out_json(json{{"workspace", r.workspace.hex()},
                      {"owner", r.owner.hex()},
                      {"defaultCollection", r.default_collection.hex()},
                      {"ownerKey", to_hex(r.owner_key)}});
  });
}

int32_t zkw_workspace_record_sign(const uint8_t* ws, size_t ws_len, const uint8_t* owner, size_t owner_len,
                                  const uint8_t* default_collection, size_t dc_len, const uint8_t* owner_seed,
                                  size_t seed_len) {
  auto w = id_arg<WorkspaceId>(ws, ws_len, "workspace");
  if (!w) return fail(w.error());
  auto o = id_arg<AccountId>(owner, owner_len, "owner");
  if (!o) return fail(o.error());
  auto c = id_arg<CollectionId>(default_collection, dc_len, "defaultCollection");
  if (!c) return fail(c.error());
  auto signer = signer_from_seed(*o, owner_seed, seed_len);
  if (!signer) return fail(signer.error());
  set_out(sign_workspace_record(*w, *c, *signer).encode());
  return 0;
}

int32_t zkw_grant_open(const uint8_t* text, size_t text_len, const uint8_t* agent_secret, size_t agent_secret_len) {
  auto grant = Grant::parse(in_text(text, text_len));
  if (!grant) return fail(grant.error());
  std::optional<AccountKeys> agent;
  if (agent_secret_len > 0) {
    auto k = parse_agent_secret(in_text(agent_secret, agent_secret_len));
    if (!k) return fail(k.error());
    agent = std::move(k).value();
  }
  return finish(open_grant(*grant, agent ? &*agent : nullptr), [&](const OpenedGrant& o) {
    json keys = json::array();
    for (const auto& [collection, keyset] : o.keysets)
      for (std::uint32_t g : keyset.generations())
        keys.push_back({{"collection", collection.hex()},
                        {"generation", g},
                        {"primary", g == keyset.primary_generation()},
                        {"key", to_hex(keyset.find(g)->reveal())}});
    json out = {{"bearer", grant->bearer},
                {"server", grant->server},
                {"certificate", to_hex(grant->certificate_bytes)},
                {"token", o.token},
                {"agent", o.agent.public_keys.to_string(true)},
                {"keys", std::move(keys)}};
    if (grant->bearer) out["bearerSecret"] = to_hex(grant->bearer_secret.reveal());
    set_out_json(out);
  });
}

int32_t zkw_search_segment_inspect(const uint8_t* bytes, size_t len) {
  return finish(inspect_segment(in_bytes(bytes, len)), [](const SegmentInfo& s) { set_out_json(segment_info_json(s)); });
}

int32_t zkw_search_segment_build(const uint8_t* text, size_t text_len) {
  json j = parse_json(in_text(text, text_len));
  auto docs = j.is_object() ? j.find("documents") : j.end();
  if (!j.is_object() || docs == j.end() || !docs->is_array())
    return fail(Errc::invalid_argument, "expected {documents: [{page, revision, path, title, tags, body}], deleted?}");
  SearchIndex index;
  for (const auto& d : *docs) {
    PageId page;
    std::uint64_t revision = 0;
    std::string path, title, body;
    std::vector<std::string> tags;
    if (!get_id(d, "page", page) || !get_uint(d, "revision", revision) || !get_string(d, "path", path) ||
        !get_string(d, "title", title) || !get_string(d, "body", body) ||
        (d.contains("tags") && !get_strings(d, "tags", tags)))
      return fail(Errc::invalid_argument, "a document is {page, revision, path, title, tags?, body}");
    auto put = index.put(SearchDocument{page, revision, path, title, tags, body});
    if (!put) return fail(put.error());
  }
  auto deleted = j.find("deleted");
  if (deleted != j.end()) {
    if (!deleted->is_array()) return fail(Errc::invalid_argument, "deleted: an array of {page, revision}");
    for (const auto& d : *deleted) {
      PageId page;
      std::uint64_t revision = 0;
      if (!get_id(d, "page", page) || !get_uint(d, "revision", revision))
        return fail(Errc::invalid_argument, "deleted: an array of {page, revision}");
      index.remove(page, revision);
    }
  }
  index.flush();
  if (index.segments().size() != 1) return fail(Errc::invalid_argument, "nothing to index");
  set_out(index.segment_bytes(0));
  return 0;
}

int32_t zkw_search_manifest_decode(const uint8_t* bytes, size_t len) {
  return finish(SearchManifest::decode(in_bytes(bytes, len)), [](const SearchManifest& m) {
    json segs = json::array();
    for (const auto& s : m.segments)
      segs.push_back({{"blob", s.blob.hex()}, {"size", s.envelope_size}, {"seq", s.seq},
                      {"documents", s.documents}, {"tombstones", s.tombstones}});
    set_out_json(json{{"collection", m.collection.hex()}, {"feedSeq", m.feed_seq}, {"pages", m.pages},
                      {"segments", std::move(segs)}});
  });
}

int32_t zkw_search_manifest_encode(const uint8_t* text, size_t text_len) {
  json j = parse_json(in_text(text, text_len));
  SearchManifest m;
  std::uint64_t pages = 0;
  auto segs = j.is_object() ? j.find("segments") : j.end();
  const char* shape = "a manifest is {collection, feedSeq, pages, segments: [{blob, size, seq, documents, tombstones}]}";
  if (!j.is_object() || !get_id(j, "collection", m.collection) || !get_uint(j, "feedSeq", m.feed_seq) ||
      !get_uint(j, "pages", pages) || pages > UINT32_MAX || segs == j.end() || !segs->is_array())
    return fail(Errc::invalid_argument, shape);
  if (segs->size() > kMaxManifestSegments) return fail(Errc::too_large, "more segments than a manifest holds");
  m.pages = static_cast<std::uint32_t>(pages);
  for (const auto& s : *segs) {
    ManifestSegment e;
    std::uint64_t docs = 0, tombs = 0;
    if (!get_id(s, "blob", e.blob) || !get_uint(s, "size", e.envelope_size) || !get_uint(s, "seq", e.seq) ||
        !get_uint(s, "documents", docs) || !get_uint(s, "tombstones", tombs) || docs > UINT32_MAX || tombs > UINT32_MAX)
      return fail(Errc::invalid_argument, shape);
    e.documents = static_cast<std::uint32_t>(docs);
    e.tombstones = static_cast<std::uint32_t>(tombs);
    m.segments.push_back(e);
  }
  set_out(m.encode());
  return 0;
}

int32_t zkw_search_keys(const uint8_t* ws, size_t ws_len, const uint8_t* coll, size_t coll_len, uint32_t generation,
                        const uint8_t* key, size_t key_len) {
  auto w = id_arg<WorkspaceId>(ws, ws_len, "workspace");
  if (!w) return fail(w.error());
  auto c = id_arg<CollectionId>(coll, coll_len, "collection");
  if (!c) return fail(c.error());
  Keyset keys(KeyScope::for_collection(*w, *c));
  auto ins = keys.insert(generation, Secret::from_bytes(in_bytes(key, key_len)), true);
  if (!ins) return fail(ins.error());
  Keyset search = derive_search_keyset(keys);
  set_out_json(json{{"generation", search.primary_generation()},
                    {"searchKey", to_hex(search.find(generation)->reveal())},
                    {"manifestPage", search_manifest_page(*w, *c).hex()}});
  return 0;
}

}  // extern "C"

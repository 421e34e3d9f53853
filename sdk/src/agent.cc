#include "zkwiki/agent.h"

#include <algorithm>
#include <set>

#include "internal.h"
#include "zkwiki/encoding.h"
#include "zkwiki/envelope.h"
#include "zkwiki/kdf.h"
#include "zkwiki/keystring.h"
#include "zkwiki/page.h"
#include "zkwiki/primitives.h"

namespace zkwiki {
namespace {

constexpr std::string_view kCertMagic = "ZKWC";
constexpr std::string_view kBundleMagic = "ZKWT";
constexpr std::string_view kRevocationMagic = "ZKWX";
constexpr std::string_view kGrantMagic = "ZKWG";
constexpr std::string_view kCertDomain{"zkwiki agent certificate v1\0", 28};
constexpr std::string_view kRevocationDomain{"zkwiki agent revocation v1\0", 27};
constexpr std::size_t kTokenBytes = 32;

using internal::domain_message;

void write_cert_body(internal::ByteWriter& w, const AgentCertificate& c) {
  w.bytes(internal::as_bytes(kCertMagic));
  w.u8(kAgentFormatVersion);
  w.u8(c.read_only ? 1 : 0);
  w.bytes(c.workspace.bytes);
  w.bytes(c.grant.bytes);
  w.bytes(c.issuer.bytes);
  w.bytes(c.issuer_key);
  w.bytes(c.agent.x25519);
  w.bytes(c.agent.ed25519);
  w.u64(static_cast<std::uint64_t>(c.not_before));
  w.u64(static_cast<std::uint64_t>(c.not_after));
  w.u8(static_cast<std::uint8_t>(c.collections.size()));
  for (const auto& col : c.collections) w.bytes(col.bytes);
  w.var_string(c.path_prefix);
  w.var_string(c.label);
}

// The rules every certificate obeys, checked when signing and when decoding.
Result<void> check_cert_fields(const AgentCertificate& c, Errc code) {
  if (c.collections.empty() || c.collections.size() > kMaxGrantCollections)
    return make_error(code, "agent certificate: 1 to 64 collections");
  std::set<CollectionId> seen(c.collections.begin(), c.collections.end());
  if (seen.size() != c.collections.size()) return make_error(code, "agent certificate: a collection is listed twice");
  if (c.not_after <= c.not_before) return make_error(code, "agent certificate: not_after must be after not_before");
  if (c.not_before < 0) return make_error(code, "agent certificate: negative not_before");
  if (c.path_prefix.size() > kMaxPathPrefixBytes || c.label.size() > kMaxGrantLabelBytes)
    return make_error(code == Errc::malformed ? Errc::too_large : code, "agent certificate: prefix or label too long");
  if (!valid_text(c.path_prefix) || !valid_text(c.label))
    return make_error(code, "agent certificate: prefix or label is not valid UTF-8 text");
  return {};
}

std::string hex_short(std::span<const std::uint8_t> b) { return to_hex(b.first(std::min<std::size_t>(8, b.size()))); }

}  // namespace

// ---- agent keys ----

AccountKeys generate_agent_keys() { return AccountKeys::generate(AccountId{}); }

std::string agent_secret_string(const AccountKeys& agent) {
  Secret payload(64);
  auto out = payload.reveal_mutable();
  std::copy_n(agent.x25519_secret.reveal().begin(), 32, out.begin());
  std::copy_n(agent.ed25519_secret.reveal().begin(), 32, out.begin() + 32);  // the seed half
  return encode_key_string(KeyStringType::agent_secret, payload.reveal());
}

Result<AccountKeys> parse_agent_secret(std::string_view text) {
  ZKWIKI_ASSIGN(auto payload, decode_key_string(text, KeyStringType::agent_secret, 64));
  Secret x = Secret::from_bytes(std::span(payload).first(32));
  Secret seed = Secret::from_bytes(std::span(payload).subspan(32));
  wipe(payload);
  return AccountKeys::from_seeds(AccountId{}, x, seed);
}

AccountKeys bearer_agent_keys(const Secret& bearer_secret) {
  if (bearer_secret.size() != 32) internal::misuse("bearer_agent_keys: the secret must be 32 bytes");
  return AccountKeys::from_seeds(AccountId{}, derive_subkey(bearer_secret, "zkwbrx25"),
                                 derive_subkey(bearer_secret, "zkwbred2"));
}

// ---- certificate ----

bool AgentCertificate::covers(const CollectionId& c) const {
  return std::find(collections.begin(), collections.end(), c) != collections.end();
}

bool AgentCertificate::covers_path(std::string_view path) const { return path.starts_with(path_prefix); }

std::vector<std::uint8_t> AgentCertificate::encode() const {
  internal::ByteWriter w(256 + 16 * collections.size() + path_prefix.size() + label.size());
  write_cert_body(w, *this);
  w.bytes(signature);
  return w.take();
}

Result<AgentCertificate> AgentCertificate::decode(std::span<const std::uint8_t> bytes) {
  if (bytes.size() > kMaxCertificateBytes) return make_error(Errc::too_large, "agent certificate: over 4096 bytes");
  internal::ByteReader r(bytes);
  AgentCertificate c;
  std::uint8_t flags = 0;
  if (internal::expect_magic(r, kCertMagic, kAgentFormatVersion, "agent certificate")) {
    flags = r.u8();
    c.workspace.bytes = r.array<16>();
    c.grant.bytes = r.array<16>();
    c.issuer.bytes = r.array<16>();
    c.issuer_key = r.array<32>();
    c.agent.x25519 = r.array<32>();
    c.agent.ed25519 = r.array<32>();
    c.not_before = static_cast<std::int64_t>(r.u64());
    c.not_after = static_cast<std::int64_t>(r.u64());
    std::size_t n = r.u8();
    if (!r.failed() && (n == 0 || n > kMaxGrantCollections))
      r.fail(Errc::malformed, "1 to 64 collections, not " + std::to_string(n));
    for (std::size_t i = 0; i < n && !r.failed(); ++i) c.collections.push_back(CollectionId{r.array<16>()});
    c.path_prefix = r.var_string(kMaxPathPrefixBytes);
    c.label = r.var_string(kMaxGrantLabelBytes);
    c.signature = r.array<64>();
  }
  ZKWIKI_TRY(r.finish("agent certificate"));
  if (flags > 1) return make_error(Errc::malformed, "agent certificate: unknown flags");
  c.read_only = flags == 1;
  ZKWIKI_TRY(check_cert_fields(c, Errc::malformed));
  auto sig = primitives::ed25519_verify(c.issuer_key, domain_message(kCertDomain, bytes.first(bytes.size() - 64)),
                                        c.signature);
  if (!sig) return make_error(Errc::auth_failed, "agent certificate: the signature does not verify under its issuer key");
  return c;
}

Result<void> validate_path_prefix(std::string_view prefix) {
  if (prefix.empty()) return {};
  const std::string shown = "the path prefix '" + std::string(prefix) + "'";
  if (prefix.front() == '/') {
    std::string_view rest = prefix;
    while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
    return make_error(Errc::invalid_argument, shown + " starts with '/': a prefix is relative to the workspace root, "
                                              "as page paths are (" +
                                                  (rest.empty() ? std::string("none at all for the whole collection")
                                                                : "'" + std::string(rest) + "'") +
                                                  ")");
  }
  std::string_view path = prefix.back() == '/' ? prefix.substr(0, prefix.size() - 1) : prefix;
  if (auto valid = validate_page_path(path); !valid)
    return make_error(Errc::invalid_argument, shown + " is " + valid.error().message + ", like agents/scribe/");
  return {};
}

Result<AgentCertificate> sign_certificate(AgentCertificate cert, const AccountKeys& issuer) {
  ZKWIKI_TRY(check_cert_fields(cert, Errc::invalid_argument));
  cert.issuer_key = issuer.public_keys.ed25519;
  internal::ByteWriter w;
  write_cert_body(w, cert);
  cert.signature = primitives::ed25519_sign(issuer.ed25519_secret, domain_message(kCertDomain, w.buffer()));
  return cert;
}

// ---- revocation ----

std::vector<std::uint8_t> AgentRevocation::encode() const {
  internal::ByteWriter w(kRevocationBytes);
  w.bytes(internal::as_bytes(kRevocationMagic));
  w.u8(kAgentFormatVersion);
  w.bytes(workspace.bytes);
  w.bytes(grant.bytes);
  w.u64(static_cast<std::uint64_t>(revoked_at));
  w.bytes(signer);
  w.bytes(signature);
  return w.take();
}

Result<AgentRevocation> AgentRevocation::decode(std::span<const std::uint8_t> bytes) {
  internal::ByteReader r(bytes);
  AgentRevocation v;
  if (internal::expect_magic(r, kRevocationMagic, kAgentFormatVersion, "agent revocation")) {
    v.workspace.bytes = r.array<16>();
    v.grant.bytes = r.array<16>();
    v.revoked_at = static_cast<std::int64_t>(r.u64());
    v.signer = r.array<32>();
    v.signature = r.array<64>();
  }
  ZKWIKI_TRY(r.finish("agent revocation"));
  if (v.revoked_at < 0) return make_error(Errc::malformed, "agent revocation: negative time");
  auto sig = primitives::ed25519_verify(v.signer, domain_message(kRevocationDomain, bytes.first(bytes.size() - 64)),
                                        v.signature);
  if (!sig) return make_error(Errc::auth_failed, "agent revocation: the signature does not verify");
  return v;
}

AgentRevocation sign_revocation(const WorkspaceId& ws, const GrantId& grant, std::int64_t revoked_at,
                                const AccountKeys& signer) {
  AgentRevocation v{ws, grant, revoked_at, signer.public_keys.ed25519, {}};
  auto body = v.encode();
  body.resize(body.size() - 64);
  v.signature = primitives::ed25519_sign(signer.ed25519_secret, domain_message(kRevocationDomain, body));
  return v;
}

Result<void> check_agent_write(const AgentCertificate& cert, const AgentRevocation* revocation,
                               const CollectionId& collection, std::string_view path,
                               std::optional<std::string_view> parent_path, std::int64_t time_ms) {
  const std::string who = "agent grant '" + cert.label + "' (" + cert.grant.hex().substr(0, 8) + ")";
  if (cert.read_only) return make_error(Errc::forbidden, who + " is read-only: it may not write");
  if (!cert.covers(collection)) return make_error(Errc::forbidden, who + " does not cover this collection");
  if (!cert.covers_path(path))
    return make_error(Errc::forbidden, who + " may write only below '" + cert.path_prefix + "', not " + std::string(path));
  if (parent_path && !cert.covers_path(*parent_path))
    return make_error(Errc::forbidden, who + " may not move or overwrite " + std::string(*parent_path) +
                                           " (outside '" + cert.path_prefix + "')");
  const std::int64_t t = time_ms / 1000;
  std::int64_t end = cert.not_after;
  if (revocation != nullptr) end = std::min(end, revocation->revoked_at);
  if (t < cert.not_before - kAgentClockSkewSeconds || t > end + kAgentClockSkewSeconds)
    return make_error(Errc::forbidden, who + " was not valid at the revision's time (" + std::to_string(t) +
                                           "; valid " + std::to_string(cert.not_before) + ".." + std::to_string(end) +
                                           (revocation != nullptr ? ", revoked" : "") + ")");
  return {};
}

// ---- certificate bundle ----
// "ZKWT" | version | u8 count | count x (collection_id[16] | u32 length | envelope)

Result<std::vector<std::uint8_t>> seal_certificate(const AgentCertificate& cert,
                                                   const std::map<CollectionId, Keyset>& keysets) {
  auto plain = cert.encode();
  internal::ByteWriter w;
  w.bytes(internal::as_bytes(kBundleMagic));
  w.u8(kAgentFormatVersion);
  w.u8(static_cast<std::uint8_t>(cert.collections.size()));
  for (const auto& c : cert.collections) {
    auto it = keysets.find(c);
    if (it == keysets.end() || it->second.empty())
      return make_error(Errc::invalid_argument, "no keyset for collection " + c.hex() + " to seal the certificate under");
    if (!(it->second.scope() == KeyScope::for_collection(cert.workspace, c)))
      return make_error(Errc::invalid_argument, "the keyset for " + c.hex() + " belongs to another scope");
    EnvelopeContext ctx{ContentKind::agent_certificate, cert.workspace, c, PageId{cert.grant.bytes}, 0, Hash256{}};
    ZKWIKI_ASSIGN(auto env, seal_envelope(ctx, it->second, plain));
    w.bytes(c.bytes);
    w.var_bytes(env);
  }
  return w.take();
}

Result<AgentCertificate> open_certificate(std::span<const std::uint8_t> bundle, const WorkspaceId& ws,
                                          const GrantId& grant, const std::map<CollectionId, Keyset>& keysets) {
  internal::ByteReader r(bundle);
  std::vector<std::pair<CollectionId, std::span<const std::uint8_t>>> copies;
  if (internal::expect_magic(r, kBundleMagic, kAgentFormatVersion, "certificate bundle")) {
    std::size_t n = r.u8();
    if (!r.failed() && (n == 0 || n > kMaxGrantCollections)) r.fail(Errc::malformed, "1 to 64 copies");
    for (std::size_t i = 0; i < n && !r.failed(); ++i) {
      CollectionId c{r.array<16>()};
      auto env = r.var_bytes(kMaxCertificateBytes + 1024);
      copies.emplace_back(c, env);
    }
  }
  ZKWIKI_TRY(r.finish("certificate bundle"));
  for (const auto& [c, env] : copies) {
    auto it = keysets.find(c);
    if (it == keysets.end()) continue;
    EnvelopeContext ctx{ContentKind::agent_certificate, ws, c, PageId{grant.bytes}, 0, Hash256{}};
    ZKWIKI_ASSIGN(auto plain, open_envelope(ctx, it->second, env));
    ZKWIKI_ASSIGN(AgentCertificate cert, AgentCertificate::decode(plain));
    if (cert.workspace != ws || cert.grant != grant)
      return make_error(Errc::forbidden, "the certificate stored for grant " + grant.hex() + " is another grant's");
    if (!cert.covers(c))
      return make_error(Errc::forbidden, "the certificate was sealed under a collection it does not cover");
    return cert;
  }
  return make_error(Errc::unknown_key, "no copy of the certificate of grant " + grant.hex() +
                                           " is sealed under a collection this reader holds keys for");
}

// ---- grant ----
// "ZKWG" | version | flags (bit 0 bearer) | server (u32 len) | token_box[80] | certificate (u32 len)
// | u32 trusted count | trusted[32]... | u32 wrap count | wraps[288]... | bearer secret[32] if bearer

std::vector<std::uint8_t> Grant::encode() const {
  internal::ByteWriter w(1024 + kWrappedGenerationBytes * wraps.size());
  w.bytes(internal::as_bytes(kGrantMagic));
  w.u8(kAgentFormatVersion);
  w.u8(bearer ? 1 : 0);
  w.var_string(server);
  w.bytes(token_box);
  w.var_bytes(certificate_bytes);
  w.u32(static_cast<std::uint32_t>(trusted.size()));
  for (const auto& t : trusted) w.bytes(t);
  w.u32(static_cast<std::uint32_t>(wraps.size()));
  for (const auto& x : wraps) w.bytes(x);
  if (bearer) w.bytes(bearer_secret.reveal());
  return w.take();
}

Result<Grant> Grant::decode(std::span<const std::uint8_t> bytes) {
  internal::ByteReader r(bytes);
  Grant g;
  std::uint8_t flags = 0;
  if (internal::expect_magic(r, kGrantMagic, kAgentFormatVersion, "agent grant")) {
    flags = r.u8();
    g.server = r.var_string(kMaxGrantServerBytes);
    g.token_box = r.array<kTokenBoxBytes>();
    auto cert = r.var_bytes(kMaxCertificateBytes);
    g.certificate_bytes.assign(cert.begin(), cert.end());
    std::uint32_t nt = r.u32();
    if (!r.failed() && nt > kMaxGrantTrusted) r.fail(Errc::too_large, "more than 1024 trusted keys");
    for (std::uint32_t i = 0; i < nt && !r.failed(); ++i) g.trusted.push_back(r.array<32>());
    std::uint32_t nw = r.u32();
    if (!r.failed() && nw > kMaxGrantWraps) r.fail(Errc::too_large, "more than 4096 wrapped keys");
    if (!r.failed() && nw == 0) r.fail(Errc::malformed, "no wrapped keys");
    for (std::uint32_t i = 0; i < nw && !r.failed(); ++i) {
      auto x = r.bytes(kWrappedGenerationBytes);
      g.wraps.emplace_back(x.begin(), x.end());
    }
    if (flags == 1) g.bearer_secret = Secret::from_bytes(r.bytes(32));
  }
  ZKWIKI_TRY(r.finish("agent grant"));
  if (flags > 1) return make_error(Errc::malformed, "agent grant: unknown flags");
  g.bearer = flags == 1;
  if (g.server.empty() || std::any_of(g.server.begin(), g.server.end(), [](char c) { return c <= ' ' || c > '~'; }))
    return make_error(Errc::malformed, "agent grant: the server URL is not printable ASCII");
  ZKWIKI_ASSIGN(g.certificate, AgentCertificate::decode(g.certificate_bytes));
  return g;
}

std::string Grant::to_string() const {
  auto bytes = encode();
  std::string s = encode_key_string(KeyStringType::grant, bytes);
  wipe(bytes);
  return s;
}

Result<Grant> Grant::parse(std::string_view text) {
  ZKWIKI_ASSIGN(auto bytes, decode_key_string(text, KeyStringType::grant));
  auto g = decode(bytes);
  wipe(bytes);
  return g;
}

Result<Grant> make_grant(std::string_view server, std::string_view token, const AgentCertificate& cert,
                         std::vector<Ed25519Public> trusted, std::vector<std::vector<std::uint8_t>> wraps,
                         Secret bearer_secret) {
  if (token.size() != 4 + 2 * kTokenBytes || !token.starts_with("zka_"))
    return make_error(Errc::invalid_argument, "not a scoped token (zka_ + 64 hex)");
  Secret raw(kTokenBytes);
  ZKWIKI_TRY(from_hex(token.substr(4), raw.reveal_mutable()));
  if (server.empty() || server.size() > kMaxGrantServerBytes)
    return make_error(Errc::invalid_argument, "the server URL must be 1..2048 characters");
  if (trusted.size() > kMaxGrantTrusted || wraps.empty() || wraps.size() > kMaxGrantWraps)
    return make_error(Errc::invalid_argument, "a grant holds 1..4096 wrapped keys and at most 1024 trusted keys");
  for (const auto& x : wraps)
    if (x.size() != kWrappedGenerationBytes) return make_error(Errc::invalid_argument, "a wrapped key of the wrong size");
  Grant g;
  g.bearer = !bearer_secret.empty();
  if (g.bearer && bearer_secret.size() != 32) return make_error(Errc::invalid_argument, "a bearer secret is 32 bytes");
  if (g.bearer && !(bearer_agent_keys(bearer_secret).public_keys == cert.agent))
    return make_error(Errc::invalid_argument, "the certificate is not for this bearer secret's key");
  g.server = std::string(server);
  ZKWIKI_ASSIGN(auto box, primitives::box_seal(cert.agent.x25519, raw.reveal()));
  std::copy(box.begin(), box.end(), g.token_box.begin());
  g.certificate_bytes = cert.encode();
  ZKWIKI_ASSIGN(g.certificate, AgentCertificate::decode(g.certificate_bytes));
  g.trusted = std::move(trusted);
  g.wraps = std::move(wraps);
  g.bearer_secret = std::move(bearer_secret);
  return g;
}

Result<OpenedGrant> open_grant(const Grant& grant, const AccountKeys* agent) {
  const AgentCertificate& cert = grant.certificate;
  OpenedGrant out;
  if (grant.bearer) {
    out.agent = bearer_agent_keys(grant.bearer_secret);
  } else if (agent == nullptr) {
    return make_error(Errc::invalid_argument, "this grant was made for an agent key: give the agent's key file "
                                              "(zkwiki-keyring agent-keygen wrote it)");
  } else {
    out.agent = AccountKeys{agent->id, agent->public_keys, agent->x25519_secret.clone(), agent->ed25519_secret.clone()};
  }
  if (!(out.agent.public_keys == cert.agent))
    return make_error(Errc::forbidden, "this grant was made for another agent key (" + cert.agent.fingerprint() +
                                           "), not this one (" + out.agent.public_keys.fingerprint() + ")");
  ZKWIKI_ASSIGN(auto raw, primitives::box_open(out.agent.public_keys.x25519, out.agent.x25519_secret, grant.token_box));
  if (raw.size() != kTokenBytes) return make_error(Errc::malformed, "agent grant: the sealed token has the wrong size");
  out.token = "zka_" + to_hex(raw);
  wipe(raw);
  for (const auto& w : grant.wraps) {
    CollectionId c;
    std::copy_n(w.begin() + 22, 16, c.bytes.begin());  // the collection id of a ZKWK record
    if (!cert.covers(c)) return make_error(Errc::forbidden, "agent grant: a wrapped key for a collection outside the certificate");
    KeyScope scope = KeyScope::for_collection(cert.workspace, c);
    ZKWIKI_ASSIGN(UnwrappedGeneration u, unwrap_generation(w, scope, out.agent));
    if (u.granter != cert.issuer_key)
      return make_error(Errc::auth_failed, "agent grant: a key wrapped by " + hex_short(u.granter) + ", not by the issuer");
    auto [it, _] = out.keysets.try_emplace(c, scope);
    ZKWIKI_TRY(it->second.insert(u.generation, std::move(u.key), u.primary));
  }
  for (const auto& c : cert.collections)
    if (!out.keysets.contains(c))
      return make_error(Errc::forbidden, "agent grant: no key for collection " + c.hex() + " of the certificate");
  return out;
}

}  // namespace zkwiki

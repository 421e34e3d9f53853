// Agent grants: what an AI agent session is given, and how every reader checks what it wrote.
//
//   agent key      X25519 (receives keys) + Ed25519 (signs revisions), made where the agent lives
//   certificate    "ZKWC": the agent's keys, signed by a member, with a scope (workspace,
//                  collections, a path prefix, read-only or not), a validity window and a label
//   bundle         "ZKWT": the certificate sealed once under each of its collections' keysets,
//                  which is what the server stores, so it learns neither label nor path prefix
//   revocation     "ZKWX": a member's signed statement that a grant ended at a time
//   grant          "ZKWG" as a "zkwgrant_" string: the server URL, the scoped token (sealed to
//                  the agent's key), the certificate, the author keys the granter trusts and the
//                  collections' key generations wrapped to the agent's key. A bearer grant also
//                  carries a random secret from which the agent key is derived: whoever holds the
//                  string is the agent.
//
// A reader accepts a revision signed by an agent key only if a certificate it can verify (signed
// by an author the reader trusts) covers the revision's collection and path (and its parent's
// path), is not read-only, and the revision's time (the signed page's modified_ms) is inside the
// window and before any revocation. The byte layouts are in docs/FORMAT.md; docs/AGENTS.md says
// what expiry and revocation can and cannot take back.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zkwiki/account.h"
#include "zkwiki/ids.h"
#include "zkwiki/keyset.h"
#include "zkwiki/result.h"
#include "zkwiki/secret.h"

namespace zkwiki {

// A grant's id: the id of its scoped token on the server (docs/API.md).
using GrantId = TaggedBytes<struct GrantIdTag, 16>;
using Ed25519Public = std::array<std::uint8_t, 32>;

inline constexpr std::uint8_t kAgentFormatVersion = 1;
inline constexpr std::size_t kMaxGrantCollections = 64;
inline constexpr std::size_t kMaxPathPrefixBytes = 1024;
inline constexpr std::size_t kMaxGrantLabelBytes = 256;
inline constexpr std::size_t kMaxCertificateBytes = 4096;
inline constexpr std::size_t kMaxGrantServerBytes = 2048;
inline constexpr std::size_t kMaxGrantTrusted = 1024;
inline constexpr std::size_t kMaxGrantWraps = 4096;
inline constexpr std::size_t kTokenBoxBytes = 32 + 48;
inline constexpr std::size_t kRevocationBytes = 4 + 1 + 16 + 16 + 8 + 32 + 64;
// The longest grant Client::grant issues: a year (the server takes tokens of up to 366 days, so
// a granter's clock a little behind the server's is no problem).
inline constexpr std::int64_t kMaxGrantSeconds = 365LL * 24 * 3600;
// How far an agent's clock may run ahead of the certificate's window (seconds).
inline constexpr std::int64_t kAgentClockSkewSeconds = 300;

// ---- agent keys (an AccountKeys whose id is unused) ----

AccountKeys generate_agent_keys();
// "zkwagentkey_..." typed string: x25519_secret[32] || ed25519_seed[32]. Secret: keep it 0600.
std::string agent_secret_string(const AccountKeys& agent);
// Errors: those of decode_key_string (wrong_type, malformed, truncated, invalid_argument).
Result<AccountKeys> parse_agent_secret(std::string_view text);
// The key pair of a bearer grant: X25519 secret = KDF(s, "zkwbrx25"), Ed25519 seed =
// KDF(s, "zkwbred2"). REQUIRES: bearer_secret.size() == 32.
AccountKeys bearer_agent_keys(const Secret& bearer_secret);

// ---- certificate ----

struct AgentCertificate {
  WorkspaceId workspace;
  GrantId grant;
  AccountId issuer;          // the member who granted
  Ed25519Public issuer_key{};  // its Ed25519 identity key, which signs the certificate
  PublicKeys agent;
  std::int64_t not_before = 0;  // unix seconds
  std::int64_t not_after = 0;   // unix seconds, > not_before
  bool read_only = false;
  std::vector<CollectionId> collections;  // 1..64, distinct, in the order the user gave
  std::string path_prefix;                // empty: any path
  std::string label;
  std::array<std::uint8_t, 64> signature{};

  // Binary form ("ZKWC"). REQUIRES: signed (sign_certificate or decode).
  std::vector<std::uint8_t> encode() const;
  // Parses and verifies the signature under issuer_key; whether issuer_key may grant is the
  // caller's decision. Errors: truncated, trailing_data, malformed (magic, flags, counts,
  // duplicate collections, times, text), too_large, unsupported_version, auth_failed.
  static Result<AgentCertificate> decode(std::span<const std::uint8_t> bytes);

  bool covers(const CollectionId& c) const;
  bool covers_path(std::string_view path) const;
};

// A grant's path prefix, as a page path starts (docs/CLI.md, "Page paths"): relative to the
// workspace root, so no leading '/', and a page path once one trailing '/' is dropped
// ("agents/scribe/", "notes/draft-"). Empty: the whole collection. Errors: invalid_argument,
// saying which rule it breaks and, for a leading '/', the accepted form.
Result<void> validate_path_prefix(std::string_view prefix);

// Checks the fields (limits, text, times) and signs with `issuer` (whose public keys fill
// issuer_key). Errors: invalid_argument.
Result<AgentCertificate> sign_certificate(AgentCertificate cert, const AccountKeys& issuer);

// ---- revocation ----

struct AgentRevocation {
  WorkspaceId workspace;
  GrantId grant;
  std::int64_t revoked_at = 0;  // unix seconds
  Ed25519Public signer{};
  std::array<std::uint8_t, 64> signature{};

  std::vector<std::uint8_t> encode() const;  // "ZKWX", kRevocationBytes
  // Errors: truncated, trailing_data, malformed, unsupported_version, auth_failed.
  static Result<AgentRevocation> decode(std::span<const std::uint8_t> bytes);
};
AgentRevocation sign_revocation(const WorkspaceId& ws, const GrantId& grant, std::int64_t revoked_at,
                                const AccountKeys& signer);

// May the agent of `cert` (revoked by `revocation`, if any) have written this revision?
// `time_ms` is the signed page's modified_ms; `parent_path` the path of the revision it follows
// (none for a page's first revision). Errors: forbidden, with the reason.
Result<void> check_agent_write(const AgentCertificate& cert, const AgentRevocation* revocation,
                               const CollectionId& collection, std::string_view path,
                               std::optional<std::string_view> parent_path, std::int64_t time_ms);

// ---- certificate bundle: what the server stores ----

// The certificate sealed (envelope kind agent_certificate) under the primary generation of each
// of `keysets`, which must be those of its collections. Errors: invalid_argument (a keyset of
// another scope, a collection without a keyset), those of seal_envelope.
Result<std::vector<std::uint8_t>> seal_certificate(const AgentCertificate& cert,
                                                   const std::map<CollectionId, Keyset>& keysets);
// Opens the first copy sealed under a collection this reader has a keyset for and checks that
// it is the certificate of `grant` in `ws`. Errors: truncated, trailing_data, malformed,
// unsupported_version, too_large, unknown_key (no copy this reader can open), auth_failed,
// forbidden (a certificate of another grant or workspace, or one whose collection list omits
// the collection it was sealed under).
Result<AgentCertificate> open_certificate(std::span<const std::uint8_t> bundle, const WorkspaceId& ws,
                                          const GrantId& grant, const std::map<CollectionId, Keyset>& keysets);

// ---- grant ----

struct Grant {
  bool bearer = false;
  std::string server;  // base URL, printable ASCII
  std::array<std::uint8_t, kTokenBoxBytes> token_box{};  // SealedBox(agent X25519, raw token[32])
  std::vector<std::uint8_t> certificate_bytes;
  AgentCertificate certificate;  // decoded from certificate_bytes (signature verified)
  std::vector<Ed25519Public> trusted;  // author keys the granter trusts (itself first)
  std::vector<std::vector<std::uint8_t>> wraps;  // ZKWK records to the agent's X25519 key
  Secret bearer_secret;  // 32 bytes in a bearer grant, else empty

  std::vector<std::uint8_t> encode() const;  // "ZKWG"
  // Errors: truncated, trailing_data, malformed, too_large, unsupported_version, and those of
  // AgentCertificate::decode.
  static Result<Grant> decode(std::span<const std::uint8_t> bytes);
  std::string to_string() const;  // "zkwgrant_..."
  // Errors: those of decode_key_string (wrong_type, malformed: a typo), then those of decode.
  static Result<Grant> parse(std::string_view text);
};

// Builds a grant for `agent` (the agent's public keys; for a bearer grant, bearer_agent_keys of
// `bearer_secret`). `token` is "zka_" + 64 hex. Errors: invalid_argument.
Result<Grant> make_grant(std::string_view server, std::string_view token, const AgentCertificate& cert,
                         std::vector<Ed25519Public> trusted, std::vector<std::vector<std::uint8_t>> wraps,
                         Secret bearer_secret);

struct OpenedGrant {
  AccountKeys agent;
  std::string token;  // secret
  std::map<CollectionId, Keyset> keysets;
};
// Opens a grant with the agent's key (`agent` null for a bearer grant). Errors:
// invalid_argument (a grant made for a key and no key given), forbidden (another agent's
// key; a wrap outside the certificate's scope), auth_failed (a box or wrap that does not open,
// a wrap signed by someone other than the issuer).
Result<OpenedGrant> open_grant(const Grant& grant, const AccountKeys* agent);

}  // namespace zkwiki

// ApiClient: the server's HTTP API (docs/API.md) as typed calls over a Transport. It moves
// opaque, already sealed bytes; it never sees a key or a plaintext. Every call returns a Result:
// HTTP errors map to Errc (400 -> invalid_argument, 401 -> expired, 403 -> forbidden, 404 ->
// not_found, 409/412 -> conflict, 413/507 -> too_large, anything else (429, 5xx) -> io), with
// the server's code in the message.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "zkwiki/account.h"
#include "zkwiki/agent.h"
#include "zkwiki/ids.h"
#include "zkwiki/primitives.h"
#include "zkwiki/result.h"
#include "zkwiki/revision.h"
#include "zkwiki/transport.h"

namespace zkwiki {

using Bytes = std::vector<std::uint8_t>;

struct ServerSession {
  std::string token;  // bearer token; secret
  std::string token_id;
  std::int64_t expires_at = 0;  // unix seconds (server clock)
  // Where the server asks clients to read blobs ("https://cdn.example.com", a cache in front of
  // it: zkwiki-server --public-url); empty: from the server itself.
  std::string blob_url;
};

struct PageHead {
  PageId page;
  Hash256 revision;  // hash of `record`, checked by the client
  Bytes record;      // the revision record (ZKWR)
  std::uint64_t seq = 0;
};

// One revision record asked for by its page (a change-feed entry names these three).
struct RevisionRef {
  CollectionId collection;
  PageId page;
  Hash256 revision;
};

struct PutHeadOutcome {
  bool accepted = false;
  std::uint64_t seq = 0;              // the write's sequence number, if accepted
  std::optional<Hash256> current;     // on a lost compare-and-swap: the head now (none: no head)
  std::uint64_t current_seq = 0;
};

// A new page and its first revision, for ApiClient::create_pages.
struct NewPageUpload {
  PageId page;
  std::span<const std::uint8_t> record;    // revision 1 (ZKWR)
  std::span<const std::uint8_t> envelope;  // the content blob the record names
};

struct CreatePageOutcome {
  bool created = false;  // false: the page already had a head (`head`), left as it was
  Hash256 head;          // the page's head now
  std::uint64_t seq = 0;
};

struct WrappedKeyEntry {
  AccountId account;
  std::uint32_t generation = 0;
  Bytes wrapped;
};

struct Change {
  std::uint64_t seq = 0;
  std::string kind;  // "page", "collection", "member", "key"
  CollectionId collection;
  PageId page;
  Hash256 revision;
  AccountId account;  // for "key": the member, or the grant the key is wrapped to
  std::uint32_t generation = 0;
  GrantId grant;  // for "grant"
};

// A scoped token (docs/API.md): what POST /v1/tokens answered. `token` is secret.
struct ScopedToken {
  std::string token;
  GrantId id;
  std::vector<CollectionId> collections;
  bool read_write = false;
  std::int64_t not_after = 0;
  std::int64_t created = 0;
  bool revoked = false;
  std::optional<std::int64_t> last_used;  // unix seconds, since the server started
};

// A grant as the server stores it: the sealed certificate bundle and the revocation, unverified.
struct GrantEntry {
  GrantId id;
  AccountId issuer;
  Ed25519Public agent_key{};
  Bytes record;      // "ZKWT" certificate bundle
  Bytes revocation;  // "ZKWX", or empty
  std::uint64_t seq = 0;
};

struct ChangeBatch {
  std::vector<Change> changes;
  std::uint64_t next = 0;
  bool more = false;
};

class ApiClient {
 public:
  explicit ApiClient(Transport& transport) : transport_(transport) {}

  void set_token(std::string token) { token_ = std::move(token); }
  // What an error for a refused session or token (401) tells the caller to do: "log in again"
  // for a member's session; for an agent's token, that its grant ended and how to get another.
  void set_refusal_advice(std::string advice) { refusal_advice_ = std::move(advice); }
  const std::string& token() const noexcept { return token_; }

  // Accounts and login.
  Result<void> create_account(const AccountRecord& record);
  Result<AccountRecord> get_account(const AccountId& id);
  Result<void> update_account(const AccountRecord& record);
  // Replaces the record of an account whose passphrase is lost (no session needed): a fresh
  // challenge signed by the account's Ed25519 identity key (unlocked with the recovery key)
  // over the new record. The server then ends every session of the account.
  // Errors: expired (a bad signature or challenge), malformed (a record the server refuses).
  Result<void> recover_account(const AccountRecord& record, const Secret& identity_secret);
  // Challenge, signature with the login key, login; keeps the session token for later calls.
  Result<ServerSession> login(const AccountId& id, const primitives::Ed25519KeyPair& login_key);
  Result<void> logout();
  // The session of the token in use (GET /v1/auth/session): `token` is left empty. An agent,
  // which never logs in, learns `blob_url` here. Errors: expired (revoked or expired token).
  Result<ServerSession> session();

  // Blob reads (get_blob, get_blobs) go through `blobs`, a transport to the server's blob_url
  // (a shared cache), one GET per blob and without the token; null: through the server. Any
  // blob the cache does not give, with the right hash, is read from the server instead; after
  // the cache fails to answer at all (io), it is no longer used. Not owned: `blobs` must
  // outlive this client or be unset first.
  void set_blob_transport(Transport* blobs) noexcept { blob_transport_ = blobs; }
  bool reads_blobs_through_cache() const noexcept { return blob_transport_ != nullptr; }

  // Workspaces and collections (records are opaque sealed bytes).
  Result<void> create_workspace(const WorkspaceId& ws, std::span<const std::uint8_t> record);
  Result<Bytes> get_workspace_record(const WorkspaceId& ws);
  Result<std::vector<WorkspaceId>> list_workspaces();
  // Adds or changes a member ("admin", "write", "read"). Errors: forbidden (not an admin), not_found.
  Result<void> put_member(const WorkspaceId& ws, const AccountId& member, std::string_view role);
  // Removes a member (their sessions' and agents' access ends at once). Errors: forbidden (not
  // an admin, or the workspace owner), not_found (not a member).
  Result<void> remove_member(const WorkspaceId& ws, const AccountId& member);
  Result<void> create_collection(const WorkspaceId& ws, const CollectionId& c, std::span<const std::uint8_t> record);
  Result<std::vector<std::pair<CollectionId, Bytes>>> list_collections(const WorkspaceId& ws);
  Result<void> put_wrapped_key(const WorkspaceId& ws, const CollectionId& c, const AccountId& member,
                               std::uint32_t generation, std::span<const std::uint8_t> wrapped);
  Result<std::vector<WrappedKeyEntry>> list_wrapped_keys(const WorkspaceId& ws, const CollectionId& c);

  // Pages: heads with compare-and-swap, history, listing.
  // Errors: not_found (no head yet).
  Result<PageHead> get_head(const WorkspaceId& ws, const CollectionId& c, const PageId& p);
  // Creates the head (expected = nullopt) or moves it from `expected`. A lost race is not an
  // error: the outcome says accepted = false and names the current head.
  Result<PutHeadOutcome> put_head(const WorkspaceId& ws, const CollectionId& c, const PageId& p,
                                  std::span<const std::uint8_t> record, const std::optional<Hash256>& expected);
  // Creates many new pages with their content in one request (an import): blobs and heads are
  // stored in one atomic write. Outcomes are in request order. Errors: too_large (the body or
  // the quota), forbidden, malformed (the server refused a record), and those of every call.
  Result<std::vector<CreatePageOutcome>> create_pages(const WorkspaceId& ws, const CollectionId& c,
                                                      std::span<const NewPageUpload> pages);
  Result<std::vector<Hash256>> list_revisions(const WorkspaceId& ws, const CollectionId& c, const PageId& p);
  Result<Bytes> get_revision(const WorkspaceId& ws, const CollectionId& c, const PageId& p, const Hash256& rev);
  // Many revision records, in batch requests of up to 1000 (asking again for any the server
  // omitted); those the server does not have are nullopt. Each returned record hashes to its
  // revision (auth_failed otherwise); the caller verifies the rest as for get_revision.
  // Errors: forbidden (a collection outside a scoped token), not_found (a server without the
  // route), malformed, and those of every call.
  Result<std::vector<std::optional<Bytes>>> get_revisions(const WorkspaceId& ws, std::span<const RevisionRef> refs);
  Result<std::vector<PageHead>> list_pages(const WorkspaceId& ws, const CollectionId& c);  // record left empty

  Result<ChangeBatch> changes(const WorkspaceId& ws, std::uint64_t since, std::uint32_t limit = 1000);

  // Members of a workspace with their roles.
  Result<std::vector<std::pair<AccountId, std::string>>> list_members(const WorkspaceId& ws);

  // Agent grants (api_client_agents.cc). A scoped token for `collections` of `ws`, valid until
  // `not_after` (unix seconds). Errors: forbidden, not_found (a collection), invalid_argument.
  Result<ScopedToken> create_token(const WorkspaceId& ws, std::span<const CollectionId> collections, bool read_write,
                                   std::int64_t not_after);
  // The scoped tokens this account created (without their secrets).
  Result<std::vector<ScopedToken>> list_tokens();
  Result<void> revoke_token(const GrantId& id);
  // Files the grant of token `id`: the agent's signing key and the sealed certificate bundle.
  Result<void> put_grant(const WorkspaceId& ws, const GrantId& id, const Ed25519Public& agent_key,
                         std::span<const std::uint8_t> bundle);
  Result<std::vector<GrantEntry>> list_grants(const WorkspaceId& ws);
  // Stores a signed revocation; the server ends the grant's token in the same write.
  Result<void> revoke_grant(const WorkspaceId& ws, const GrantId& id, std::span<const std::uint8_t> revocation);

  // Blobs: content-addressed ciphertext.
  Result<Hash256> put_blob(const WorkspaceId& ws, std::span<const std::uint8_t> bytes);
  // Errors: not_found; auth_failed if the bytes do not hash to `id` (a lying server or cache).
  // Sends no token: a blob read needs none (docs/API.md), and a cache must not see one.
  Result<Bytes> get_blob(const Hash256& id);
  // Many blobs: from the cache one GET each when set_blob_transport() is in use, and the rest
  // (or all) from the server in batch requests (asking again for any it omitted); missing ones
  // are nullopt. Every returned blob is checked against its id.
  Result<std::vector<std::optional<Bytes>>> get_blobs(std::span<const Hash256> ids);

 private:
  Result<HttpResponse> call(std::string method, std::string target, std::string body = {},
                            std::vector<std::pair<std::string, std::string>> headers = {});
  // A fresh single-use login challenge for `id` (32 bytes).
  Result<Bytes> challenge(const AccountId& id);
  // The blob from the cache, if it has it with the right hash (nullopt: ask the server).
  std::optional<Bytes> blob_from_cache(const Hash256& id);
  Result<std::vector<std::optional<Bytes>>> batch_from_server(std::span<const Hash256> ids);
  // The server's error answer, with refusal_advice_ for a 401.
  Error refused(const HttpResponse& r, std::string_view what) const;
  Transport& transport_;
  Transport* blob_transport_ = nullptr;
  std::string token_;
  std::string refusal_advice_ = "log in again";
};

}  // namespace zkwiki

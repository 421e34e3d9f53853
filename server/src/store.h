// Storage behind a small interface. Two implementations: SQLite (WAL, the default) and an
// in-memory one for tests. All ids are validated lowercase hex before they reach a store; the
// store never interprets record bytes. Every method is thread-safe. Writes that return ok are
// durable (SQLite: committed with synchronous=FULL before the call returns).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common.h"

namespace zkwiki::server {

struct Account {
  std::string id;        // 32 hex
  Bytes login_public_key;  // 32 raw bytes (Ed25519)
  Bytes record;          // opaque
  std::int64_t used_bytes = 0;
  std::int64_t created = 0;  // unix seconds
};

struct TokenRecord {
  Bytes hash;              // BLAKE2b-256 of the raw token (the token itself is never stored)
  std::string token_id;    // 32 hex, public handle for list/revoke
  std::string account_id;  // the account the token acts for
  bool scoped = false;     // false: a login session; true: an agent grant
  std::string workspace_id;              // scoped only
  std::vector<std::string> collections;  // scoped only
  bool can_write = false;  // scoped only (sessions act with the account's membership)
  std::int64_t not_after = 0;  // unix seconds
  std::int64_t created = 0;
  bool revoked = false;
};

struct Workspace {
  std::string id;
  std::string owner;
  Bytes record;
  std::int64_t seq = 0;  // last sequence number assigned in this workspace
};

struct Member {
  std::string workspace_id;
  std::string account_id;
  std::string role;  // "admin", "write", "read"
};

struct Collection {
  std::string workspace_id;
  std::string id;
  Bytes record;
};

struct WrappedKey {
  std::string account_id;
  std::int64_t generation = 0;
  Bytes wrapped;
};

// An agent grant (docs/API.md, grants): the id is its scoped token's id. `record` is the sealed
// certificate bundle (opaque here); `agent_key` the agent's Ed25519 key, which the server checks
// as the author of the token's writes; `revocation` a signed revocation record, or empty.
struct GrantRecord {
  std::string grant_id;
  std::string issuer;  // account id of the member who created it
  Bytes agent_key;     // 32 raw bytes
  Bytes record;
  Bytes revocation;
  std::int64_t seq = 0;  // the sequence number of its last change
};

struct Head {
  std::string page_id;
  std::string revision;  // 64 hex
  std::int64_t seq = 0;
};

struct Revision {
  std::string revision;
  Bytes record;
  std::int64_t seq = 0;
};

struct Change {
  std::int64_t seq = 0;
  std::string kind;           // "page", "collection", "member", "key"
  std::string collection_id;  // may be empty
  std::string page_id;        // "page" only
  std::string ref;            // page: revision hash; member/key: account id (+":"+generation)
};

// Outcome of a compare-and-swap on a page head.
struct CasResult {
  bool created = false;
  std::int64_t seq = 0;                 // the new sequence number when applied
  std::optional<Head> current;          // on Code::conflict: the head as it is now (or none)
};

// A new page written together with its content blob (Store::create_pages).
struct NewPage {
  std::string page;      // 32 hex
  std::string revision;  // 64 hex: BLAKE2b-256 of `record`
  Bytes record;
  std::string blob_id;   // 64 hex: BLAKE2b-256 of `blob`
  Bytes blob;
};

// One page's outcome in Store::create_pages.
struct CreatedPage {
  bool created = false;         // false: the page already had a head, left as it was
  std::int64_t seq = 0;         // when created
  std::optional<Head> current;  // when not created
};

// Who pays for a write and how much they may use in total.
struct Charge {
  std::string account_id;
  std::int64_t quota = 0;  // bytes; <= 0 means unlimited
};

class Store {
 public:
  virtual ~Store() = default;

  // -- accounts
  virtual Status create_account(const Account& a) = 0;                       // exists
  virtual Result<Account> get_account(const std::string& id) = 0;           // not_found
  // Replaces the login key and record and, in the same transaction, revokes every session
  // token (not scoped tokens) of the account except the one whose hash is `keep_session`
  // (empty: all of them). A new login key means the old passphrase may be compromised.
  virtual Status update_account(const std::string& id, const Bytes& login_public_key,
                                const Bytes& record, const Bytes& keep_session) = 0;  // not_found

  // -- tokens
  virtual Status put_token(const TokenRecord& t) = 0;
  virtual Result<TokenRecord> find_token(const Bytes& hash) = 0;            // not_found
  // Scoped tokens created by `account_id`, ordered by token_id, after `after` (exclusive).
  virtual Result<std::vector<TokenRecord>> list_tokens(const std::string& account_id,
                                                       const std::string& after, int limit) = 0;
  virtual Status revoke_token(const std::string& account_id, const std::string& token_id) = 0;
  virtual Status revoke_token_hash(const Bytes& hash) = 0;
  virtual Result<TokenRecord> find_token_id(const std::string& token_id) = 0;  // not_found
  // Deletes tokens whose not_after is before `before` (unix seconds); returns how many.
  virtual Result<std::int64_t> purge_tokens(std::int64_t before) = 0;

  // -- workspaces, members, collections, wrapped keys
  // Creates the workspace with `owner` as its first "admin" member.
  virtual Status create_workspace(const Workspace& w) = 0;                  // exists
  virtual Result<Workspace> get_workspace(const std::string& id) = 0;
  // Workspaces `account_id` is a member of, ordered by id, after `after`.
  virtual Result<std::vector<Workspace>> list_workspaces(const std::string& account_id,
                                                         const std::string& after, int limit) = 0;
  virtual Result<Member> get_member(const std::string& ws, const std::string& account) = 0;
  // Inserts or updates; records a "member" change. Returns the change's seq.
  virtual Result<std::int64_t> put_member(const Member& m) = 0;
  virtual Result<std::int64_t> remove_member(const std::string& ws,
                                             const std::string& account) = 0;  // not_found
  virtual Result<std::vector<Member>> list_members(const std::string& ws, const std::string& after,
                                                   int limit) = 0;
  virtual Result<std::int64_t> create_collection(const Collection& c) = 0;  // exists
  virtual Result<Collection> get_collection(const std::string& ws, const std::string& id) = 0;
  virtual Result<std::vector<Collection>> list_collections(const std::string& ws,
                                                           const std::string& after,
                                                           int limit) = 0;
  // Inserts or replaces the key of (ws, collection, account, generation); records a change.
  virtual Result<std::int64_t> put_wrapped_key(const std::string& ws, const std::string& coll,
                                               const WrappedKey& k) = 0;
  // Keys of one collection; `account` empty means every account's.
  virtual Result<std::vector<WrappedKey>> list_wrapped_keys(const std::string& ws,
                                                            const std::string& coll,
                                                            const std::string& account) = 0;

  // -- agent grants (each records a "grant" change; ref = grant id)
  virtual Result<std::int64_t> put_grant(const std::string& ws, const GrantRecord& g) = 0;  // exists
  virtual Result<GrantRecord> get_grant(const std::string& ws, const std::string& id) = 0;  // not_found
  virtual Result<std::vector<GrantRecord>> list_grants(const std::string& ws, const std::string& after,
                                                       int limit) = 0;
  // Stores the revocation record and revokes the scoped token of the same id, in one
  // transaction. Errors: not_found (no such grant).
  virtual Result<std::int64_t> revoke_grant(const std::string& ws, const std::string& id,
                                            const Bytes& revocation) = 0;

  // -- page heads and revision history
  virtual Result<Head> get_head(const std::string& ws, const std::string& coll,
                                const std::string& page) = 0;
  virtual Result<std::vector<Head>> list_heads(const std::string& ws, const std::string& coll,
                                               const std::string& after, int limit) = 0;
  // Sets the head to `revision` (with its record) iff the current head equals `expected`
  // (nullopt: the page must not exist yet). On mismatch returns Code::conflict with
  // CasResult::current set. A revision is stored once, as the new head: one the page already
  // has is refused with Code::exists (no reverts to an old record). Charges record bytes to
  // `charge` (Code::quota when exceeded).
  virtual Result<CasResult> cas_head(const std::string& ws, const std::string& coll,
                                     const std::string& page,
                                     const std::optional<std::string>& expected,
                                     const std::string& revision, const Bytes& record,
                                     const Charge& charge) = 0;
  // Creates many pages at once, each with its content blob, in one atomic, durable write: for
  // each page, put_blob then cas_head(expected = nullopt). A page that already has a head is
  // skipped (CreatedPage::current; a retried batch finds its own heads there). Errors concern
  // the whole batch, of which nothing is then written: not_found (no such collection), quota.
  virtual Result<std::vector<CreatedPage>> create_pages(const std::string& ws,
                                                        const std::string& coll,
                                                        const std::vector<NewPage>& pages,
                                                        const Charge& charge) = 0;
  virtual Result<Revision> get_revision(const std::string& ws, const std::string& coll,
                                        const std::string& page, const std::string& revision) = 0;
  // History of a page, ordered by seq ascending, seq > after_seq. Records are omitted.
  virtual Result<std::vector<Revision>> list_revisions(const std::string& ws,
                                                       const std::string& coll,
                                                       const std::string& page,
                                                       std::int64_t after_seq, int limit) = 0;
  // Changes of a workspace with seq > since, ascending.
  virtual Result<std::vector<Change>> changes(const std::string& ws, std::int64_t since,
                                              int limit) = 0;

  // -- blobs (content-addressed; ids are verified by the caller)
  // Stores the blob (once) and references it from `ws`. Returns true if the reference is new
  // (and was charged), false if the workspace already had it.
  virtual Result<bool> put_blob(const std::string& ws, const std::string& id, const Bytes& data,
                                const Charge& charge) = 0;
  virtual Result<Bytes> get_blob(const std::string& id) = 0;                // not_found
  virtual Result<std::int64_t> blob_size(const std::string& id) = 0;       // not_found

  // -- maintenance
  // Cheap check that the store answers (for /v1/health).
  virtual Status ping() = 0;
  // Full consistency check (PRAGMA integrity_check for SQLite).
  virtual Status integrity_check() = 0;
};

std::unique_ptr<Store> make_memory_store();
// Opens (creating if needed) `dir`/zkwiki.sqlite3, applies migrations, runs an integrity check.
Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& dir);

}  // namespace zkwiki::server

// Client: a person's or an agent's wiki on one device. Pages are sealed, signed, diffed and
// merged here; the server (through a Transport) sees ciphertext and opaque ids only; the device's
// own state lives in a LocalStore (sealed at rest with a key only the unlocked account has).
//
// Thread safety: one Client is used from one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zkwiki/account.h"
#include "zkwiki/agent.h"
#include "zkwiki/ids.h"
#include "zkwiki/kdf.h"
#include "zkwiki/local_store.h"
#include "zkwiki/page.h"
#include "zkwiki/result.h"
#include "zkwiki/search.h"
#include "zkwiki/transport.h"

namespace zkwiki {

struct ClientOptions {
  KdfPolicy kdf_policy{};
  // Milliseconds since the epoch, for the informative times inside pages. Never used to order
  // anything: ordering comes from the server's sequence numbers and revision numbers.
  std::function<std::int64_t()> now_ms;
  // Opens another connection to the same server. When set, import() uploads over
  // `upload_connections` connections at once (the server commits concurrent writes together);
  // without it, everything goes over the one transport, one request at a time.
  std::function<Result<std::unique_ptr<Transport>>()> connect;
  // Opens a connection to another origin: the cache the server names for blob reads (its
  // `blob_url`, zkwiki-server --public-url, docs/API.md). When set, blobs are read through that
  // cache (and from the server when the cache fails); unset or failing: from the server.
  std::function<Result<std::unique_ptr<Transport>>(std::string_view base_url)> connect_url;
  // The workspace to open; by default the one this account owns (else the first it belongs to).
  std::optional<WorkspaceId> workspace;
  unsigned upload_connections = 16;
};

struct ImportItem {
  std::string path;
  std::string body;
};

struct ImportReport {
  std::uint64_t written = 0;    // new revisions stored on the server
  std::uint64_t unchanged = 0;  // pages whose head already held this text
  std::uint64_t queued = 0;     // kept in the offline queue (server unreachable)
  std::uint64_t bytes = 0;      // body bytes written
};

struct PageSummary {
  PageId id;
  CollectionId collection;
  std::string path;
  std::string title;
  std::vector<std::string> tags;
  std::uint64_t revision = 0;
  std::int64_t modified_ms = 0;
  std::uint64_t size = 0;  // body bytes
  bool deleted = false;
  // The page as an edit waiting in this device's offline queue leaves it (id and revision are
  // those of the page it changes; zero for a page the server has not seen yet).
  bool queued = false;
};

struct RevisionInfo {
  std::uint64_t revision = 0;
  Hash256 hash;
  std::string author;       // fingerprint of the signing account, or "unknown:<hex>"
  std::int64_t time_ms = 0; // the author's clock (informative)
  std::uint64_t size = 0;   // body bytes
  std::string path;
  bool deleted = false;
};

struct SaveOutcome {
  PageId page;
  std::uint64_t revision = 0;
  bool unchanged = false;  // the body and metadata equal the head: nothing was written
  bool merged = false;     // another device had written meanwhile: a clean three-way merge
  bool conflict = false;   // overlapping edits: both versions kept, marked, in this revision
  bool queued = false;     // the server was unreachable: kept in the offline queue
};

// How a write that names the revision its text came from treats other writers' changes.
enum class OnConflict : std::uint8_t {
  refuse,  // overlapping edits: nothing is written; Errc::conflict names the page, base and head
  mark,    // overlapping edits: one revision keeps both versions between conflict markers
};

struct WriteOptions {
  // The revision the new text was made from (PageRead::revision); 0: the text is a new page.
  // When the head has moved past it (another device or agent wrote since), the edit is merged
  // three-way (base: that revision's text, ours: the new text, theirs: the head): a clean merge
  // is written (SaveOutcome::merged), overlapping edits follow `on_conflict`. None: the text is
  // taken to be based on this device's synced head, so a change synced before the call (made
  // after the caller read the page) is replaced, not merged: callers that read first pass it.
  // With an edit of the page waiting in the offline queue, a base merges the text with the
  // queued one the same way (theirs: the queued text; a base not on this device is not_found,
  // the queue unchanged); none replaces the queued text.
  std::optional<std::uint64_t> base_revision;
  // The page the text was read from (PageRead::page), beside base_revision: a revision number
  // alone cannot tell a page from another that took its path (the first moved away, a new one
  // made in its place, both at revision N). When the page at `path` is not this one, nothing is
  // written: Errc::conflict, naming where the page read is now. Zero or none: not checked.
  std::optional<PageId> base_page = std::nullopt;
  OnConflict on_conflict = OnConflict::refuse;
};

// A page's text and the revision it is: what a later write names as its base.
struct PageRead {
  PageContent content;
  // The revision read; for a page shown as an edit waiting in this device's offline queue, the
  // revision that edit is based on (0: a page the server has not seen yet).
  std::uint64_t revision = 0;
  // The page read (WriteOptions::base_page); zero for a page made on this device that the
  // server has not seen yet.
  PageId page;
};

struct SyncReport {
  std::uint64_t changes = 0;        // feed entries processed
  std::uint64_t pages_updated = 0;  // pages whose head moved
  std::uint64_t replayed = 0;       // queued offline edits written
  std::uint64_t pending = 0;        // queued edits still waiting
  std::vector<std::string> quarantined;  // objects that failed verification, by id, with why
  std::uint64_t last_seq = 0;
  bool index_changed = false;  // another device moved a search manifest (maintain_index adopts it)
};

struct SearchResult {
  PageId page;
  std::string path;
  std::string title;
  std::uint64_t revision = 0;
  double score = 0;
  std::string snippet;  // plain text around the matches; empty when this device lacks the page's text
  std::vector<std::pair<std::uint32_t, std::uint32_t>> highlights;  // byte ranges in `snippet`
  bool phrase_unverified = false;  // a phrase matched by its words only (no text here to check)
};

// How complete the search index is on this device: never silent about missing pages.
struct IndexCoverage {
  std::uint64_t indexed = 0;  // of `known`, pages whose current revision is in the index
  std::uint64_t known = 0;    // live pages this device knows (synced here, or named by the index)
  std::uint64_t segments = 0;
  std::uint64_t bytes = 0;            // encoded segment bytes
  std::uint64_t index_feed_seq = 0;   // how far the index's last writer had synced (change feed)
  std::uint64_t device_seq = 0;       // how far this device has synced
  bool uploaded = true;               // false: this device's index changes are not on the server yet
  bool rebuilt = false;               // a segment was missing or corrupt: rebuilt from pages
  std::uint64_t quarantined = 0;      // pages held back by this device (they did not verify, or
                                      // an account it does not trust signed them): not indexed
  bool untrusted_writer = false;      // the server's index was last written by an account this
                                      // device does not trust: kept here, not adopted or replaced
  std::vector<std::string> notices;   // what was rebuilt, refused or postponed, and why
};

struct SearchReport {
  std::vector<SearchResult> results;
  IndexCoverage coverage;
};

struct CollectionInfo {
  CollectionId id;
  std::string name;  // from the collection's sealed record
};

// What `Client::grant` is asked for (docs/AGENTS.md).
struct GrantOptions {
  std::optional<PublicKeys> agent;       // the agent's public keys; none: a bearer grant
  std::vector<std::string> collections;  // by name; the first is where the agent's new pages go
  bool read_only = false;
  std::string path_prefix;               // empty: any path
  std::int64_t ttl_seconds = 8 * 3600;
  std::string label;
  std::string server_url;                // written into the grant for the agent to connect to
};

struct IssuedGrant {
  GrantId id;
  std::string grant;  // the "zkwgrant_..." string: secret (a bearer grant most of all)
  std::int64_t not_after = 0;
  bool bearer = false;
};

struct GrantSummary {
  GrantId id;
  std::string label;
  std::vector<std::string> collections;  // names where this device can open them, else ids
  bool read_only = false;
  std::string path_prefix;
  std::int64_t not_before = 0, not_after = 0;
  bool revoked = false;
  std::optional<std::int64_t> last_used;  // unix seconds (the server's memory since it started)
  std::string agent_fingerprint;
  bool mine = false;                      // issued by this account
};

class Client {
 public:
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Creates the account on the server, with a default workspace and a collection "notes".
  // `recovery_key` receives the printable recovery key: show it to the user once.
  // The client takes `device`, this device's store (SQLite, IndexedDB, memory), and seals
  // everything it keeps there with a key derived from the account's keys.
  static Result<std::unique_ptr<Client>> create_account(Transport& transport, std::unique_ptr<LocalStore> device,
                                                        std::string_view passphrase, std::string& recovery_key,
                                                        const KdfParams& kdf = KdfParams::generate(),
                                                        ClientOptions options = {});
  // Logs in (on this or a new device): fetches the account record, unlocks it, authenticates,
  // loads the workspace and the collection keys. The workspace record must be signed by the
  // owner's key as this device knows it (its own, or one it trusts); a shared workspace whose
  // owner this device does not trust yet opens without a default collection: new pages wait
  // for trust(). Errors: wrong_passphrase, weak_parameters (a server offering KDF parameters
  // below the floor), not_found, io, auth_failed (also a workspace record the owner did not
  // sign), unsupported_version (an unsigned record of earlier builds).
  //
  // When the server is unreachable (io) and this device has logged in to the account before,
  // it opens offline instead (offline() is true): the passphrase unlocks the account record this
  // device verified and kept, under the same KDF floor; the workspace, its keys and its grants
  // are those this device verified. Reads come from synced state, writes wait in the offline
  // queue (SaveOutcome::queued) and search uses the local index; sync() reaches the server,
  // logs in and replays the queue. Errors then: io (a device that never logged in to this
  // account cannot start offline), wrong_passphrase, weak_parameters, auth_failed (the kept
  // record was changed on disk), not_found (a workspace this device never opened).
  static Result<std::unique_ptr<Client>> login(Transport& transport, std::unique_ptr<LocalStore> device,
                                               const AccountId& account,
                                               std::string_view passphrase, ClientOptions options = {});

  // Recovers an account whose passphrase is lost, on any device: unlocks the account's keys
  // with the recovery key, wraps them under `new_passphrase`, has the server replace the record
  // (signed with the account's identity key; every existing session of the account ends), then
  // logs in. The recovery key stays valid. Errors: malformed / wrong_type (not a recovery key),
  // wrong_passphrase (another account's recovery key), expired (the server refused the signed
  // recovery), and those of login.
  static Result<std::unique_ptr<Client>> recover(Transport& transport, std::unique_ptr<LocalStore> device,
                                                 const AccountId& account, std::string_view recovery_key,
                                                 std::string_view new_passphrase,
                                                 const KdfParams& kdf = KdfParams::generate(),
                                                 ClientOptions options = {});

  const AccountId& account_id() const;
  const WorkspaceId& workspace_id() const;
  std::string fingerprint() const;
  // True while this client works from the device's store without the server (see login).
  bool offline() const;

  // Re-wraps the account keys under a new passphrase (nothing else changes).
  Result<void> change_passphrase(std::string_view new_passphrase, const KdfParams& kdf = KdfParams::generate());

  // Pages, addressed by path. Reads use this device's synced state: call sync() first to see
  // other devices' writes.
  Result<std::vector<PageSummary>> list(std::string_view prefix = {});
  // The page at `path` (its head, or an older revision). Errors: not_found.
  Result<PageContent> read(std::string_view path, std::optional<std::uint64_t> revision = std::nullopt);
  // read(), with the revision read: pass it as WriteOptions::base_revision when writing back
  // an edit of this text.
  Result<PageRead> read_with_revision(std::string_view path, std::optional<std::uint64_t> revision = std::nullopt);
  // Writes `body` as the page's next revision (creating the page if needed). Title, tags and
  // links come from the body (front matter, headings, links).
  //
  // With options.base_revision (see WriteOptions): the edit is merged with everything written
  // since that revision; overlapping edits are refused (Errc::conflict, nothing written: re-read
  // and edit again) or, with OnConflict::mark, kept both, marked. Without it the edit replaces
  // this device's synced head; only a write that lands between that head and this call (the
  // compare-and-swap loses) is merged, conflicts marked. Errors: conflict, not_found (a base
  // this device has not synced, or a page that is gone), and those of sending.
  // An edit that waits in the offline queue is merged when sync() sends it, conflicts marked.
  Result<SaveOutcome> write(std::string_view path, std::string_view body, const WriteOptions& options = {});
  Result<std::vector<RevisionInfo>> log(std::string_view path);
  // Unified diff between two revisions (b defaults to the head, a to b - 1).
  Result<std::string> diff(std::string_view path, std::optional<std::uint64_t> a = std::nullopt,
                           std::optional<std::uint64_t> b = std::nullopt);
  // A new revision with the body of revision `revision`.
  Result<SaveOutcome> restore(std::string_view path, std::uint64_t revision);
  Result<SaveOutcome> move(std::string_view from, std::string_view to);
  // A tombstone revision; the history stays readable.
  Result<SaveOutcome> remove(std::string_view path);
  // Sharing. Another account's keys come from the server, which could substitute its own: the
  // fingerprint the other person tells you out of band (read aloud, pasted) is the check.
  //
  // The fingerprint of `other`'s public keys as the server reports them.
  Result<std::string> fingerprint_of(const AccountId& other);
  // Adds `member` to this workspace with `role` ("write" or "read") and wraps every key
  // generation of its collections to them, signed by this account — only if the server's copy
  // of their keys has `expected_fingerprint`. The member becomes a trusted author here.
  // Errors: auth_failed (a substituted key: nothing is shared), not_found, forbidden.
  Result<void> share(const AccountId& member, std::string_view expected_fingerprint, std::string_view role = "write");
  // Trusts `other` (after the same check) as an author of revisions and a granter of keys on
  // this device: the owner of a workspace shared with you, or a member you shared with
  // elsewhere. Reloads the keys; for the workspace's owner, also verifies the workspace record
  // and takes its default collection. Errors: auth_failed, not_found.
  Result<void> trust(const AccountId& other, std::string_view expected_fingerprint);
  // Removes `member` from this workspace (admin): the server ends their access, and their
  // agents', at once. With `rotate`, every collection this device holds keys for moves to a new
  // key generation, wrapped to each remaining member whose keys this device verified
  // (share/trust) and to every live grant not issued by `member`, so what is written from then on
  // is sealed under a key they never had (what they held stays readable to them). Errors:
  // forbidden (not an admin, or the owner), not_found (not a member), invalid_argument (this
  // account itself), unknown_key (this device is behind on a collection's keys: sync first).
  Result<void> remove_member(const AccountId& member, bool rotate);

  // Writes many pages at once (an import): new pages are sealed and signed here, then uploaded
  // over several connections (see ClientOptions::connect); pages that already exist go through
  // write() one by one, with its merge rules. `progress` is called as pages complete. Nothing
  // is sent when a path is invalid or, for an agent, outside its grant (forbidden: read-only,
  // outside the path prefix; expired: the grant ended).
  Result<ImportReport> import(std::span<const ImportItem> items,
                              const std::function<void(std::uint64_t pages, std::uint64_t bytes)>& progress = {});

  // Collections of this workspace that this device holds keys for, with their names.
  Result<std::vector<CollectionInfo>> collections();
  // Creates a collection (admin), with a fresh keyset wrapped to this account.
  Result<CollectionId> create_collection(std::string_view name);
  // New pages written from now on go to the collection `name`. Errors: not_found.
  Result<void> use_collection(std::string_view name);

  // Agent grants (client_agents.cc, docs/AGENTS.md). Issues a scoped token, a certificate of
  // the agent's key signed by this account, and the collections' keys wrapped to the agent.
  // Errors: not_found (a collection name), forbidden, invalid_argument (ttl, prefix, label).
  Result<IssuedGrant> grant(const GrantOptions& options);
  // The grants of this workspace this device can verify (with the server's view of its own).
  Result<std::vector<GrantSummary>> grants();
  // Revokes a grant: a signed revocation, and the server ends its token at once. With
  // `rotate`, each of its collections moves to a new key generation, wrapped to every member
  // whose keys this device verified (share/trust) and every other live grant, so content
  // written from then on is unreadable to the revoked agent. Errors: not_found, forbidden.
  Result<void> revoke(const GrantId& id, bool rotate);

  // Opens the wiki as the agent of `grant` (`agent_key`: its key pair; null for a bearer
  // grant). Everything the agent reads is verified as for a member; its writes are signed with
  // the agent key. Every call after the grant's end fails with `expired`. Errors: those of
  // open_grant, expired, io.
  static Result<std::unique_ptr<Client>> open_agent(Transport& transport, std::unique_ptr<LocalStore> device,
                                                    const Grant& grant, const AccountKeys* agent_key,
                                                    ClientOptions options = {});
  // The certificate this client runs under, if it is an agent.
  const AgentCertificate* agent_certificate() const;

  // Paths of the live pages that link to `path`.
  Result<std::vector<std::string>> backlinks(std::string_view path);

  // Replays queued offline edits, then applies the change feed: every new head is verified
  // (signature, author, hash chain, no rollback, envelope hash) and opened; an object that
  // fails is quarantined and reported while the rest completes. An offline client first logs
  // in (io while the server stays unreachable); a member whose session the server ended logs
  // in again with its login key and goes on (expired if the server refuses it: the passphrase
  // changed elsewhere). Queued edits are never dropped: an edit the server refuses stays queued
  // and the error is returned.
  Result<SyncReport> sync();
  Result<SyncReport> status();

  // Search (search.h for the query syntax). The index is client-side and sealed: a new device
  // fetches the collection's sealed segments (not the pages) and searches; queries never leave
  // the device. Before answering, pages this device knows at a newer revision than the index
  // are indexed from their local copies. Errors: invalid_argument (the query), and io when a
  // device without a local index cannot fetch one.
  Result<SearchReport> search(std::string_view query, const SearchOptions& options = {});
  // Brings the index up to date: adopts another device's newer manifest (verified like a page
  // head: signature, author, hash chain, no rollback), indexes what changed here, merges
  // segments by `policy`, seals and uploads new segments and moves the manifest by
  // compare-and-swap (merging with a concurrent writer's segments on a lost race). A missing
  // or corrupt segment is reported and the index rebuilt from pages. Offline: kept locally
  // (coverage.uploaded = false).
  Result<IndexCoverage> maintain_index(const MergePolicy& policy = {});
  // Rebuilds the index from every page (fetching pages this device lacks) and uploads it.
  Result<IndexCoverage> reindex();
  Result<IndexCoverage> index_coverage();

  // The device store as it is on disk: hashed keys and sealed values only (for tests).
  LocalStore& device_store_for_testing();

  struct Impl;

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zkwiki

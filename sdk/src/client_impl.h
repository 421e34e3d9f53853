// Client internals shared by client*.cc. Not part of the public API.
#pragma once

#include <map>
#include <memory>
#include "json_internal.h"
#include <set>

#include "zkwiki/api_client.h"
#include "zkwiki/client.h"
#include "zkwiki/envelope.h"
#include "zkwiki/keyset.h"
#include "zkwiki/revision.h"
#include "zkwiki/sealed_store.h"
#include "zkwiki/workspace_record.h"

namespace zkwiki {

// What this device knows of one page: its verified head and the metadata opened from it.
struct LocalPage {
  PageId id;
  CollectionId collection;
  std::uint64_t revision = 0;
  Hash256 head;          // hash of the head record
  std::string path;
  std::string title;
  std::vector<std::string> tags;
  std::vector<std::string> links;
  std::int64_t modified_ms = 0;
  std::uint64_t size = 0;
  bool deleted = false;
};

// An edit made while the server was unreachable, replayed by sync().
struct QueuedEdit {
  std::uint64_t id = 0;
  std::string path;       // where the edit goes
  std::string from_path;  // for a move: the old path; else empty
  std::string body;
  bool remove = false;
  std::optional<std::uint64_t> base_revision;  // the revision the user edited, if the page existed
  std::int64_t queued_ms = 0;                  // this device's clock (informative, for listings)
};

// Local tables (all values sealed at rest by the store the client is given).
inline constexpr std::string_view kPagesTable = "pages";      // page id hex -> LocalPage JSON
inline constexpr std::string_view kRecordsTable = "records";  // revision hash hex -> record bytes
inline constexpr std::string_view kObjectsTable = "objects";  // blob id hex -> envelope bytes
inline constexpr std::string_view kQueueTable = "queue";      // 20-digit id -> QueuedEdit JSON
inline constexpr std::string_view kStateTable = "state";      // "seq", "quarantine", ...
// What a member's device keeps to open offline (client_offline.cc): the account record as this
// device last verified it, the workspace it opened, and the key wraps and grants that verified.
inline constexpr std::string_view kOfflineTable = "offline";
// The one table of the inner (unsealed) store the client writes: the account record (the bytes
// the server also holds: public keys, KDF parameters, passphrase-wrapped secrets), needed before
// the passphrase can unlock the keys that open everything else.
inline constexpr std::string_view kDeviceAccountTable = "account";

// Where a queued edit is in the offline queue, without its body (client_offline.cc).
struct QueueRef {
  std::string key;     // in kQueueTable
  std::string path;    // where the page is on this device once the edit applies
  std::string origin;  // where it was on the server (a queued move), else == path
  bool remove = false;
  bool existed = false;  // the edit changes a page the server has (it has a base revision)
};

// The newest queued edit that leaves a page at `path` (nullptr: none). Over a queue index the
// caller holds: nothing here touches the store.
inline const QueueRef* newest_queued_at(const std::vector<QueueRef>& queue, const std::string& path) {
  for (auto it = queue.rbegin(); it != queue.rend(); ++it)
    if (it->path == path) return &*it;
  return nullptr;
}

// Whether a queued edit leaves a page at `path` or takes one away from it.
inline bool queue_touches(const std::vector<QueueRef>& queue, const std::string& path) {
  for (const QueueRef& r : queue)
    if (r.path == path || r.origin == path) return true;
  return false;
}

struct SearchState;

struct Client::Impl {
  Transport& transport;
  std::unique_ptr<SealedLocalStore> sealed_device;  // the device store, sealed with the account's local key
  ApiClient api;
  ClientOptions options;
  AccountRecord record;
  AccountKeys keys;
  primitives::Ed25519KeyPair login;
  WorkspaceId workspace;
  CollectionId default_collection;
  std::map<CollectionId, Keyset> keysets;
  std::map<PageId, LocalPage> pages;        // this device's view, loaded from the store
  // Pages by the path they are shown at. Two devices can create one path at once (each page
  // gets a random id): every device then shows the page with the smallest id at the path and
  // each other live one at "PATH~<first 8 hex of its id>", so none is hidden and all devices
  // agree. A live page owns its path over deleted ones.
  std::map<std::string, PageId> by_path;
  std::map<std::string, std::set<PageId>> ids_at_path;  // every page by its own path
  std::map<PageId, std::string> shown_at;               // the key of each page in by_path
  std::set<std::array<std::uint8_t, 32>> trusted_authors;  // Ed25519 keys allowed to write
  std::unique_ptr<SearchState> search;  // the search indexes, loaded on first use (client_search.cc)
  // Plaintext this client already holds for a head record, by the record's hash: what it sealed
  // itself (an import) or opened and verified (a sync), so that the index upkeep that follows
  // indexes it without opening the page again. Taken by the index (client_search.cc) when it
  // indexes that head; bounded by kMaxOpenedBytes (beyond, pages are opened again as before).
  std::map<Hash256, PageContent> opened;
  std::size_t opened_bytes = 0;
  static constexpr std::size_t kMaxOpenedBytes = 16u << 20;
  void keep_opened(const Hash256& head, PageContent content);
  std::optional<PageContent> take_opened(const Hash256& head);
  // Opened from the device's store because the server was unreachable (a member only): reads
  // come from synced state, writes go to the queue; sync() logs in and replays.
  bool offline = false;
  std::string offline_reason;
  bool replaying = false;  // replay_queue is running: commit() reports a failure instead of queueing
  std::optional<std::vector<QueueRef>> queue_refs;  // the queue in order, loaded on first use

  Impl(Transport& t, ClientOptions o);
  ~Impl();
  // Agent grants this device has verified (certificate opened and signed by a trusted author).
  struct KnownGrant {
    AgentCertificate cert;
    std::optional<AgentRevocation> revocation;
  };
  std::map<GrantId, KnownGrant> known_grants;
  std::set<Ed25519Public> unknown_authors;  // looked up since the last load_grants
  // Set when this client is an agent: its certificate and the wraps its grant carried.
  std::optional<AgentCertificate> agent;
  std::vector<Bytes> grant_wraps;

  // The connection to the server's blob_url, when it names one and options.connect_url opens it
  // (declared after `api`, which points at it, so it is destroyed first: api never uses it then).
  std::unique_ptr<Transport> blob_transport;

  // Reads blobs through `url` (a cache in front of the server) from now on, if the options can
  // connect there; otherwise, or for an empty url, keeps reading them from the server.
  void follow_blob_url(const std::string& url);

  LocalStore& store() { return *sealed_device; }
  std::int64_t now_ms() const;

  // Local state.
  Result<void> load_pages();
  Result<void> save_page(const LocalPage& page);
  void index_page(const LocalPage& page);
  void reindex_path(const std::string& path);
  Result<std::uint64_t> last_seq();
  Result<void> set_last_seq(std::uint64_t seq);
  Result<void> quarantine(const std::string& id, const std::string& why);

  // Keys and trust.
  Result<void> load_trusted();
  Result<PublicKeys> verified_keys(const AccountId& other, std::string_view expected_fingerprint);
  Result<void> load_keysets();
  const Keyset* keyset_for(const CollectionId& c) const;
  // The newest key generation of each collection this device has verified (a wrap it opened
  // from a trusted granter, a rotation it made, or a page revision a trusted member sealed
  // under it), kept sealed in the state table: a server that withholds the newest wrap cannot
  // roll this device's new writes back to an older key (docs/SECURITY.md).
  Result<std::uint32_t> newest_generation(const CollectionId& c);
  Result<void> note_generation(const CollectionId& c, std::uint32_t generation);
  // The keyset new content of `c` is sealed under. Errors: unknown_key (no key for `c`, or its
  // primary is older than the newest generation this device verified: withheld by the server,
  // or not wrapped to this account yet).
  Result<const Keyset*> sealing_keyset(const CollectionId& c);
  std::map<CollectionId, std::uint32_t> newest_generations;  // read through from the store
  // Withheld generations found by the last load_keysets, reported by sync().
  std::vector<std::string> key_notices;
  // Moves each of `collections` this device holds keys for to a new generation, wrapped to every
  // member the server lists whose keys this device verified (share/trust) and to every live
  // grant covering it, except `except_grant` and `except_member` (client_agents.cc). Callers
  // check_rotatable first, before the revocation or removal that calls for it reaches the server.
  Result<void> rotate_collections(const std::vector<CollectionId>& collections,
                                  const std::optional<GrantId>& except_grant,
                                  const std::optional<AccountId>& except_member);
  // Whether every collection of `collections` this device holds can be rotated: refused
  // (unknown_key) when the device is behind on one's keys, which would make a second, different
  // generation N + 1. Callers check before anything reaches the server.
  Result<void> check_rotatable(const std::vector<CollectionId>& collections);

  // Agents (client_agents.cc).
  Result<void> load_grants();
  // A member, or an agent whose certificate lets it write to the record's collection.
  Result<void> check_author(const RevisionRecord& rec);
  // For an agent's revision: the certificate's path prefix (also the parent's path) and time.
  Result<void> check_agent_content(const RevisionRecord& rec, const PageContent& content);
  // Errors: expired, when this agent's grant has ended (by its clock, or a known revocation).
  Result<void> agent_alive();
  // Before an agent sends a write: its grant is alive, not read-only, and covers `path` (and
  // `replaces`, the path of the revision it overwrites or moves). Readers would refuse the rest.
  // Errors: expired, forbidden. Nothing to check for a member.
  Result<void> agent_may_write(std::string_view path, std::optional<std::string_view> replaces = std::nullopt);
  // An edit that failed this way waits in the offline queue (an agent's ended grant does not).
  bool queueable(const Error& e) const { return e.code == Errc::io || (e.code == Errc::expired && !agent); }

  // Objects (cached locally, fetched and verified when missing).
  // The checks every record passes however it arrived: its hash, signature, ids and author.
  Result<RevisionRecord> verify_record(const CollectionId& c, const PageId& p, const Hash256& rev,
                                       std::span<const std::uint8_t> bytes);
  Result<RevisionRecord> fetch_record(const CollectionId& c, const PageId& p, const Hash256& rev);
  Result<PageContent> open_revision(const RevisionRecord& rec);  // open_content + agent rules
  Result<PageContent> open_content(const RevisionRecord& rec);
  Result<std::vector<RevisionRecord>> history(const LocalPage& page);  // oldest first, verified chain
  // The text of revision `revision` of `chain` (history()): empty for 0 (before the page) and
  // for a deletion. What a three-way merge takes as its base.
  Result<std::string> revision_text(const std::vector<RevisionRecord>& chain, std::uint64_t revision);
  // The synced page `path` shows after the offline queue's moves (`queue`: queue_index());
  // none for a page made here.
  std::optional<PageId> page_shown_at(const std::vector<QueueRef>& queue, const std::string& path) const;
  // Errc::conflict unless `read` is the page at `path` (a queued edit included), naming where it went.
  Result<void> check_base_page(const std::vector<QueueRef>& queue, const std::string& path, const PageId& read) const;

  Result<void> retry_quarantined(SyncReport& report);

  // Checks that `rec` is `known_head` (false) or follows it through a verified chain (true).
  // Errors: conflict (a rollback or a fork), and those of fetch_record. `what` names it.
  Result<bool> check_follows(std::uint64_t known_revision, const Hash256& known_head, const RevisionRecord& rec,
                             const std::string& what);
  // Verifies a head this device is told about and moves the local page to it. `verified`: the
  // head record when the caller has already passed it through verify_record (else fetched).
  Result<bool> accept_head(const CollectionId& c, const PageId& p, const Hash256& rev,
                           const RevisionRecord* verified = nullptr);

  // Offline (client_offline.cc).
  // Keeps what a later offline login needs: the verified record (unsealed and sealed copies, in
  // one transaction) and the open workspace. Members only.
  Result<void> cache_for_offline(const AccountId& owner);
  // Opens the workspace from the device's store. Errors: not_found (never opened here),
  // auth_failed (the cached record differs from the copy this device sealed).
  Result<void> open_cached_workspace();
  // The workspace, its keys and its grants from the server (login).
  Result<AccountId> open_workspace();  // returns the workspace's owner
  // Takes the default collection from a workspace record (signature already checked) signed by
  // the owner's key as this device knows it; an owner not trusted yet leaves it unset (zero).
  // Errors: auth_failed (signed by another key: changed by the server).
  Result<void> adopt_workspace_record(const WorkspaceRecord& ws);
  // The signed record the server keeps for `ws`, decoded (its signature checked) and naming `ws`.
  Result<WorkspaceRecord> fetch_workspace_record(const WorkspaceId& ws);
  // An offline client reaches the server: logs in with the login key it unlocked, reloads keys
  // and grants. Errors: io (still unreachable), expired (the server refused this login key:
  // the passphrase changed or the account was recovered elsewhere).
  Result<void> go_online();
  // A member whose session the server ended (401) logs in again with its login key.
  Result<void> reauthenticate();
  // Key wraps and grants this device verified, kept for offline use (members only).
  Result<void> cache_wraps(const CollectionId& c, const std::vector<Bytes>& verified);
  Result<std::vector<std::pair<CollectionId, std::vector<Bytes>>>> cached_wraps();
  Result<void> cache_grants(const std::vector<GrantEntry>& verified);
  Result<std::vector<GrantEntry>> cached_grants();
  // Installs the keyset of collection `c` from its wraps, each checked (opened with this
  // account's key, wrapped by a trusted author); `verified` receives those that passed.
  Result<void> install_keyset(const CollectionId& c, const std::vector<WrappedKeyEntry>& wraps,
                              std::vector<Bytes>* verified);

  // The offline queue as this device shows it: an edit waiting there wins over the synced page.
  Result<std::vector<QueueRef>*> queue_index();
  // The last queued edit that leaves a page at `path` (newest_queued_at over queue_index()).
  Result<const QueueRef*> queued_at(const std::string& path);
  Result<QueuedEdit> queued_edit(const QueueRef& ref);
  Result<std::uint64_t> pending_count();
  // The base revision an edit at `path` has as this device shows it: the revision of the synced
  // page page_shown_at() finds there; none for a page only queued, or moved away by a queued move.
  Result<std::optional<std::uint64_t>> overlay_base(const std::string& path);
  // A live page is at `path` as this device shows it (the queue applied).
  Result<bool> live_at(const std::string& path);
  // not_found for `path`, saying when the page exists only in the queue.
  Error missing(std::string_view path);

  // Writing.
  // Writes one revision at `path`, merged three-way with what was written since
  // `base_revision` (none: a new page); overlapping edits as `on_conflict` says.
  Result<SaveOutcome> commit(const std::string& path, const std::string& body, bool remove,
                             const std::string& from_path, std::optional<std::uint64_t> base_revision,
                             OnConflict on_conflict = OnConflict::mark);
  Result<SaveOutcome> enqueue(QueuedEdit edit);
  Result<SaveOutcome> enqueue_merged(const QueueRef& at, std::string_view body, std::uint64_t base,
                                     OnConflict on_conflict);
  Result<std::uint64_t> replay_queue(std::uint64_t& pending);
};

// JSON forms of the local records.
nlohmann::json local_page_json(const LocalPage& p);
Result<LocalPage> local_page_from_json(const nlohmann::json& j);
nlohmann::json queued_json(const QueuedEdit& e);
Result<QueuedEdit> queued_from_json(const nlohmann::json& j);
Result<PageContent> queued_content(const QueuedEdit& e);

// The account record a member's device kept unsealed when it last logged in (none: never).
Result<std::optional<Bytes>> device_account_record(LocalStore& raw, const AccountId& id);

}  // namespace zkwiki

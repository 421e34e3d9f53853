// Client internals shared by client*.cc. Not part of the public API.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "zkwiki/api_client.h"
#include "zkwiki/client.h"
#include "zkwiki/envelope.h"
#include "zkwiki/keyset.h"
#include "zkwiki/revision.h"
#include "zkwiki/sealed_store.h"

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
};

// Local tables (all values sealed at rest by the store the client is given).
inline constexpr std::string_view kPagesTable = "pages";      // page id hex -> LocalPage JSON
inline constexpr std::string_view kRecordsTable = "records";  // revision hash hex -> record bytes
inline constexpr std::string_view kObjectsTable = "objects";  // blob id hex -> envelope bytes
inline constexpr std::string_view kQueueTable = "queue";      // 20-digit id -> QueuedEdit JSON
inline constexpr std::string_view kStateTable = "state";      // "seq", "quarantine", ...

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

  // Agents (client_agents.cc).
  Result<void> load_grants();
  // A member, or an agent whose certificate lets it write to the record's collection.
  Result<void> check_author(const RevisionRecord& rec);
  // For an agent's revision: the certificate's path prefix (also the parent's path) and time.
  Result<void> check_agent_content(const RevisionRecord& rec, const PageContent& content);
  // Errors: expired, when this agent's grant has ended (by its clock, or a known revocation).
  Result<void> agent_alive();
  // An edit that failed this way waits in the offline queue (an agent's ended grant does not).
  bool queueable(const Error& e) const { return e.code == Errc::io || (e.code == Errc::expired && !agent); }

  // Objects (cached locally, fetched and verified when missing).
  Result<RevisionRecord> fetch_record(const CollectionId& c, const PageId& p, const Hash256& rev);
  Result<PageContent> open_revision(const RevisionRecord& rec);  // open_content + agent rules
  Result<PageContent> open_content(const RevisionRecord& rec);
  Result<std::vector<RevisionRecord>> history(const LocalPage& page);  // oldest first, verified chain

  Result<void> retry_quarantined(SyncReport& report);

  // Checks that `rec` is `known_head` (false) or follows it through a verified chain (true).
  // Errors: conflict (a rollback or a fork), and those of fetch_record. `what` names it.
  Result<bool> check_follows(std::uint64_t known_revision, const Hash256& known_head, const RevisionRecord& rec,
                             const std::string& what);
  // Verifies a head this device is told about and moves the local page to it.
  Result<bool> accept_head(const CollectionId& c, const PageId& p, const Hash256& rev);

  // Writing.
  Result<SaveOutcome> commit(const std::string& path, const std::string& body, bool remove,
                             const std::string& from_path, std::optional<std::uint64_t> base_revision);
  Result<SaveOutcome> enqueue(QueuedEdit edit);
  Result<std::uint64_t> replay_queue(std::uint64_t& pending);
};

// JSON forms of the local records.
nlohmann::json local_page_json(const LocalPage& p);
Result<LocalPage> local_page_from_json(const nlohmann::json& j);

}  // namespace zkwiki

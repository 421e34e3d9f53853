// Request handling as a pure function: Request (+ the store) -> Response. No sockets, no Beast,
// no exceptions out of handle(). The Beast session code in server.cc only converts messages;
// tests and fuzzers can drive Api directly.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics.h"
#include "store.h"

namespace zkwiki {
struct RevisionRecord;
}

namespace zkwiki::server {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET", "PUT", ... (as sent)
  std::string target;  // origin-form: path and optional query
  Headers headers;     // names in lowercase
  std::string body;
  std::string remote;  // client address (rate limiting only; never logged with secrets)
  bool allow_wait = true;  // false when the transport re-runs a long-poll after waiting

  // The first header named `name` (lowercase), or empty.
  std::string_view header(std::string_view name) const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // Set instead of `body` for immutable shared bytes (cached blobs): sent without a copy.
  std::shared_ptr<const std::string> shared_body;
  // For HEAD: the Content-Length to announce while sending no body.
  std::optional<std::uint64_t> head_length;
  // The route template that answered (for metrics and logs), e.g. "GET /v1/blobs/{id}".
  std::string route;
  // Set by a change-feed read that found nothing and was asked to wait: the transport may hold
  // the request until ChangeNotifier reports a seq > seen in the workspace (or `seconds` pass)
  // and then handle it again with allow_wait = false. Ignoring it is also correct.
  struct LongPoll {
    std::string workspace_id;
    std::int64_t seen = 0;
    int seconds = 0;
  };
  std::optional<LongPoll> long_poll;

  void set(std::string name, std::string value);
  std::string_view get(std::string_view name) const;
};

struct Config {
  std::int64_t quota_bytes = 1LL << 30;       // per account; <= 0: unlimited
  std::int64_t session_ttl = 7 * 24 * 3600;   // seconds
  std::int64_t challenge_ttl = 60;            // seconds
  int login_failures_per_account = 5;         // per window, then 429
  int login_failures_per_client = 20;         // per window and remote address, then 429
  std::int64_t login_failure_window = 60;     // seconds
  std::string app_dir;                        // empty: no /app/
  std::size_t blob_cache_bytes = 256u << 20;  // immutable blobs kept in memory; 0: none
  // The origin ("https://cdn.example.com") through which clients should read blobs: a cache or
  // CDN in front of this server. Empty: read them here. Checked by valid_public_url().
  std::string public_url;
  // Proxies (a cache fronting the whole API) whose X-Forwarded-For names the client, as
  // canonical_ip() gives them. A request from anywhere else is counted under its own address,
  // whatever it says it forwards.
  std::vector<std::string> trusted_proxies;
  // Unix seconds; the system clock when unset (tests inject one to test expiry).
  std::function<std::int64_t()> clock;
};

// Wakes long-polling change-feed readers when a workspace gets a new sequence number.
// Thread-safe; callbacks run on the notifying thread, outside the lock, at most once each.
class ChangeNotifier {
 public:
  using Callback = std::function<void()>;
  // Registers `cb` for the next seq > `seen` in `ws`. If one was already notified, calls `cb`
  // before returning. Returns an id for unsubscribe(), or 0 if no more waiters are accepted.
  std::uint64_t subscribe(const std::string& ws, std::int64_t seen, Callback cb);
  void unsubscribe(std::uint64_t id);
  void notify(const std::string& ws, std::int64_t seq);

 private:
  static constexpr std::size_t kMaxWaiters = 10000;
  std::mutex mu_;
  std::uint64_t next_id_ = 1;
  std::map<std::string, std::int64_t> last_;
  std::map<std::uint64_t, std::pair<std::string, Callback>> waiters_;
};

// A bounded in-memory cache of immutable blobs (FIFO eviction; hits take a shared lock only).
// Thread-safe.
class BlobCache {
 public:
  explicit BlobCache(std::size_t capacity) : capacity_(capacity) {}
  std::shared_ptr<const std::string> get(const std::string& id) const;
  void put(const std::string& id, std::shared_ptr<const std::string> data);

 private:
  std::size_t capacity_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const std::string>> map_;
  std::deque<std::string> order_;
  std::size_t bytes_ = 0;
};

// Whether `url` is an origin a client can fetch blobs from: "http://" or "https://", a host
// name or IP literal ([v6] in brackets), an optional port, nothing after (no path, no query).
bool valid_public_url(std::string_view url);
// `text` (an IPv4 or IPv6 literal, spaces around it allowed) in its canonical form, as the
// server writes a peer's address; "" for anything else (a port, brackets, a host name).
std::string canonical_ip(std::string_view text);
// The Content-Security-Policy of the web app: connect-src allows the origin and `public_url`.
std::string app_content_security_policy(const std::string& public_url);

constexpr std::size_t kMaxRecordBytes = 64 * 1024;
constexpr std::size_t kMaxWrappedKeyBytes = 4 * 1024;
constexpr int kMaxBatchIds = 1000;
constexpr std::size_t kMaxBatchResponseBytes = 64 * 1024 * 1024;
// Record bytes in one answer of POST .../revisions/batch (base64 in JSON: a third more).
constexpr std::size_t kMaxRevisionBatchBytes = 16 * 1024 * 1024;

// The login message an account signs: kLoginContext (16 bytes, with its NUL) || account id
// (16 raw bytes) || challenge (32 raw bytes). See docs/API.md.
inline constexpr std::string_view kLoginContext{"zkwiki login v1\0", 16};
// The recovery message the account's Ed25519 identity key signs: kRecoverContext (18 bytes,
// with its NUL) || account id (16 raw) || challenge (32) || new login public key (32) ||
// BLAKE2b-256 of the new account record (32). See docs/API.md.
inline constexpr std::string_view kRecoverContext{"zkwiki recover v1\0", 18};

class Api {
 public:
  // `store` and `metrics` (may be null) must outlive the Api. Thread-safe.
  Api(Store& store, Config config, Metrics* metrics);

  // Never throws; every failure is a JSON error response.
  Response handle(const Request& req) noexcept;

  ChangeNotifier& notifier() { return notifier_; }

  // A JSON error response {"error":{"code":..,"message":..}} (used by the transport, too).
  static Response error(int status, std::string_view code, std::string_view message);

 private:
  struct Principal;
  struct Ctx;
  Response dispatch(Ctx& c);

  // Routes.
  Response health(Ctx& c);
  Response create_account(Ctx& c);
  Response get_account(Ctx& c, const std::string& id);
  Response update_account(Ctx& c, const std::string& id);
  Response recover_account(Ctx& c, const std::string& id);
  Response challenge(Ctx& c);
  Response login(Ctx& c);
  Response logout(Ctx& c);
  Response session(Ctx& c);
  Response create_token(Ctx& c);
  Response list_tokens(Ctx& c);
  Response revoke_token(Ctx& c, const std::string& id);
  Response create_workspace(Ctx& c);
  Response list_workspaces(Ctx& c);
  Response get_workspace(Ctx& c, const std::string& ws);
  Response list_members(Ctx& c, const std::string& ws);
  Response put_member(Ctx& c, const std::string& ws, const std::string& account);
  Response remove_member(Ctx& c, const std::string& ws, const std::string& account);
  Response create_collection(Ctx& c, const std::string& ws);
  Response list_collections(Ctx& c, const std::string& ws);
  Response get_collection(Ctx& c, const std::string& ws, const std::string& coll);
  Response list_keys(Ctx& c, const std::string& ws, const std::string& coll);
  Response put_key(Ctx& c, const std::string& ws, const std::string& coll,
                   const std::string& account, std::string_view generation);
  Response list_pages(Ctx& c, const std::string& ws, const std::string& coll);
  Response create_pages(Ctx& c, const std::string& ws, const std::string& coll);
  Response get_page(Ctx& c, const std::string& ws, const std::string& coll,
                    const std::string& page);
  Response put_page(Ctx& c, const std::string& ws, const std::string& coll,
                    const std::string& page);
  Response list_revisions(Ctx& c, const std::string& ws, const std::string& coll,
                          const std::string& page);
  Response get_revision(Ctx& c, const std::string& ws, const std::string& coll,
                        const std::string& page, const std::string& rev);
  Response changes(Ctx& c, const std::string& ws);
  Response batch_revisions(Ctx& c, const std::string& ws);
  Response list_grants(Ctx& c, const std::string& ws);
  Response put_grant(Ctx& c, const std::string& ws, const std::string& id);
  Response revoke_grant(Ctx& c, const std::string& ws, const std::string& id);
  Response put_blob(Ctx& c, const std::string& ws, const std::string& id);
  Response get_blob(Ctx& c, const std::string& id, bool head);
  Response read_blob(Ctx& c, const std::string& id, bool head);
  Response batch_blobs(Ctx& c);
  Response static_file(Ctx& c, const std::vector<std::string_view>& segs, bool head);

  // Checks a revision record before it may become the head (docs/API.md, page heads); on
  // failure `err` holds the error response. `decoded`, if given, receives the record.
  bool check_revision(Ctx& c, const std::string& ws, const std::string& coll,
                      const std::string& page, const std::optional<std::string>& expected,
                      const Bytes& record, Response& err, RevisionRecord* decoded = nullptr);

  // Whether `key` is the identity (Ed25519) key of the session's account: records the account
  // signs (workspace records, revisions, grant revocations) are checked with it. On a store
  // failure or another key, `err` holds the answer (403 with `code` and `message` for the key).
  bool signed_by_session_account(const Ctx& c, const std::array<std::uint8_t, 32>& key, std::string_view code,
                                 std::string_view message, Response& err);

  // Authentication and authorization; on failure `out` holds the error response.
  bool authenticate(Ctx& c, Response& out);
  enum class Need { read, write, admin };
  bool authorize(Ctx& c, const std::string& ws, const std::string* coll, Need need,
                 Response& out);

  std::int64_t now() const;
  bool rate_limited(const std::string& key, int limit, std::int64_t now, std::int64_t* retry);
  void record_failure(const std::string& key, std::int64_t now);
  // Login and recovery attempts share one limit per account and per client address: true
  // (with the 429 in `out`) while either is exhausted.
  // The address the login limit counts a request under (Config::trusted_proxies).
  std::string client_address(const Request& req) const;
  bool throttled(const Ctx& c, const std::string& account, std::int64_t now, Response& out);
  void count_failure(const Ctx& c, const std::string& account, std::int64_t now);
  // Consumes `challenge` (single use, whatever the outcome); true if it was issued for
  // `account` and has not expired.
  bool take_challenge(const Bytes& challenge, const std::string& account, std::int64_t now);

  Store& store_;
  Config config_;
  Metrics* metrics_;
  BlobCache blob_cache_;
  std::string app_csp_;  // Content-Security-Policy of /app/ files
  ChangeNotifier notifier_;

  struct PendingChallenge {
    std::string account_id;
    std::int64_t expires = 0;
  };
  struct Failures {
    int count = 0;
    std::int64_t window_start = 0;
  };
  std::mutex auth_mu_;
  std::map<Bytes, PendingChallenge> challenges_;  // by raw challenge bytes
  std::map<std::string, Failures> failures_;      // by "a:<account>" / "c:<remote>"
  std::map<std::string, std::int64_t> last_used_;  // scoped token id -> last request (since start)
};

}  // namespace zkwiki::server

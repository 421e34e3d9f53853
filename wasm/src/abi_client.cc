// The C ABI's client (abi.h): zkwiki::Client behind opaque handles, over a JS transport and a
// JS-mirrored local store (js_bridge.h).
#include <emscripten.h>

#include <map>
#include <memory>

#include "abi.h"
#include "abi_common.h"
#include "js_bridge.h"
#include "zkwiki/client.h"

using namespace zkwiki;
using namespace zkwiki::wasm;

// Hands a client call's result (the output on success, the error message on failure) to JS
// the moment the call ends. A client call may suspend, and JS may make other (synchronous)
// calls meanwhile that reuse the output buffer; this copy is the one the call's promise reads.
EM_JS(void, zkw_js_deliver, (int rc, const std::uint8_t* p, std::size_t n), {
  Module['zkwDelivered'] = {rc : rc, bytes : HEAPU8.slice(p, p + n)};
});

namespace {

template <class F>
std::int32_t run(F&& body) {
  std::int32_t rc = body();
  if (rc == 0) {
    zkw_js_deliver(rc, zkw_out_ptr(), zkw_out_len());
    zkw_out_clear();
  } else {
    zkw_js_deliver(rc, zkw_error_ptr(), zkw_error_len());
  }
  return rc;
}

// One logged-in client. The transport outlives the client that refers to it; `store` points
// into the client's own sealed store (owned by the client).
struct Session {
  std::unique_ptr<JsTransport> transport;
  JsLocalStore* store = nullptr;
  std::unique_ptr<Client> client;
};

std::map<std::int32_t, std::unique_ptr<Session>>& sessions() {
  static std::map<std::int32_t, std::unique_ptr<Session>> s;
  return s;
}

Client* client_of(std::int32_t handle) {
  auto it = sessions().find(handle);
  return it == sessions().end() ? nullptr : it->second->client.get();
}

std::int32_t no_client() { return fail(Errc::invalid_argument, "no such client (closed, or never opened)"); }

std::optional<std::uint64_t> revision_arg(double r) {
  if (!(r >= 0) || r > 9007199254740991.0) return std::nullopt;
  return static_cast<std::uint64_t>(r);
}

// The defaults (the SDK's clock is the system clock: Date.now() here). Upload threads are not
// set up: the wasm build has none, and import() then goes over the one transport. Blob reads
// follow the server's blob_url (--public-url) through the JS transport's forUrl(url).
ClientOptions options(const JsTransport& transport) {
  ClientOptions o;
  o.connect_url = [&transport](std::string_view url) -> Result<std::unique_ptr<Transport>> {
    return std::unique_ptr<Transport>(transport.for_url(url));
  };
  return o;
}

// Stores a new session and writes {handle, account, workspace, fingerprint, ...} out.
std::int32_t open_session(std::unique_ptr<Session> s, json extra = json::object()) {
  static std::int32_t next = 1;
  std::int32_t handle = next++;
  json out = {{"handle", handle},
              {"account", s->client->account_id().hex()},
              {"workspace", s->client->workspace_id().hex()},
              {"fingerprint", s->client->fingerprint()}};
  out.update(extra);
  sessions()[handle] = std::move(s);
  set_out_json(out);
  return 0;
}

std::unique_ptr<Session> new_session(std::int32_t transport, std::int32_t store,
                                     std::unique_ptr<JsLocalStore>& device) {
  auto s = std::make_unique<Session>();
  s->transport = std::make_unique<JsTransport>(transport);
  device = std::make_unique<JsLocalStore>(store);
  s->store = device.get();
  return s;
}

KdfParams kdf_params(std::uint32_t opslimit, std::uint32_t memlimit_kib) {
  return KdfParams::generate(opslimit == 0 ? 3 : opslimit, memlimit_kib == 0 ? 64 * 1024 : memlimit_kib);
}

json summary_json(const PageSummary& p) {
  return {{"id", p.id.hex()},         {"collection", p.collection.hex()}, {"path", p.path},
          {"title", p.title},         {"tags", p.tags},                   {"revision", p.revision},
          {"modifiedMs", p.modified_ms}, {"size", p.size},                {"deleted", p.deleted}};
}

json outcome_json(const SaveOutcome& o) {
  return {{"page", o.page.hex()},        {"revision", o.revision}, {"unchanged", o.unchanged},
          {"merged", o.merged},          {"conflict", o.conflict}, {"queued", o.queued}};
}

json sync_json(const SyncReport& r) {
  return {{"changes", r.changes},   {"pagesUpdated", r.pages_updated}, {"replayed", r.replayed},
          {"pending", r.pending},   {"quarantined", r.quarantined},    {"lastSeq", r.last_seq},
          {"indexChanged", r.index_changed}};
}

json coverage_json(const IndexCoverage& c) {
  return {{"indexed", c.indexed},   {"known", c.known},        {"segments", c.segments},
          {"bytes", c.bytes},       {"indexFeedSeq", c.index_feed_seq}, {"deviceSeq", c.device_seq},
          {"uploaded", c.uploaded}, {"rebuilt", c.rebuilt},    {"notices", c.notices}};
}

// UTF-16 code units of the UTF-8 text s[0, n): JS strings index by those, the SDK by bytes.
std::uint32_t utf16_length(std::string_view s, std::size_t n) {
  std::uint32_t units = 0;
  for (std::size_t i = 0; i < n && i < s.size(); ++i) {
    auto b = static_cast<std::uint8_t>(s[i]);
    if ((b & 0xC0) == 0x80) continue;  // continuation byte
    units += b >= 0xF0 ? 2 : 1;        // 4-byte sequences are surrogate pairs
  }
  return units;
}

json search_json(const SearchReport& r) {
  json results = json::array();
  for (const auto& h : r.results) {
    json hl = json::array();
    for (auto [b, e] : h.highlights) hl.push_back({utf16_length(h.snippet, b), utf16_length(h.snippet, e)});
    results.push_back({{"page", h.page.hex()},     {"path", h.path},       {"title", h.title},
                       {"revision", h.revision},   {"score", h.score},     {"snippet", h.snippet},
                       {"highlights", std::move(hl)}, {"phraseUnverified", h.phrase_unverified}});
  }
  return {{"results", std::move(results)}, {"coverage", coverage_json(r.coverage)}};
}

}  // namespace

extern "C" {

int32_t zkw_client_create_account(int32_t transport, const uint8_t* pass, size_t pass_len, uint32_t opslimit,
                                  uint32_t memlimit_kib) {
  return run([&]() -> std::int32_t {
    std::unique_ptr<JsLocalStore> device;
    auto s = new_session(transport, 0, device);  // unbound until zkw_client_bind_store
    std::string recovery;
    auto c = Client::create_account(*s->transport, std::move(device), in_text(pass, pass_len), recovery,
                                    kdf_params(opslimit, memlimit_kib), options(*s->transport));
    if (!c) return fail(c.error());
    s->client = std::move(c).value();
    std::int32_t rc = open_session(std::move(s), json{{"recoveryKey", recovery}});
    wipe({reinterpret_cast<std::uint8_t*>(recovery.data()), recovery.size()});
    return rc;
  });
}

int32_t zkw_client_bind_store(int32_t handle, int32_t store) {
  return run([&]() -> std::int32_t {
    auto it = sessions().find(handle);
    if (it == sessions().end()) return no_client();
    return finish(it->second->store->bind(store));
  });
}

int32_t zkw_client_login(int32_t transport, int32_t store, const uint8_t* account, size_t account_len,
                         const uint8_t* pass, size_t pass_len, const uint8_t* workspace, size_t workspace_len) {
  return run([&]() -> std::int32_t {
    auto id = AccountId::from_hex(in_text(account, account_len));
    if (!id) return fail(Errc::invalid_argument, "account: " + id.error().message);
    std::unique_ptr<JsLocalStore> device;
    auto s = new_session(transport, store, device);
    ClientOptions o = options(*s->transport);
    if (workspace_len > 0) {
      auto ws = WorkspaceId::from_hex(in_text(workspace, workspace_len));
      if (!ws) return fail(Errc::invalid_argument, "workspace: " + ws.error().message);
      o.workspace = *ws;
    }
    auto c = Client::login(*s->transport, std::move(device), *id, in_text(pass, pass_len), std::move(o));
    if (!c) return fail(c.error());
    s->client = std::move(c).value();
    return open_session(std::move(s));
  });
}

int32_t zkw_client_recover(int32_t transport, int32_t store, const uint8_t* account, size_t account_len,
                           const uint8_t* recovery, size_t recovery_len, const uint8_t* pass, size_t pass_len,
                           uint32_t opslimit, uint32_t memlimit_kib) {
  return run([&]() -> std::int32_t {
    auto id = AccountId::from_hex(in_text(account, account_len));
    if (!id) return fail(Errc::invalid_argument, "account: " + id.error().message);
    std::unique_ptr<JsLocalStore> device;
    auto s = new_session(transport, store, device);
    auto c = Client::recover(*s->transport, std::move(device), *id, in_text(recovery, recovery_len),
                             in_text(pass, pass_len), kdf_params(opslimit, memlimit_kib), options(*s->transport));
    if (!c) return fail(c.error());
    s->client = std::move(c).value();
    return open_session(std::move(s));
  });
}

int32_t zkw_client_close(int32_t handle) {
  return run([&]() -> std::int32_t {
    auto it = sessions().find(handle);
    if (it == sessions().end()) return no_client();
    auto s = std::move(it->second);
    sessions().erase(it);
    s->client.reset();  // the account keys (Secrets) are wiped here
    return 0;
  });
}

int32_t zkw_client_change_passphrase(int32_t handle, const uint8_t* pass, size_t pass_len, uint32_t opslimit,
                                     uint32_t memlimit_kib) {
  return run([&]() -> std::int32_t {
    Client* c = client_of(handle);
    if (c == nullptr) return no_client();
    return finish(c->change_passphrase(in_text(pass, pass_len), kdf_params(opslimit, memlimit_kib)));
  });
}

int32_t zkw_client_list(int32_t handle, const uint8_t* prefix, size_t prefix_len) {
  return run([&]() -> std::int32_t {
    Client* c = client_of(handle);
    if (c == nullptr) return no_client();
    return finish(c->list(in_text(prefix, prefix_len)), [](const std::vector<PageSummary>& pages) {
      json out = json::array();
      for (const auto& p : pages) out.push_back(summary_json(p));
      set_out_json(out);
    });
  });
}

int32_t zkw_client_read(int32_t handle, const uint8_t* path, size_t path_len, double revision) {
  return run([&]() -> std::int32_t {
    Client* c = client_of(handle);
    if (c == nullptr) return no_client();
    return finish(c->read(in_text(path, path_len), revision_arg(revision)), [](PageContent& p) {
      set_out_json(json{{"path", p.meta.path},
                   {"title", p.meta.title},
                   {"tags", p.meta.tags},
                   {"createdMs", p.meta.created_ms},
                   {"modifiedMs", p.meta.modified_ms},
                   {"links", p.meta.links},
                   {"deleted", p.meta.deleted},
                   {"body", p.body}});
      wipe({reinterpret_cast<std::uint8_t*>(p.body.data()), p.body.size()});
    });
  });
}

int32_t zkw_client_write(int32_t handle, const uint8_t* path, size_t path_len, const uint8_t* body, size_t body_len) {
  return run([&]() -> std::int32_t {
    Client* c = client_of(handle);
    if (c == nullptr) return no_client();
    return finish(c->write(in_text(path, path_len), in_text(body, body_len)),
                  [](const SaveOutcome& o) { set_out_json(outcome_json(o)); });
  });
}

int32_t zkw_client_move(int32_t handle, const uint8_t* from, size_t from_len, const uint8_t* to, size_t to_len) {
  return run([&]() -> std::int32_t {
    Client* c = client_of(handle);
    if (c == nullptr) return no_client();
    return finish(c->move(in_text(from, from_len), in_text(to, to_len)),
                  [](const SaveOutcome& o) { set_out_json(outcome_json(o)); });
  });
}

int32_t zkw_client_remove(int32_t handle, const uint8_t* path, size_t path_len) {
  return run([&]() -> std::int32_t {
    Client* c = client_of(handle);
    if (c == nullptr) return no_client();
    return finish(c->remove(in_text(path, path_len)), [](const SaveOutcome& o) { set_out_json(outcome_json(o)); });
  });
}

int32_t zkw_client_restore(int32_t handle, const uint8_t* path, size_t path_len, double revision) {
  return run([&]() -> std::int32_t {
    Client* c = client_of(handle);
    if (c == nullptr) return no_client();
    auto r = revision_arg(revision);
    if (!r) return fail(Errc::invalid_argument, "restore: a revision number is needed");
    return finish(c->restore(in_text(path, path_len), *r), [](const SaveOutcome& o) { set_out_json(outcome_json(o)); });
  });
}

int32_t zkw_client_log(int32_t handle, const uint8_t* path, size_t path_len) {
  return run([&]() -> std::int32_t {
    Client* c = client_of(handle);
    if (c == nullptr) return no_client();
    return finish(c->log(in_text(path, path_len)), [](const std::vector<RevisionInfo>& revs) {
      json out = json::array();
      for (const auto& r : revs)
        out.push_back({{"revision", r.revision}, {"hash", r.hash.hex()}, {"author", r.author}, {"timeMs", r.time_ms},
                       {"size", r.size}, {"path", r.path}, {"deleted", r.deleted}});
      set_out_json(out);
    });
  });
}

int32_t zkw_client_diff(int32_t handle, const uint8_t* path, size_t path_len, double a, double b) {
  return run([&]() -> std::int32_t {
    Client* c = client_of(handle);
    if (c == nullptr) return no_client();
    return finish(c->diff(in_text(path, path_len), revision_arg(a), revision_arg(b)),
                  [](const std::string& d) { set_out(d); });
  });
}

int32_t zkw_client_backlinks(int32_t handle, const uint8_t* path, size_t path_len) {
  return run([&]() -> std::int32_t {
    Client* c = client_of(handle);
    if (c == nullptr) return no_client();
    return finish(c->backlinks(in_text(path, path_len)), [](const std::vector<std::string>& v) { set_out_json(json(v)); });
  });
}

int32_t zkw_client_sync(int32_t handle) {
  return run([&]() -> std::int32_t {
    Client* c = client_of(handle);
    if (c == nullptr) return no_client();
    return finish(c->sync(), [](const SyncReport& r) { set_out_json(sync_json(r)); });
  });
}

int32_t zkw_client_status(int32_t handle) {
  return run([&]() -> std::int32_t {
    Client* c = client_of(handle);
    if (c == nullptr) return no_client();
    return finish(c->status(), [](const SyncReport& r) { set_out_json(sync_json(r)); });
  });
}

int32_t zkw_client_fingerprint_of(int32_t handle, const uint8_t* account, size_t account_len) {
  return run([&]() -> std::int32_t {
    Client* c = client_of(handle);
    if (c == nullptr) return no_client();
    auto id = AccountId::from_hex(in_text(account, account_len));
    if (!id) return fail(Errc::invalid_argument, "account: " + id.error().message);
    return finish(c->fingerprint_of(*id), [](const std::string& f) { set_out(f); });
  });
}

int32_t zkw_client_share(int32_t handle, const uint8_t* account, size_t account_len, const uint8_t* fingerprint,
                         size_t fingerprint_len, int32_t read_only) {
  return run([&]() -> std::int32_t {
    Client* c = client_of(handle);
    if (c == nullptr) return no_client();
    auto id = AccountId::from_hex(in_text(account, account_len));
    if (!id) return fail(Errc::invalid_argument, "account: " + id.error().message);
    return finish(c->share(*id, in_text(fingerprint, fingerprint_len), read_only ? "read" : "write"));
  });
}

int32_t zkw_client_trust(int32_t handle, const uint8_t* account, size_t account_len, const uint8_t* fingerprint,
                         size_t fingerprint_len) {
  return run([&]() -> std::int32_t {
    Client* c = client_of(handle);
    if (c == nullptr) return no_client();
    auto id = AccountId::from_hex(in_text(account, account_len));
    if (!id) return fail(Errc::invalid_argument, "account: " + id.error().message);
    return finish(c->trust(*id, in_text(fingerprint, fingerprint_len)));
  });
}

int32_t zkw_client_search(int32_t handle, const uint8_t* query, size_t query_len, uint32_t limit, int32_t flags) {
  return run([&]() -> std::int32_t {
    Client* c = client_of(handle);
    if (c == nullptr) return no_client();
    if (limit == 0 || limit > 1000) return fail(Errc::invalid_argument, "limit: from 1 to 1000");
    SearchOptions o;
    o.limit = limit;
    o.prefix_last = (flags & 1) != 0;
    o.typos = (flags & 2) != 0;
    return finish(c->search(in_text(query, query_len), o), [](const SearchReport& r) { set_out_json(search_json(r)); });
  });
}

int32_t zkw_client_maintain_index(int32_t handle) {
  return run([&]() -> std::int32_t {
    Client* c = client_of(handle);
    if (c == nullptr) return no_client();
    return finish(c->maintain_index(), [](const IndexCoverage& cov) { set_out_json(coverage_json(cov)); });
  });
}

int32_t zkw_client_reindex(int32_t handle) {
  return run([&]() -> std::int32_t {
    Client* c = client_of(handle);
    if (c == nullptr) return no_client();
    return finish(c->reindex(), [](const IndexCoverage& cov) { set_out_json(coverage_json(cov)); });
  });
}

int32_t zkw_client_index_coverage(int32_t handle) {
  return run([&]() -> std::int32_t {
    Client* c = client_of(handle);
    if (c == nullptr) return no_client();
    return finish(c->index_coverage(), [](const IndexCoverage& cov) { set_out_json(coverage_json(cov)); });
  });
}

}  // extern "C"

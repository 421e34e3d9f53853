// Client: what a member's device keeps to open without the server, reaching the server again,
// and the offline queue as this device shows it (docs/SECURITY.md, "Offline").
#include <algorithm>
#include <charconv>
#include <cstdio>

#include "client_impl.h"
#include "internal.h"

namespace zkwiki {
namespace {

using json = nlohmann::json;
constexpr std::string_view kRecordKey = "record";  // the sealed copy of the verified account record
constexpr std::string_view kWorkspaceKey = "workspace";
constexpr std::string_view kGrantsKey = "grants";
constexpr std::string_view kWrapsPrefix = "wraps:";
constexpr std::size_t kMaxCachedItemBytes = 1u << 20;
constexpr std::uint32_t kMaxCachedItems = 1u << 20;

Bytes encode_list(const std::vector<Bytes>& items) {
  internal::ByteWriter w;
  w.u32(static_cast<std::uint32_t>(items.size()));
  for (const Bytes& b : items) w.var_bytes(b);
  return w.take();
}

Result<std::vector<Bytes>> decode_list(std::span<const std::uint8_t> bytes, std::string_view what) {
  internal::ByteReader r(bytes);
  std::uint32_t n = r.u32();
  if (n > kMaxCachedItems) return make_error(Errc::malformed, std::string(what) + " kept on this device is damaged");
  std::vector<Bytes> out;
  for (std::uint32_t i = 0; i < n && !r.failed(); ++i) {
    auto b = r.var_bytes(kMaxCachedItemBytes);
    out.emplace_back(b.begin(), b.end());
  }
  ZKWIKI_TRY(r.finish(what));
  return out;
}

std::string queue_key(std::uint64_t id) {
  char key[24];
  std::snprintf(key, sizeof key, "%020llu", static_cast<unsigned long long>(id));
  return key;
}

QueueRef ref_of(std::string key, const QueuedEdit& e) {
  return QueueRef{std::move(key), e.path, e.from_path.empty() ? e.path : e.from_path, e.remove, e.base_revision.has_value()};
}

std::string pending_text(std::uint64_t n) {
  return std::to_string(n) + (n == 1 ? " queued edit stays" : " queued edits stay") + " on this device";
}

}  // namespace

Result<std::optional<Bytes>> device_account_record(LocalStore& raw, const AccountId& id) {
  return raw.get(kDeviceAccountTable, "record:" + id.hex());
}

// ---- what an offline login needs ----

Result<void> Client::Impl::cache_for_offline(const AccountId& owner) {
  if (agent) return {};
  Bytes rec = record.encode();
  std::string ws = json{{"workspace", workspace.hex()}, {"owner", owner.hex()},
                        {"default_collection", default_collection.hex()}}
                       .dump();
  LocalStore& raw = sealed_device->inner();
  return store().transaction([&]() -> Result<void> {
    ZKWIKI_TRY(store().put(kOfflineTable, kRecordKey, rec));
    ZKWIKI_TRY(store().put(kOfflineTable, kWorkspaceKey, internal::as_bytes(ws)));
    return raw.put(kDeviceAccountTable, "record:" + record.id.hex(), rec);
  });
}

Result<void> Client::Impl::open_cached_workspace() {
  // The unsealed copy opened the account; the sealed copy says it is the one this device
  // verified (a copy swapped or rolled back on disk does not match it).
  ZKWIKI_ASSIGN(auto sealed_copy, store().get(kOfflineTable, kRecordKey));
  if (!sealed_copy) return make_error(Errc::not_found, "this device has no verified copy of the account to open offline");
  if (*sealed_copy != record.encode())
    return make_error(Errc::auth_failed, "the account record kept on this device is not the one it verified when it last "
                                         "logged in (changed on disk?): log in with the server reachable");
  ZKWIKI_ASSIGN(auto ws_bytes, store().get(kOfflineTable, kWorkspaceKey));
  if (!ws_bytes) return make_error(Errc::not_found, "this device has not opened a workspace of this account before");
  json j = internal::parse_json(*ws_bytes);
  if (!j.is_object()) return make_error(Errc::malformed, "the workspace kept on this device is damaged");
  auto ws = WorkspaceId::from_hex(j.value("workspace", ""));
  auto owner = AccountId::from_hex(j.value("owner", ""));
  auto def = CollectionId::from_hex(j.value("default_collection", ""));
  if (!ws || !owner || !def) return make_error(Errc::malformed, "the workspace kept on this device is damaged");
  if (options.workspace && *options.workspace != *ws)
    return make_error(Errc::not_found, "this device has no copy of workspace " + options.workspace->hex() +
                                           " to open offline (it has " + ws->hex() + ")");
  workspace = *ws;
  default_collection = *def;
  ZKWIKI_TRY(load_keysets());
  if (*owner == record.id && keyset_for(default_collection) == nullptr)
    return make_error(Errc::forbidden, "this device kept no key for the workspace's default collection");
  return load_grants();
}

Result<void> Client::Impl::cache_wraps(const CollectionId& c, const std::vector<Bytes>& verified) {
  if (agent) return {};
  return store().put(kOfflineTable, std::string(kWrapsPrefix) + c.hex(), encode_list(verified));
}

Result<std::vector<std::pair<CollectionId, std::vector<Bytes>>>> Client::Impl::cached_wraps() {
  ZKWIKI_ASSIGN(auto rows, store().scan(kOfflineTable, kWrapsPrefix));
  std::vector<std::pair<CollectionId, std::vector<Bytes>>> out;
  for (const auto& [key, value] : rows) {
    auto c = CollectionId::from_hex(std::string_view(key).substr(kWrapsPrefix.size()));
    if (!c) return make_error(Errc::malformed, "the keys kept on this device are damaged");
    ZKWIKI_ASSIGN(auto wraps, decode_list(value, "collection keys"));
    out.emplace_back(*c, std::move(wraps));
  }
  return out;
}

Result<void> Client::Impl::cache_grants(const std::vector<GrantEntry>& verified) {
  if (agent) return {};
  std::vector<Bytes> items;
  for (const GrantEntry& e : verified) {
    internal::ByteWriter w;
    w.bytes(e.id.bytes);
    w.bytes(e.issuer.bytes);
    w.bytes(e.agent_key);
    w.var_bytes(e.record);
    w.var_bytes(e.revocation);
    w.u64(e.seq);
    items.push_back(w.take());
  }
  return store().put(kOfflineTable, kGrantsKey, encode_list(items));
}

Result<std::vector<GrantEntry>> Client::Impl::cached_grants() {
  ZKWIKI_ASSIGN(auto bytes, store().get(kOfflineTable, kGrantsKey));
  std::vector<GrantEntry> out;
  if (!bytes) return out;
  ZKWIKI_ASSIGN(auto items, decode_list(*bytes, "grants"));
  for (const Bytes& item : items) {
    internal::ByteReader r(item);
    GrantEntry e;
    e.id.bytes = r.array<16>();
    e.issuer.bytes = r.array<16>();
    e.agent_key = r.array<32>();
    auto rec = r.var_bytes(kMaxCachedItemBytes);
    e.record.assign(rec.begin(), rec.end());
    auto rev = r.var_bytes(kMaxCachedItemBytes);
    e.revocation.assign(rev.begin(), rev.end());
    e.seq = r.u64();
    ZKWIKI_TRY(r.finish("a grant kept on this device"));
    out.push_back(std::move(e));
  }
  return out;
}

// ---- reaching the server again ----

Result<void> Client::Impl::reauthenticate() {
  auto s = api.login(record.id, login);
  if (s) return {};
  if (s.error().code != Errc::expired) return std::move(s).error();
  ZKWIKI_ASSIGN(std::uint64_t pending, pending_count());
  return make_error(Errc::expired, "the server refused this device's login (" + s.error().message +
                                       "): the passphrase was changed or the account recovered on another device; "
                                       "log in again with the current passphrase (" + pending_text(pending) + ")");
}

Result<void> Client::Impl::go_online() {
  if (!offline) return {};
  if (auto s = reauthenticate(); !s) {
    if (s.error().code != Errc::io) return s;
    ZKWIKI_ASSIGN(std::uint64_t pending, pending_count());
    return make_error(Errc::io, "offline: the server is unreachable (" + s.error().message + "); " + pending_text(pending));
  }
  offline = false;
  auto reopened = [&]() -> Result<void> {
    ZKWIKI_ASSIGN(auto workspaces, api.list_workspaces());
    if (std::find(workspaces.begin(), workspaces.end(), workspace) == workspaces.end()) {
      ZKWIKI_ASSIGN(std::uint64_t pending, pending_count());
      return make_error(Errc::forbidden, "this account is no longer a member of workspace " + workspace.hex() + " (" +
                                             pending_text(pending) + ")");
    }
    ZKWIKI_TRY(load_keysets());
    return load_grants();
  }();
  if (!reopened && reopened.error().code == Errc::io) offline = true;
  return reopened;
}

// ---- the queue as this device shows it ----

Result<std::vector<QueueRef>*> Client::Impl::queue_index() {
  if (!queue_refs) {
    ZKWIKI_ASSIGN(auto rows, store().scan(kQueueTable));
    std::vector<QueueRef> refs;
    for (const auto& [key, value] : rows) {
      json j = internal::parse_json(value);
      ZKWIKI_ASSIGN(QueuedEdit e, queued_from_json(j));
      refs.push_back(ref_of(key, e));
    }
    queue_refs = std::move(refs);
  }
  return &*queue_refs;
}

Result<const QueueRef*> Client::Impl::queued_at(const std::string& path) {
  ZKWIKI_ASSIGN(auto* refs, queue_index());
  return newest_queued_at(*refs, path);
}

Result<QueuedEdit> Client::Impl::queued_edit(const QueueRef& ref) {
  ZKWIKI_ASSIGN(auto value, store().get(kQueueTable, ref.key));
  if (!value) return make_error(Errc::malformed, "a queued edit vanished from this device's store");
  json j = internal::parse_json(*value);
  return queued_from_json(j);
}

Result<std::uint64_t> Client::Impl::pending_count() {
  ZKWIKI_ASSIGN(auto* refs, queue_index());
  return static_cast<std::uint64_t>(refs->size());
}

Result<std::optional<std::uint64_t>> Client::Impl::overlay_base(const std::string& path) {
  ZKWIKI_ASSIGN(auto* refs, queue_index());
  const std::optional<PageId> shown = page_shown_at(*refs, path);
  if (!shown) return std::optional<std::uint64_t>{};
  return std::optional<std::uint64_t>(pages.at(*shown).revision);
}

// Several offline edits of one page become one queued edit against the revision the first was
// based on: replayed, it merges three-way with what other devices wrote meanwhile, exactly as
// one edit would (successive edits against one base would conflict with each other).
Result<SaveOutcome> Client::Impl::enqueue(QueuedEdit edit) {
  ZKWIKI_ASSIGN(auto* refs, queue_index());
  if (edit.queued_ms == 0) edit.queued_ms = now_ms();
  const std::string at = edit.from_path.empty() ? edit.path : edit.from_path;
  auto prev = std::find_if(refs->rbegin(), refs->rend(), [&](const QueueRef& r) { return r.path == at; });
  std::string key;
  if (prev != refs->rend()) {
    ZKWIKI_ASSIGN(QueuedEdit before, queued_edit(*prev));
    key = prev->key;
    if (!before.base_revision && edit.remove) {
      // A page made on this device and removed before the server saw it: nothing to send.
      ZKWIKI_TRY(store().erase(kQueueTable, key));
      refs->erase(std::next(prev).base());
      SaveOutcome out;
      out.queued = true;
      return out;
    }
    const std::string origin = before.from_path.empty() ? before.path : before.from_path;
    edit.id = before.id;
    edit.base_revision = before.base_revision;
    edit.from_path = before.base_revision && edit.path != origin ? origin : std::string();
    *prev = ref_of(key, edit);
  } else {
    std::uint64_t next = 1;
    if (!refs->empty()) {
      const std::string& last = refs->back().key;
      std::from_chars(last.data(), last.data() + last.size(), next);
      ++next;
    }
    edit.id = next;
    key = queue_key(next);
    refs->push_back(ref_of(key, edit));
  }
  std::string text = queued_json(edit).dump();
  if (auto put = store().put(kQueueTable, key, internal::as_bytes(text)); !put) {
    queue_refs.reset();  // reloaded from the store on next use
    return std::move(put).error();
  }
  SaveOutcome out;
  const std::string origin = edit.from_path.empty() ? edit.path : edit.from_path;
  if (auto it = by_path.find(origin); it != by_path.end() && edit.base_revision) out.page = it->second;
  out.queued = true;
  return out;
}

Result<std::uint64_t> Client::Impl::replay_queue(std::uint64_t& pending) {
  ZKWIKI_ASSIGN(auto queued, store().scan(kQueueTable));
  std::uint64_t done = 0;
  pending = queued.size();
  replaying = true;
  struct Reset {
    bool& flag;
    ~Reset() { flag = false; }
  } reset{replaying};
  for (const auto& [key, value] : queued) {
    json j = internal::parse_json(value);
    ZKWIKI_ASSIGN(QueuedEdit e, queued_from_json(j));
    // Written before the entry is erased: a crash in between replays an edit the server already
    // has, which the unchanged-head check turns into a no-op rather than a duplicate revision.
    auto r = commit(e.path, e.body, e.remove, e.from_path, e.base_revision);
    if (!r) {
      // Unreachable again: the rest waits for the next sync. A refused session is the caller's
      // to renew (sync logs in again and replays); every other error is reported. In every case
      // the edit stays queued.
      if (r.error().code == Errc::io) break;
      return std::move(r).error();
    }
    ZKWIKI_TRY(store().erase(kQueueTable, key));
    const std::string& sent = key;  // (clang 14 cannot capture a structured binding)
    if (queue_refs) std::erase_if(*queue_refs, [&](const QueueRef& q) { return q.key == sent; });
    ++done;
    --pending;
  }
  return done;
}

}  // namespace zkwiki

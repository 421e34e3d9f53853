// Client: account lifecycle, workspace bootstrap, local state.
#include <charconv>
#include <chrono>

#include "client_impl.h"
#include "internal.h"
#include "zkwiki/encoding.h"
#include "zkwiki/sealed_store.h"
#include "zkwiki/workspace_record.h"

namespace zkwiki {
namespace {

using json = nlohmann::json;

EnvelopeContext collection_record_context(const WorkspaceId& ws, const CollectionId& c) {
  return EnvelopeContext{ContentKind::collection_metadata, ws, c, PageId{}, 0, Hash256{}};
}

// The key that seals this device's local store: only the unlocked account can read it.
Secret local_store_key(const AccountKeys& keys) {
  return derive_subkey(Secret::from_bytes(keys.x25519_secret.reveal()), "zkwlocal");
}

}  // namespace

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

void Client::Impl::follow_blob_url(const std::string& url) {
  api.set_blob_transport(nullptr);
  blob_transport.reset();
  if (url.empty() || !options.connect_url) return;
  auto t = options.connect_url(url);
  if (!t || !*t) return;  // e.g. an https:// cache this transport cannot speak: use the server
  blob_transport = std::move(*t);
  api.set_blob_transport(blob_transport.get());
}
Client::~Client() = default;

std::int64_t Client::Impl::now_ms() const {
  if (options.now_ms) return options.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

LocalStore& Client::device_store_for_testing() { return impl_->sealed_device->inner(); }

const AccountId& Client::account_id() const { return impl_->record.id; }
bool Client::offline() const { return impl_->offline; }
const WorkspaceId& Client::workspace_id() const { return impl_->workspace; }
std::string Client::fingerprint() const { return impl_->keys.public_keys.fingerprint(); }

Result<std::unique_ptr<Client>> Client::create_account(Transport& transport, std::unique_ptr<LocalStore> device,
                                                       std::string_view passphrase, std::string& recovery_key,
                                                       const KdfParams& kdf, ClientOptions options) {
  ZKWIKI_ASSIGN(NewAccount account, zkwiki::create_account(passphrase, kdf, options.kdf_policy));
  auto impl = std::make_unique<Impl>(transport, std::move(options));
  ZKWIKI_TRY(impl->api.create_account(account.record));
  ZKWIKI_ASSIGN(ServerSession session, impl->api.login(account.record.id, account.login));
  impl->follow_blob_url(session.blob_url);

  // A default workspace with one collection, "notes", whose first key generation is wrapped to
  // the owner and signed by the owner.
  WorkspaceId ws = WorkspaceId::random();
  CollectionId notes = CollectionId::random();
  ZKWIKI_TRY(impl->api.create_workspace(ws, sign_workspace_record(ws, notes, account.keys).encode()));
  Keyset keyset = Keyset::create(KeyScope::for_collection(ws, notes));
  std::string name = "notes";
  ZKWIKI_ASSIGN(Bytes sealed_name, seal_envelope(collection_record_context(ws, notes), keyset, internal::as_bytes(name)));
  ZKWIKI_TRY(impl->api.create_collection(ws, notes, sealed_name));
  ZKWIKI_ASSIGN(Bytes wrapped, wrap_generation(keyset, 1, account.keys.public_keys, account.keys));
  ZKWIKI_TRY(impl->api.put_wrapped_key(ws, notes, account.record.id, 1, wrapped));

  recovery_key = account.recovery_key;
  ZKWIKI_ASSIGN(impl->sealed_device, SealedLocalStore::open(std::move(device), local_store_key(account.keys)));
  impl->record = std::move(account.record);
  impl->keys = std::move(account.keys);
  impl->login = std::move(account.login);
  impl->workspace = ws;
  impl->default_collection = notes;
  impl->trusted_authors.insert(impl->keys.public_keys.ed25519);
  ZKWIKI_TRY(impl->cache_wraps(notes, {wrapped}));
  impl->keysets.emplace(notes, std::move(keyset));
  ZKWIKI_TRY(impl->cache_for_offline(impl->record.id));
  ZKWIKI_TRY(impl->load_pages());
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Result<std::unique_ptr<Client>> Client::login(Transport& transport, std::unique_ptr<LocalStore> device,
                                              const AccountId& account,
                                              std::string_view passphrase, ClientOptions options) {
  if (!device) return make_error(Errc::invalid_argument, "login needs a device store");
  auto impl = std::make_unique<Impl>(transport, std::move(options));
  // The record as this device last verified it: what opens the account without the server.
  ZKWIKI_ASSIGN(auto kept, device_account_record(*device, account));
  auto unreachable = [&](const Error& e) -> Result<void> {
    if (kept) return {};
    return make_error(Errc::io, "the server is unreachable (" + e.message +
                                    ") and this device has not logged in to this account before, so it cannot "
                                    "start offline: log in once with the server reachable");
  };
  AccountRecord record;
  if (auto fetched = impl->api.get_account(account); fetched) {
    record = std::move(fetched).value();
  } else if (fetched.error().code == Errc::io) {
    ZKWIKI_TRY(unreachable(fetched.error()));
    ZKWIKI_ASSIGN(record, AccountRecord::decode(*kept));
    if (record.id != account) return make_error(Errc::auth_failed, "the account record kept on this device is another account's");
    impl->offline = true;
    impl->offline_reason = fetched.error().message;
  } else {
    return std::move(fetched).error();
  }
  // Refuses KDF parameters below the floor before any work (a downgrading server, or a record
  // changed on this device's disk).
  ZKWIKI_ASSIGN(UnlockedAccount unlocked, unlock_account(record, passphrase, impl->options.kdf_policy));
  impl->record = std::move(record);
  impl->keys = std::move(unlocked.keys);
  impl->login = std::move(unlocked.login);
  impl->trusted_authors.insert(impl->keys.public_keys.ed25519);
  ZKWIKI_ASSIGN(impl->sealed_device, SealedLocalStore::open(std::move(device), local_store_key(impl->keys)));
  ZKWIKI_TRY(impl->load_trusted());

  if (!impl->offline) {
    // The server can still go away in the middle of this: the device then opens offline.
    auto online = [&]() -> Result<AccountId> {
      ZKWIKI_ASSIGN(ServerSession session, impl->api.login(impl->record.id, impl->login));
      impl->follow_blob_url(session.blob_url);
      return impl->open_workspace();
    }();
    if (online) {
      ZKWIKI_TRY(impl->cache_for_offline(*online));
    } else if (online.error().code == Errc::io) {
      ZKWIKI_TRY(unreachable(online.error()));
      impl->offline = true;
      impl->offline_reason = online.error().message;
    } else {
      return std::move(online).error();
    }
  }
  if (impl->offline) ZKWIKI_TRY(impl->open_cached_workspace());
  ZKWIKI_TRY(impl->load_pages());
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

// The workspace asked for, else the one this account owns, else the first it belongs to; its
// keys and grants.
Result<AccountId> Client::Impl::open_workspace() {
  ZKWIKI_ASSIGN(auto workspaces, api.list_workspaces());
  if (workspaces.empty()) return make_error(Errc::not_found, "this account has no workspace on the server");
  std::optional<WorkspaceRecord> chosen;
  for (const auto& ws : workspaces) {
    if (options.workspace && ws != *options.workspace) continue;
    ZKWIKI_ASSIGN(WorkspaceRecord decoded, fetch_workspace_record(ws));
    const bool mine = decoded.owner == record.id;
    if (!chosen || mine) chosen = decoded;
    if (mine || options.workspace) break;
  }
  if (!chosen) return make_error(Errc::not_found, "this account is not a member of workspace " + options.workspace->hex());
  workspace = chosen->workspace;
  ZKWIKI_TRY(adopt_workspace_record(*chosen));
  bool own = chosen->owner == record.id;
  ZKWIKI_TRY(load_keysets());
  // In a workspace shared with this account, keys wrapped by the owner are used once the owner
  // is trusted (Client::trust); in its own workspace, its own key must be there.
  if (own && keyset_for(default_collection) == nullptr)
    return make_error(Errc::forbidden, "no key for the workspace's default collection was found for this account");
  ZKWIKI_TRY(load_grants());
  return chosen->owner;
}

Result<WorkspaceRecord> Client::Impl::fetch_workspace_record(const WorkspaceId& ws) {
  ZKWIKI_ASSIGN(Bytes bytes, api.get_workspace_record(ws));
  auto decoded = WorkspaceRecord::decode(bytes);
  if (!decoded) return Error{decoded.error().code, "workspace " + ws.hex() + ": " + decoded.error().message};
  if (decoded->workspace != ws)
    return make_error(Errc::auth_failed, "the record served for workspace " + ws.hex() + " is another workspace's");
  return std::move(decoded).value();
}

Result<void> Client::Impl::adopt_workspace_record(const WorkspaceRecord& ws) {
  // Signed by the owner as this device knows them: itself, or an owner verified by fingerprint.
  std::optional<std::array<std::uint8_t, 32>> owner_key;
  if (ws.owner == record.id) {
    owner_key = keys.public_keys.ed25519;
  } else {
    ZKWIKI_ASSIGN(auto trusted, store().get(kStateTable, "trusted:" + ws.owner.hex()));
    if (trusted && trusted->size() == 32) {
      owner_key.emplace();
      std::copy(trusted->begin(), trusted->end(), owner_key->begin());
    }
  }
  if (!owner_key) {
    // Nothing of an owner this device does not trust is used (its keys are quarantined too):
    // new pages wait until Client::trust verifies them and this record.
    default_collection = CollectionId{};
    return {};
  }
  if (ws.owner_key != *owner_key)
    return make_error(Errc::auth_failed, "the record of workspace " + ws.workspace.hex() +
                                             " is not signed by its owner's key as this device knows it "
                                             "(changed by the server?)");
  default_collection = ws.default_collection;
  return {};
}

Result<std::unique_ptr<Client>> Client::recover(Transport& transport, std::unique_ptr<LocalStore> device,
                                                const AccountId& account, std::string_view recovery_key,
                                                std::string_view new_passphrase, const KdfParams& kdf,
                                                ClientOptions options) {
  ApiClient api(transport);
  ZKWIKI_ASSIGN(AccountRecord record, api.get_account(account));
  // recover_account checks that the record's public keys are those of the unwrapped secrets,
  // so a server cannot swap in keys of its own here.
  ZKWIKI_ASSIGN(AccountKeys keys, recover_account(record, recovery_key));
  ZKWIKI_ASSIGN(AccountRecord next, zkwiki::change_passphrase(record, keys, new_passphrase, kdf, options.kdf_policy));
  ZKWIKI_TRY(api.recover_account(next, keys.ed25519_secret));
  return login(transport, std::move(device), account, new_passphrase, std::move(options));
}

Result<void> Client::change_passphrase(std::string_view new_passphrase, const KdfParams& kdf) {
  ZKWIKI_ASSIGN(AccountRecord next,
                zkwiki::change_passphrase(impl_->record, impl_->keys, new_passphrase, kdf, impl_->options.kdf_policy));
  ZKWIKI_TRY(impl_->api.update_account(next));
  impl_->record = std::move(next);
  return {};
}

// ---- trust ----

Result<void> Client::Impl::load_trusted() {
  trusted_authors.insert(keys.public_keys.ed25519);
  ZKWIKI_ASSIGN(auto rows, store().scan(kStateTable, "trusted:"));
  for (const auto& [k, v] : rows) {
    if (v.size() != 32) return make_error(Errc::malformed, "local trust state is damaged");
    std::array<std::uint8_t, 32> key{};
    std::copy(v.begin(), v.end(), key.begin());
    trusted_authors.insert(key);
  }
  return {};
}

namespace {
std::string canonical_fingerprint(std::string_view f) {
  std::string out;
  for (char c : f)
    if (c != '-' && c != ' ') out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}
}  // namespace

Result<PublicKeys> Client::Impl::verified_keys(const AccountId& other, std::string_view expected_fingerprint) {
  ZKWIKI_ASSIGN(AccountRecord rec, api.get_account(other));
  if (canonical_fingerprint(rec.public_keys.fingerprint()) != canonical_fingerprint(expected_fingerprint))
    return make_error(Errc::auth_failed, "the server's copy of account " + other.hex() + " has fingerprint " +
                                             rec.public_keys.fingerprint() + ", not " + std::string(expected_fingerprint) +
                                             ": a substituted key, or a mistyped fingerprint; nothing was shared");
  return rec.public_keys;
}

Result<std::string> Client::fingerprint_of(const AccountId& other) {
  ZKWIKI_ASSIGN(AccountRecord rec, impl_->api.get_account(other));
  return rec.public_keys.fingerprint();
}

Result<void> Client::trust(const AccountId& other, std::string_view expected_fingerprint) {
  Impl& im = *impl_;
  ZKWIKI_ASSIGN(PublicKeys keys, im.verified_keys(other, expected_fingerprint));
  ZKWIKI_TRY(im.store().put(kStateTable, "trusted:" + other.hex(), keys.ed25519));
  ZKWIKI_TRY(im.store().put(kStateTable, "trustedpub:" + other.hex(), keys.x25519));
  im.trusted_authors.insert(keys.ed25519);
  if (im.default_collection.is_zero() && !im.agent && !im.offline) {
    // The workspace's owner, trusted now: its record gives the default collection.
    ZKWIKI_ASSIGN(WorkspaceRecord ws, im.fetch_workspace_record(im.workspace));
    ZKWIKI_TRY(im.adopt_workspace_record(ws));
    // An offline login later goes by what this device verified now.
    if (!im.default_collection.is_zero()) ZKWIKI_TRY(im.cache_for_offline(ws.owner));
  }
  ZKWIKI_TRY(im.load_keysets());
  return im.load_grants();
}

Result<void> Client::share(const AccountId& member, std::string_view expected_fingerprint, std::string_view role) {
  Impl& im = *impl_;
  if (role != "write" && role != "read" && role != "admin")
    return make_error(Errc::invalid_argument, "role must be read, write or admin");
  ZKWIKI_ASSIGN(PublicKeys keys, im.verified_keys(member, expected_fingerprint));
  ZKWIKI_TRY(im.api.put_member(im.workspace, member, role));
  for (const auto& [c, keyset] : im.keysets)
    for (std::uint32_t g : keyset.generations()) {
      ZKWIKI_ASSIGN(Bytes wrapped, wrap_generation(keyset, g, keys, im.keys));
      ZKWIKI_TRY(im.api.put_wrapped_key(im.workspace, c, member, g, wrapped));
    }
  ZKWIKI_TRY(im.store().put(kStateTable, "trusted:" + member.hex(), keys.ed25519));
  ZKWIKI_TRY(im.store().put(kStateTable, "trustedpub:" + member.hex(), keys.x25519));
  im.trusted_authors.insert(keys.ed25519);
  return {};
}

Result<void> Client::Impl::load_keysets() {
  key_notices.clear();
  if (offline) {
    ZKWIKI_ASSIGN(auto kept, cached_wraps());
    for (const auto& [c, wraps] : kept) {
      std::vector<WrappedKeyEntry> entries;
      for (const Bytes& w : wraps) entries.push_back(WrappedKeyEntry{record.id, 0, w});
      ZKWIKI_TRY(install_keyset(c, entries, nullptr));
    }
    return {};
  }
  ZKWIKI_ASSIGN(auto collections, api.list_collections(workspace));
  for (const auto& [c, _] : collections) {
    ZKWIKI_ASSIGN(auto wraps, api.list_wrapped_keys(workspace, c));
    // An agent starts from the generations its grant carried; the server adds any re-wrapped
    // to its grant since (a rotation).
    for (const auto& w : grant_wraps)
      if (std::equal(c.bytes.begin(), c.bytes.end(), w.begin() + 22)) wraps.push_back(WrappedKeyEntry{{}, 0, w});
    std::vector<Bytes> verified;
    ZKWIKI_TRY(install_keyset(c, wraps, &verified));
    ZKWIKI_TRY(cache_wraps(c, verified));
  }
  return {};
}

Result<void> Client::Impl::install_keyset(const CollectionId& c, const std::vector<WrappedKeyEntry>& wraps,
                                          std::vector<Bytes>* verified) {
  Keyset keyset(KeyScope::for_collection(workspace, c));
  for (const auto& entry : wraps) {
    const Bytes& w = entry.wrapped;
    auto u = unwrap_generation(w, keyset.scope(), keys);
    const std::string id = "key:" + c.hex() + "/" + std::to_string(u ? u->generation : entry.generation);
    if (!u) {
      ZKWIKI_TRY(quarantine(id, u.error().message));
      continue;
    }
    // Only keys wrapped by a trusted account (this one, or one trusted with Client::trust) are
    // used: a server could wrap a key of its own to us and sign it with a key of its own.
    if (!trusted_authors.contains(u->granter)) {
      ZKWIKI_TRY(quarantine(id, "wrapped by an account this device does not trust"));
      continue;
    }
    std::uint32_t generation = u->generation;
    bool primary = u->primary;
    ZKWIKI_TRY(keyset.insert(generation, std::move(u->key), primary));
    ZKWIKI_TRY(store().erase(kStateTable, "quarantine:" + id));
    if (verified) verified->push_back(w);
  }
  // A generation this device verified before and the server no longer lists was withheld (or
  // this account's wrap removed): the keyset still opens what it can, but nothing new is
  // sealed under an older generation (sealing_keyset).
  const std::uint32_t top = keyset.empty() ? 0 : keyset.generations().back();
  ZKWIKI_ASSIGN(std::uint32_t newest, newest_generation(c));
  if (top > newest) ZKWIKI_TRY(note_generation(c, top));
  if (newest > top) {
    const std::string id = "key:" + c.hex() + "/" + std::to_string(newest);
    const std::string why = "generation " + std::to_string(newest) +
                            ", which this device verified before, is missing from the keys the server lists "
                            "(withheld?): nothing new is written to this collection until it is back";
    ZKWIKI_TRY(quarantine(id, why));
    key_notices.push_back(id + ": " + why);
  }
  if (!keyset.empty()) keysets.insert_or_assign(c, std::move(keyset));
  return {};
}

Result<std::uint32_t> Client::Impl::newest_generation(const CollectionId& c) {
  if (auto it = newest_generations.find(c); it != newest_generations.end()) return it->second;
  ZKWIKI_ASSIGN(auto v, store().get(kStateTable, "keygen:" + c.hex()));
  std::uint32_t g = 0;
  if (v) {
    auto [end, ec] = std::from_chars(reinterpret_cast<const char*>(v->data()),
                                     reinterpret_cast<const char*>(v->data() + v->size()), g);
    if (ec != std::errc() || end != reinterpret_cast<const char*>(v->data() + v->size()))
      return make_error(Errc::malformed, "local key state is damaged");
  }
  newest_generations[c] = g;
  return g;
}

Result<void> Client::Impl::note_generation(const CollectionId& c, std::uint32_t generation) {
  ZKWIKI_ASSIGN(std::uint32_t newest, newest_generation(c));
  if (generation <= newest) return {};
  std::string s = std::to_string(generation);
  ZKWIKI_TRY(store().put(kStateTable, "keygen:" + c.hex(), internal::as_bytes(s)));
  newest_generations[c] = generation;
  return {};
}

Result<const Keyset*> Client::Impl::sealing_keyset(const CollectionId& c) {
  if (c.is_zero())  // the default collection of a workspace whose record is not verified yet
    return make_error(Errc::forbidden, "this device does not trust the owner of this workspace yet, so it has not "
                                       "verified where new pages go: trust them first (zkwiki trust)");
  const Keyset* keyset = keyset_for(c);
  if (keyset == nullptr) return make_error(Errc::unknown_key, "no key for collection " + c.hex());
  ZKWIKI_ASSIGN(std::uint32_t newest, newest_generation(c));
  if (keyset->primary_generation() < newest)
    return make_error(Errc::unknown_key,
                      "collection " + c.hex() + " has key generation " + std::to_string(newest) +
                          " (this device has seen it), but this device holds generation " +
                          std::to_string(keyset->primary_generation()) +
                          " as its newest key: the server withheld the new key, or it was not wrapped to this "
                          "account; nothing was written (a member who has the new key can re-share it)");
  return keyset;
}

const Keyset* Client::Impl::keyset_for(const CollectionId& c) const {
  auto it = keysets.find(c);
  return it == keysets.end() ? nullptr : &it->second;
}

// ---- local state ----

json local_page_json(const LocalPage& p) {
  return json{{"id", p.id.hex()},       {"collection", p.collection.hex()}, {"revision", p.revision},
              {"head", p.head.hex()},   {"path", p.path},                   {"title", p.title},
              {"tags", p.tags},         {"links", p.links},                 {"modified_ms", p.modified_ms},
              {"size", p.size},         {"deleted", p.deleted}};
}

Result<LocalPage> local_page_from_json(const json& j) {
  LocalPage p;
  auto id = PageId::from_hex(j.value("id", ""));
  auto c = CollectionId::from_hex(j.value("collection", ""));
  auto h = Hash256::from_hex(j.value("head", ""));
  if (!id || !c || !h) return make_error(Errc::malformed, "local page state is damaged");
  p.id = *id;
  p.collection = *c;
  p.head = *h;
  p.revision = j.value("revision", std::uint64_t{0});
  p.path = j.value("path", "");
  p.title = j.value("title", "");
  p.tags = j.value("tags", std::vector<std::string>{});
  p.links = j.value("links", std::vector<std::string>{});
  p.modified_ms = j.value("modified_ms", std::int64_t{0});
  p.size = j.value("size", std::uint64_t{0});
  p.deleted = j.value("deleted", false);
  return p;
}

Result<void> Client::Impl::load_pages() {
  pages.clear();
  by_path.clear();
  ids_at_path.clear();
  shown_at.clear();
  ZKWIKI_ASSIGN(auto rows, store().scan(kPagesTable));
  for (const auto& [key, value] : rows) {
    json j = internal::parse_json(value);
    if (j.is_discarded()) return make_error(Errc::malformed, "local page state is damaged");
    ZKWIKI_ASSIGN(LocalPage p, local_page_from_json(j));
    index_page(p);
  }
  return {};
}

void Client::Impl::index_page(const LocalPage& page) {
  std::optional<std::string> moved_from;
  if (auto old = pages.find(page.id); old != pages.end() && old->second.path != page.path) moved_from = old->second.path;
  pages[page.id] = page;
  if (moved_from) {
    ids_at_path[*moved_from].erase(page.id);
    reindex_path(*moved_from);
  }
  ids_at_path[page.path].insert(page.id);
  reindex_path(page.path);
}

void Client::Impl::reindex_path(const std::string& path) {
  std::set<PageId>& ids = ids_at_path[path];
  auto unshow = [&](const PageId& id) {
    auto s = shown_at.find(id);
    if (s == shown_at.end()) return;
    if (auto b = by_path.find(s->second); b != by_path.end() && b->second == id) by_path.erase(b);
    shown_at.erase(s);
  };
  for (const PageId& id : ids) unshow(id);
  // A page that moved away from `path` may still be shown there until its new path is indexed.
  if (auto b = by_path.find(path); b != by_path.end() && !ids.contains(b->second)) unshow(b->second);
  auto show = [&](const std::string& key, const PageId& id) {
    if (auto b = by_path.find(key); b != by_path.end()) unshow(b->second);
    by_path[key] = id;
    shown_at[id] = key;
  };
  std::vector<PageId> live;
  for (const PageId& id : ids)
    if (!pages.at(id).deleted) live.push_back(id);  // in id order: the same on every device
  if (live.empty()) {
    if (!ids.empty()) show(path, *ids.rbegin());  // a deleted page: its history stays readable
    return;
  }
  show(path, live.front());
  for (std::size_t i = 1; i < live.size(); ++i) {
    std::string alias = path + "~" + live[i].hex().substr(0, 8);
    if (by_path.contains(alias)) alias = path + "~" + live[i].hex();
    show(alias, live[i]);
  }
}

Result<void> Client::Impl::save_page(const LocalPage& page) {
  std::string text = local_page_json(page).dump();
  ZKWIKI_TRY(store().put(kPagesTable, page.id.hex(), internal::as_bytes(text)));
  index_page(page);
  return {};
}

Result<std::uint64_t> Client::Impl::last_seq() {
  ZKWIKI_ASSIGN(auto v, store().get(kStateTable, "seq"));
  if (!v) return std::uint64_t{0};
  std::uint64_t seq = 0;
  auto [end, ec] = std::from_chars(reinterpret_cast<const char*>(v->data()),
                                   reinterpret_cast<const char*>(v->data() + v->size()), seq);
  if (ec != std::errc() || end != reinterpret_cast<const char*>(v->data() + v->size()))
    return make_error(Errc::malformed, "local sync state is damaged");
  return seq;
}

Result<void> Client::Impl::set_last_seq(std::uint64_t seq) {
  std::string s = std::to_string(seq);
  return store().put(kStateTable, "seq", internal::as_bytes(s));
}

Result<void> Client::Impl::quarantine(const std::string& id, const std::string& why) {
  std::string key = "quarantine:" + id;
  return store().put(kStateTable, key, internal::as_bytes(why));
}

}  // namespace zkwiki

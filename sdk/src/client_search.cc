// Client: the search index of each collection — kept current with this device's pages, sealed
// into segments and a manifest (search_manifest.h), synced through the server like a page head.
#include <algorithm>
#include <set>

#include "client_impl.h"
#include "internal.h"
#include "zkwiki/primitives.h"
#include "zkwiki/search_manifest.h"

namespace zkwiki {
namespace {

using json = nlohmann::json;

bool transient(const Error& e) { return e.code == Errc::io || e.code == Errc::expired; }
constexpr int kMaxManifestAttempts = 8;

// A segment as this device holds it: sealed in the objects table under its blob id.
struct SegmentRef {
  Hash256 blob;
  std::uint64_t size = 0;
  std::uint64_t seq = 0;
  bool uploaded = false;
};

Hash256 plain_hash(std::span<const std::uint8_t> b) {
  Hash256 h;
  h.bytes = primitives::blake2b_256({b});
  return h;
}

}  // namespace

struct CollectionSearch {
  CollectionId collection;
  Keyset keys{KeyScope{}};
  SearchIndex index;
  std::map<Hash256, SegmentRef> refs;  // by the hash of the segment's plaintext
  std::vector<Hash256> published;      // the segments of the last manifest seen or written
  std::optional<std::uint64_t> manifest_revision;
  Hash256 manifest_head;
  std::uint64_t feed_seq = 0;
  bool uploaded = true;
  bool rebuilt = false;
  bool untrusted_writer = false;  // the server's manifest is signed by an author this device does not trust
  std::vector<std::string> notices;
};

struct SearchState {
  std::map<CollectionId, CollectionSearch> collections;
};

Client::Impl::Impl(Transport& t, ClientOptions o) : transport(t), api(t), options(std::move(o)) {}
Client::Impl::~Impl() = default;

void Client::Impl::keep_opened(const Hash256& head, PageContent content) {
  const std::size_t n = content.body.size() + content.meta.path.size() + content.meta.title.size();
  if (opened_bytes + n > kMaxOpenedBytes || opened.contains(head)) return;
  opened_bytes += n;
  opened.emplace(head, std::move(content));
}

std::optional<PageContent> Client::Impl::take_opened(const Hash256& head) {
  auto it = opened.find(head);
  if (it == opened.end()) return std::nullopt;
  PageContent c = std::move(it->second);
  opened.erase(it);
  opened_bytes -= std::min(opened_bytes, c.body.size() + c.meta.path.size() + c.meta.title.size());
  return c;
}

namespace {

std::string state_key(const CollectionId& c) { return "search:" + c.hex(); }

std::vector<SegmentRef> ordered_refs(CollectionSearch& cs) {
  std::vector<SegmentRef> out;
  auto infos = cs.index.segments();
  for (std::size_t i = 0; i < infos.size(); ++i) {
    auto it = cs.refs.find(plain_hash(cs.index.segment_bytes(i)));
    if (it != cs.refs.end()) out.push_back(it->second);
  }
  return out;
}

Result<void> save_state(Client::Impl& im, CollectionSearch& cs) {
  json j;
  j["feed_seq"] = cs.feed_seq;
  if (cs.manifest_revision) {
    j["manifest_revision"] = *cs.manifest_revision;
    j["manifest_head"] = cs.manifest_head.hex();
  }
  j["published"] = json::array();
  for (const auto& b : cs.published) j["published"].push_back(b.hex());
  j["segments"] = json::array();
  for (const auto& r : ordered_refs(cs))
    j["segments"].push_back({{"blob", r.blob.hex()}, {"size", r.size}, {"seq", r.seq}, {"uploaded", r.uploaded}});
  std::string text = j.dump();
  return im.store().put(kStateTable, state_key(cs.collection), internal::as_bytes(text));
}

// Seals every segment this device does not hold sealed yet, and forgets merged-away ones.
Result<void> persist_segments(Client::Impl& im, CollectionSearch& cs) {
  cs.index.flush();
  std::map<Hash256, SegmentRef> next;
  auto infos = cs.index.segments();
  for (std::size_t i = 0; i < infos.size(); ++i) {
    auto bytes = cs.index.segment_bytes(i);
    Hash256 h = plain_hash(bytes);
    if (auto it = cs.refs.find(h); it != cs.refs.end()) {
      next.emplace(h, it->second);
      continue;
    }
    ZKWIKI_ASSIGN(Bytes envelope, seal_envelope(segment_context(im.workspace, cs.collection, infos[i].seq), cs.keys, bytes));
    SegmentRef ref{blob_id(envelope), envelope.size(), infos[i].seq, false};
    ZKWIKI_TRY(im.store().put(kObjectsTable, ref.blob.hex(), envelope));
    next.emplace(h, ref);
  }
  cs.refs = std::move(next);
  return save_state(im, cs);
}

// Opens the sealed segments named, from this device's objects (fetching missing ones from the
// server when `fetch`), in order. Any missing or corrupt segment is an error naming it.
Result<std::vector<Bytes>> open_segments(Client::Impl& im, CollectionSearch& cs, const std::vector<SegmentRef>& refs,
                                         bool fetch) {
  std::vector<std::optional<Bytes>> envelopes(refs.size());
  std::vector<Hash256> wanted;
  for (std::size_t i = 0; i < refs.size(); ++i) {
    ZKWIKI_ASSIGN(auto have, im.store().get(kObjectsTable, refs[i].blob.hex()));
    if (have) envelopes[i] = std::move(*have);
    else wanted.push_back(refs[i].blob);
  }
  if (!wanted.empty()) {
    if (!fetch) return make_error(Errc::not_found, "index segment " + wanted[0].hex() + " is missing on this device");
    ZKWIKI_ASSIGN(auto blobs, im.api.get_blobs(wanted));  // each checked against its id
    for (std::size_t i = 0, w = 0; i < refs.size(); ++i) {
      if (envelopes[i]) continue;
      if (!blobs[w]) return make_error(Errc::not_found, "index segment " + refs[i].blob.hex() + " is missing on the server");
      ZKWIKI_TRY(im.store().put(kObjectsTable, refs[i].blob.hex(), *blobs[w]));
      envelopes[i] = std::move(*blobs[w]);
      ++w;
    }
  }
  std::vector<Bytes> out;
  for (std::size_t i = 0; i < refs.size(); ++i) {
    const std::string name = "index segment " + refs[i].blob.hex().substr(0, 16);
    if (blob_id(*envelopes[i]) != refs[i].blob || envelopes[i]->size() != refs[i].size)
      return make_error(Errc::auth_failed, name + " does not match its id");
    auto plain = open_envelope(segment_context(im.workspace, cs.collection, refs[i].seq), cs.keys, *envelopes[i]);
    if (!plain) return make_error(plain.error().code, name + ": " + plain.error().message);
    auto info = inspect_segment(*plain);
    if (!info) return make_error(info.error().code, name + ": " + info.error().message);
    if (info->seq != refs[i].seq) return make_error(Errc::malformed, name + " is not the segment the manifest names");
    out.push_back(std::move(plain).value());
  }
  return out;
}

struct RemoteManifest {
  RevisionRecord record;
  SearchManifest manifest;
};

// A record that is what the server says and validly signed, but by a key that is neither a
// member this device trusts nor an agent of one: another member's write, not a forgery to report.
bool signed_by_untrusted_author(Client::Impl& im, const CollectionId& c, const PageId& p, const Hash256& rev) {
  auto bytes = im.api.get_revision(im.workspace, c, p, rev);  // hash-checked
  if (!bytes) return false;
  auto rec = RevisionRecord::decode(*bytes);  // signature
  return rec && rec->workspace == im.workspace && rec->collection == c && rec->page == p && !im.check_author(*rec);
}

// The collection's manifest on the server, verified: record signature and author, ids, a chain
// that follows what this device saw (no rollback, no fork), the envelope's hash and seal.
// nullopt: there is none, or it is the one this device already has.
Result<std::optional<RemoteManifest>> fetch_manifest(Client::Impl& im, CollectionSearch& cs) {
  PageId mp = search_manifest_page(im.workspace, cs.collection);
  auto head = im.api.get_head(im.workspace, cs.collection, mp);
  if (!head) {
    if (head.error().code == Errc::not_found) return std::optional<RemoteManifest>{};
    return std::move(head).error();
  }
  const std::string what = "the search index of collection " + cs.collection.hex().substr(0, 8);
  auto fetched = im.fetch_record(cs.collection, mp, head->revision);
  cs.untrusted_writer = !fetched && signed_by_untrusted_author(im, cs.collection, mp, head->revision);
  if (cs.untrusted_writer)
    return make_error(Errc::auth_failed, what + " on the server was last written by an account this device does not "
                                                "trust: this device's index stays here until it trusts them");
  if (!fetched) return std::move(fetched).error();
  RevisionRecord rec = std::move(fetched).value();
  if (cs.manifest_revision) {
    ZKWIKI_ASSIGN(bool newer, im.check_follows(*cs.manifest_revision, cs.manifest_head, rec, what));
    if (!newer) return std::optional<RemoteManifest>{};
  }
  auto cached = im.store().get(kObjectsTable, rec.envelope_id.hex());
  Bytes envelope;
  if (cached && *cached) {
    envelope = std::move(**cached);
  } else {
    ZKWIKI_ASSIGN(envelope, im.api.get_blob(rec.envelope_id));
  }
  ZKWIKI_TRY(verify_envelope(rec, envelope));
  auto plain = open_envelope(manifest_context(im.workspace, cs.collection, rec.revision, rec.parent), cs.keys, envelope);
  if (!plain) return make_error(plain.error().code, what + ": " + plain.error().message);
  ZKWIKI_ASSIGN(SearchManifest m, SearchManifest::decode(*plain));
  if (m.collection != cs.collection) return make_error(Errc::auth_failed, what + " names another collection");
  ZKWIKI_TRY(im.store().put(kObjectsTable, rec.envelope_id.hex(), envelope));
  return std::optional<RemoteManifest>(RemoteManifest{std::move(rec), std::move(m)});
}

// Takes another device's manifest: its segments, then this device's segments made since the
// manifest it last saw (those in neither are kept; those it merged away are dropped).
Result<void> adopt(Client::Impl& im, CollectionSearch& cs, const RemoteManifest& remote) {
  std::vector<SegmentRef> theirs;
  for (const auto& s : remote.manifest.segments) theirs.push_back(SegmentRef{s.blob, s.envelope_size, s.seq, true});
  ZKWIKI_ASSIGN(std::vector<Bytes> plains, open_segments(im, cs, theirs, true));
  std::map<Hash256, SegmentRef> refs;
  for (std::size_t i = 0; i < plains.size(); ++i) refs.emplace(plain_hash(plains[i]), theirs[i]);
  auto mine = ordered_refs(cs);
  auto infos = cs.index.segments();
  for (std::size_t i = 0; i < infos.size(); ++i) {
    auto bytes = cs.index.segment_bytes(i);
    auto it = cs.refs.find(plain_hash(bytes));
    if (it == cs.refs.end()) continue;
    const Hash256& blob = it->second.blob;
    bool listed = std::find(cs.published.begin(), cs.published.end(), blob) != cs.published.end() ||
                  std::any_of(theirs.begin(), theirs.end(), [&](const SegmentRef& r) { return r.blob == blob; });
    if (listed) continue;
    refs.emplace(it->first, it->second);
    plains.emplace_back(bytes.begin(), bytes.end());
  }
  ZKWIKI_TRY(cs.index.set_segments(std::move(plains)));
  cs.refs = std::move(refs);
  cs.published.clear();
  for (const auto& s : remote.manifest.segments) cs.published.push_back(s.blob);
  cs.manifest_revision = remote.record.revision;
  cs.manifest_head = remote.record.hash();
  cs.feed_seq = remote.manifest.feed_seq;
  return save_state(im, cs);
}

// Indexes what this device knows at a newer revision than the index, and drops deleted pages.
// With `fetch`, pages whose text is not on this device are fetched (a rebuild).
Result<std::uint64_t> catch_up(Client::Impl& im, CollectionSearch& cs, bool fetch) {
  std::uint64_t changed = 0;
  for (const auto& [id, page] : im.pages) {
    if (page.collection != cs.collection) continue;
    auto indexed = cs.index.revision_of(id);
    if (page.deleted) {
      if (indexed && *indexed < page.revision) {
        cs.index.remove(id, page.revision);
        ++changed;
      }
      continue;
    }
    if (indexed && *indexed >= page.revision) continue;
    if (auto gone = cs.index.deleted_revision(id); gone && *gone >= page.revision) continue;
    // Text this client sealed or opened for exactly this head record (an import, a sync).
    if (auto kept = im.take_opened(page.head)) {
      ZKWIKI_TRY(cs.index.put(SearchDocument{id, page.revision, kept->meta.path, kept->meta.title, kept->meta.tags,
                                             kept->body}));
      ++changed;
      continue;
    }
    if (!fetch) {
      auto have = im.store().get(kRecordsTable, page.head.hex());
      if (!have || !*have) continue;
    }
    auto rec = im.fetch_record(page.collection, id, page.head);
    if (!rec) {
      if (transient(rec.error())) return std::move(rec).error();
      continue;
    }
    if (!fetch) {
      auto have = im.store().get(kObjectsTable, rec->envelope_id.hex());
      if (!have || !*have) continue;
    }
    auto content = im.open_revision(*rec);
    if (!content) {
      if (transient(content.error())) return std::move(content).error();
      cs.notices.push_back(page.path + ": not indexed (" + content.error().message + ")");
      continue;
    }
    ZKWIKI_TRY(cs.index.put(SearchDocument{id, page.revision, content->meta.path, content->meta.title,
                                           content->meta.tags, content->body}));
    ++changed;
  }
  return changed;
}

Result<void> rebuild(Client::Impl& im, CollectionSearch& cs, const std::string& why) {
  cs.notices.push_back(why + "; rebuilding the index from pages");
  cs.rebuilt = true;
  cs.index.clear();
  cs.refs.clear();
  ZKWIKI_ASSIGN(std::uint64_t indexed, catch_up(im, cs, true));
  (void)indexed;
  return persist_segments(im, cs);
}

// The collection's index, loaded on first use: from this device's sealed copy, else from the
// server's manifest; rebuilt from pages when a segment is missing or corrupt.
Result<CollectionSearch*> load(Client::Impl& im, const CollectionId& c) {
  if (!im.search) im.search = std::make_unique<SearchState>();
  auto found = im.search->collections.find(c);
  if (found != im.search->collections.end()) {
    // The search keys follow the collection's keyset (a key that arrived or a rotation since).
    const Keyset* now = im.keyset_for(c);
    if (now && now->generations() != found->second.keys.generations()) found->second.keys = derive_search_keyset(*now);
    return &found->second;
  }
  const Keyset* keyset = im.keyset_for(c);
  if (keyset == nullptr) return make_error(Errc::unknown_key, "no key for collection " + c.hex());
  CollectionSearch& cs = im.search->collections[c];
  cs.collection = c;
  cs.keys = derive_search_keyset(*keyset);

  ZKWIKI_ASSIGN(auto saved, im.store().get(kStateTable, state_key(c)));
  bool ready = false;
  if (saved) {
    json j = internal::parse_json(*saved);
    if (j.is_object()) {
      cs.feed_seq = j.value("feed_seq", std::uint64_t{0});
      if (j.contains("manifest_revision")) {
        cs.manifest_revision = j.value("manifest_revision", std::uint64_t{0});
        auto h = Hash256::from_hex(j.value("manifest_head", ""));
        if (h) cs.manifest_head = *h;
      }
      for (const auto& b : j.value("published", json::array()))
        if (auto h = Hash256::from_hex(b.get<std::string>()); h) cs.published.push_back(*h);
      std::vector<SegmentRef> refs;
      bool bad = false;
      for (const auto& s : j.value("segments", json::array())) {
        auto h = Hash256::from_hex(s.value("blob", ""));
        if (!h) bad = true;
        else refs.push_back(SegmentRef{*h, s.value("size", std::uint64_t{0}), s.value("seq", std::uint64_t{0}),
                                       s.value("uploaded", false)});
      }
      auto plains = bad ? Result<std::vector<Bytes>>(make_error(Errc::malformed, "the local index state is damaged"))
                        : open_segments(im, cs, refs, true);
      if (plains) {
        std::vector<Hash256> hashes;
        for (const auto& p : *plains) hashes.push_back(plain_hash(p));
        auto set = cs.index.set_segments(std::move(plains).value());
        if (set) {
          for (std::size_t i = 0; i < refs.size(); ++i) cs.refs.emplace(hashes[i], refs[i]);
          ready = true;
        } else {
          ZKWIKI_TRY(rebuild(im, cs, set.error().message));
          ready = true;
        }
      } else if (transient(plains.error())) {
        return std::move(plains).error();
      } else {
        ZKWIKI_TRY(rebuild(im, cs, plains.error().message));
        ready = true;
      }
    }
  }
  if (!ready) {
    auto remote = fetch_manifest(im, cs);
    if (!remote && transient(remote.error())) {
      // Offline: start from this device's pages; the server's index is adopted when it answers.
      cs.uploaded = false;
      cs.notices.push_back("the server's index could not be fetched (" + remote.error().message +
                           "): using this device's pages");
    } else if (!remote) {
      if (remote.error().code == Errc::conflict) {
        im.search->collections.erase(c);
        return std::move(remote).error();
      }
      ZKWIKI_TRY(rebuild(im, cs, remote.error().message));
    } else if (*remote) {
      auto adopted = adopt(im, cs, **remote);
      if (!adopted) {
        if (transient(adopted.error())) return std::move(adopted).error();
        ZKWIKI_TRY(rebuild(im, cs, adopted.error().message));
        // The server's list is the one this rebuild replaces.
        cs.manifest_revision = (*remote)->record.revision;
        cs.manifest_head = (*remote)->record.hash();
      }
    }
  }
  return &cs;
}

// The loaded index, brought up to date with what this device knows.
Result<CollectionSearch*> current(Client::Impl& im, const CollectionId& c) {
  ZKWIKI_ASSIGN(CollectionSearch * cs, load(im, c));
  ZKWIKI_ASSIGN(std::uint64_t changed, catch_up(im, *cs, false));
  if (changed > 0) {
    ZKWIKI_TRY(persist_segments(im, *cs));
    cs->uploaded = false;  // indexed here, not on the server until maintain_index publishes it
  }
  return cs;
}

// Uploads new segments and moves the manifest (compare-and-swap; a lost race adopts the
// winner's segments and tries again).
Result<void> publish(Client::Impl& im, CollectionSearch& cs, const MergePolicy& policy) {
  PageId mp = search_manifest_page(im.workspace, cs.collection);
  // Nothing is uploaded under a generation older than the newest this device verified; segments
  // sealed here under an older one and not uploaded yet are sealed again under the primary.
  ZKWIKI_ASSIGN(const Keyset* sealing, im.sealing_keyset(cs.collection));
  if (cs.keys.primary_generation() != sealing->primary_generation()) {
    cs.keys = derive_search_keyset(*sealing);
    std::erase_if(cs.refs, [](const auto& r) { return !r.second.uploaded; });
  }
  for (int attempt = 0; attempt < kMaxManifestAttempts; ++attempt) {
    while (cs.index.merge_step(policy)) {
    }
    ZKWIKI_TRY(persist_segments(im, cs));
    auto refs = ordered_refs(cs);
    std::vector<Hash256> blobs;
    for (const auto& r : refs) blobs.push_back(r.blob);
    if (blobs == cs.published && (cs.manifest_revision || blobs.empty())) {
      cs.uploaded = true;
      return {};
    }
    for (auto& r : refs) {
      if (r.uploaded) continue;
      ZKWIKI_ASSIGN(auto envelope, im.store().get(kObjectsTable, r.blob.hex()));
      if (!envelope) return make_error(Errc::not_found, "index segment " + r.blob.hex() + " vanished from this device");
      ZKWIKI_TRY(im.api.put_blob(im.workspace, *envelope));
      for (auto& [h, ref] : cs.refs)
        if (ref.blob == r.blob) ref.uploaded = true;
    }
    ZKWIKI_TRY(save_state(im, cs));
    SearchManifest m;
    m.collection = cs.collection;
    ZKWIKI_ASSIGN(m.feed_seq, im.last_seq());
    m.pages = static_cast<std::uint32_t>(cs.index.documents());
    auto infos = cs.index.segments();
    for (std::size_t i = 0; i < refs.size() && i < infos.size(); ++i)
      m.segments.push_back(ManifestSegment{refs[i].blob, refs[i].size, refs[i].seq, infos[i].documents, infos[i].tombstones});
    std::uint64_t revision = cs.manifest_revision.value_or(0) + 1;
    Hash256 parent = cs.manifest_revision ? cs.manifest_head : Hash256{};
    EnvelopeContext ctx = manifest_context(im.workspace, cs.collection, revision, parent);
    ZKWIKI_ASSIGN(Bytes envelope, seal_envelope(ctx, cs.keys, m.encode()));
    RevisionRecord rec = sign_revision(ctx, envelope, im.keys.public_keys.ed25519, im.keys.ed25519_secret);
    Bytes record = rec.encode();
    ZKWIKI_TRY(im.api.put_blob(im.workspace, envelope));
    ZKWIKI_ASSIGN(PutHeadOutcome put,
                  im.api.put_head(im.workspace, cs.collection, mp, record,
                                  cs.manifest_revision ? std::optional<Hash256>(cs.manifest_head) : std::nullopt));
    if (put.accepted) {
      ZKWIKI_TRY(im.store().put(kRecordsTable, rec.hash().hex(), record));
      ZKWIKI_TRY(im.store().put(kObjectsTable, rec.envelope_id.hex(), envelope));
      cs.manifest_revision = revision;
      cs.manifest_head = rec.hash();
      cs.published = blobs;
      cs.feed_seq = m.feed_seq;
      cs.uploaded = true;
      return save_state(im, cs);
    }
    // Another device wrote the manifest meanwhile: take its segments, keep ours, retry.
    ZKWIKI_ASSIGN(auto remote, fetch_manifest(im, cs));
    if (remote) {
      auto adopted = adopt(im, cs, *remote);
      if (!adopted) {
        if (transient(adopted.error())) return std::move(adopted).error();
        // Their segments are unusable: replace their list with a rebuild of ours.
        ZKWIKI_TRY(rebuild(im, cs, adopted.error().message));
        cs.manifest_revision = remote->record.revision;
        cs.manifest_head = remote->record.hash();
      }
      ZKWIKI_ASSIGN(std::uint64_t caught, catch_up(im, cs, false));
      (void)caught;
    }
  }
  return make_error(Errc::conflict, "gave up after " + std::to_string(kMaxManifestAttempts) +
                                        " concurrent writes of the search manifest");
}

// Collections this device can search (those it has keys for).
std::vector<CollectionId> searchable(Client::Impl& im) {
  std::vector<CollectionId> out;
  for (const auto& [c, k] : im.keysets) out.push_back(c);
  return out;
}

Result<IndexCoverage> coverage(Client::Impl& im) {
  IndexCoverage cov;
  ZKWIKI_ASSIGN(cov.device_seq, im.last_seq());
  // Quarantined heads ("quarantine:page:<collection>/<page>@<revision>") of searchable
  // collections: not indexed until they verify (a sync retries them).
  ZKWIKI_ASSIGN(auto held, im.store().scan(kStateTable, "quarantine:page:"));
  std::set<std::string> held_pages;
  for (const auto& [key, why] : held) {
    std::string_view id = std::string_view(key).substr(16);
    auto c = CollectionId::from_hex(id.substr(0, 32));
    if (c && im.keysets.contains(*c)) held_pages.insert(std::string(id.substr(0, 65)));
  }
  cov.quarantined = held_pages.size();
  bool first = true;
  for (const CollectionId& c : searchable(im)) {
    ZKWIKI_ASSIGN(CollectionSearch * cs, current(im, c));
    std::set<PageId> local;
    for (const auto& [id, page] : im.pages) {
      if (page.collection != c || page.deleted) continue;
      local.insert(id);
      ++cov.known;
      auto r = cs->index.revision_of(id);
      if (r && *r >= page.revision) ++cov.indexed;
    }
    for (const auto& [id, rev] : cs->index.live_pages()) {
      if (local.contains(id)) continue;
      auto it = im.pages.find(id);
      if (it != im.pages.end() && it->second.deleted && it->second.revision > rev) continue;
      ++cov.known;
      ++cov.indexed;
    }
    for (const auto& s : cs->index.segments()) {
      ++cov.segments;
      cov.bytes += s.bytes;
    }
    cov.index_feed_seq = first ? cs->feed_seq : std::min(cov.index_feed_seq, cs->feed_seq);
    first = false;
    cov.uploaded = cov.uploaded && cs->uploaded;
    cov.rebuilt = cov.rebuilt || cs->rebuilt;
    cov.untrusted_writer = cov.untrusted_writer || cs->untrusted_writer;
    cov.notices.insert(cov.notices.end(), cs->notices.begin(), cs->notices.end());
  }
  return cov;
}

// Page texts from this device's store only (never the network: that would tell the server
// which pages a query matched).
class LocalTexts final : public DocumentTexts {
 public:
  explicit LocalTexts(Client::Impl& im) : im_(im) {}
  std::optional<std::string> body(const PageId& page, std::uint64_t revision) const override {
    auto content = open(page, revision);
    if (!content) return std::nullopt;
    return std::move(content->body);
  }
  std::optional<PageContent> open(const PageId& page, std::uint64_t revision) const {
    auto it = im_.pages.find(page);
    if (it == im_.pages.end() || it->second.revision != revision || it->second.deleted) return std::nullopt;
    auto rec_bytes = im_.store().get(kRecordsTable, it->second.head.hex());
    if (!rec_bytes || !*rec_bytes) return std::nullopt;
    auto rec = RevisionRecord::decode(**rec_bytes);
    if (!rec) return std::nullopt;
    auto envelope = im_.store().get(kObjectsTable, rec->envelope_id.hex());
    if (!envelope || !*envelope) return std::nullopt;
    auto content = im_.open_revision(*rec);
    if (!content) return std::nullopt;
    return std::move(content).value();
  }

 private:
  Client::Impl& im_;
};

}  // namespace

Result<SearchReport> Client::search(std::string_view query, const SearchOptions& options) {
  Impl& im = *impl_;
  SearchReport report;
  LocalTexts texts(im);
  std::vector<SearchHit> hits;
  for (const CollectionId& c : searchable(im)) {
    ZKWIKI_ASSIGN(CollectionSearch * cs, current(im, c));
    ZKWIKI_TRY(cs->index.search(query, options, hits, &texts));
    // Copy what the views point to before another collection's index is touched.
    for (const auto& h : hits) {
      SearchResult r;
      r.page = h.page;
      r.path = std::string(h.path);
      r.title = std::string(h.title);
      r.revision = h.revision;
      r.score = h.score;
      r.phrase_unverified = h.phrase_unverified;
      report.results.push_back(std::move(r));
    }
  }
  std::stable_sort(report.results.begin(), report.results.end(), [](const SearchResult& a, const SearchResult& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.path < b.path;
  });
  if (report.results.size() > options.limit) report.results.resize(options.limit);
  for (SearchResult& r : report.results) {
    auto content = texts.open(r.page, r.revision);
    if (!content) continue;
    Snippet s = make_snippet(content->body, query, options);
    r.snippet = std::move(s.text);
    r.highlights = std::move(s.highlights);
  }
  ZKWIKI_ASSIGN(report.coverage, coverage(im));
  return report;
}

Result<IndexCoverage> Client::maintain_index(const MergePolicy& policy) {
  Impl& im = *impl_;
  for (const CollectionId& c : searchable(im)) {
    ZKWIKI_ASSIGN(CollectionSearch * cs, load(im, c));
    auto step = [&]() -> Result<void> {
      ZKWIKI_ASSIGN(auto remote, fetch_manifest(im, *cs));
      if (remote) {
        auto adopted = adopt(im, *cs, *remote);
        if (!adopted) {
          if (transient(adopted.error())) return std::move(adopted).error();
          ZKWIKI_TRY(rebuild(im, *cs, adopted.error().message));
          cs->manifest_revision = remote->record.revision;
          cs->manifest_head = remote->record.hash();
        }
      }
      ZKWIKI_ASSIGN(std::uint64_t changed, catch_up(im, *cs, false));
      (void)changed;
      return publish(im, *cs, policy);
    };
    auto done = step();
    if (!done) {
      if (!transient(done.error()) && done.error().code != Errc::forbidden && !cs->untrusted_writer)
        return std::move(done).error();
      // Offline, not allowed to write, or the server's copy is another member's this device does
      // not trust yet (replacing it would drop what they indexed): the index stays here for now.
      ZKWIKI_TRY(persist_segments(im, *cs));
      cs->uploaded = false;
      cs->notices.push_back("index not uploaded: " + done.error().message);
    }
  }
  return coverage(im);
}

Result<IndexCoverage> Client::reindex() {
  Impl& im = *impl_;
  for (const CollectionId& c : searchable(im)) {
    ZKWIKI_ASSIGN(CollectionSearch * cs, load(im, c));
    cs->index.clear();
    cs->refs.clear();
    ZKWIKI_ASSIGN(std::uint64_t indexed, catch_up(im, *cs, true));
    (void)indexed;
    cs->index.compact();
    ZKWIKI_TRY(persist_segments(im, *cs));
  }
  return maintain_index();
}

Result<IndexCoverage> Client::index_coverage() { return coverage(*impl_); }

}  // namespace zkwiki

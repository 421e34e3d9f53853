// Client: fetching and verifying what the server says, and the change feed.
#include "client_impl.h"
#include "internal.h"
#include "zkwiki/search_manifest.h"

namespace zkwiki {

Result<RevisionRecord> Client::Impl::verify_record(const CollectionId& c, const PageId& p, const Hash256& rev,
                                                   std::span<const std::uint8_t> bytes) {
  if (blob_id(bytes) != rev) return make_error(Errc::auth_failed, "revision " + rev.hex() + " does not hash to its id");
  ZKWIKI_ASSIGN(RevisionRecord rec, RevisionRecord::decode(bytes));  // signature
  if (rec.workspace != workspace || rec.collection != c || rec.page != p)
    return make_error(Errc::auth_failed, "revision " + rev.hex() + " belongs to another page (swapped by the server?)");
  if (auto allowed = check_author(rec); !allowed)
    return make_error(allowed.error().code, "revision " + rev.hex() + ": " + allowed.error().message);
  return rec;
}

Result<RevisionRecord> Client::Impl::fetch_record(const CollectionId& c, const PageId& p, const Hash256& rev) {
  auto cached = store().get(kRecordsTable, rev.hex());
  Bytes bytes;
  if (cached && *cached) {
    bytes = std::move(**cached);
  } else {
    ZKWIKI_ASSIGN(bytes, api.get_revision(workspace, c, p, rev));  // hash-checked
  }
  ZKWIKI_ASSIGN(RevisionRecord rec, verify_record(c, p, rev, bytes));
  if (!cached || !*cached) ZKWIKI_TRY(store().put(kRecordsTable, rev.hex(), bytes));
  return rec;
}

Result<PageContent> Client::Impl::open_revision(const RevisionRecord& rec) {
  ZKWIKI_ASSIGN(PageContent page, open_content(rec));
  ZKWIKI_TRY(check_agent_content(rec, page));
  return page;
}

Result<PageContent> Client::Impl::open_content(const RevisionRecord& rec) {
  auto cached = store().get(kObjectsTable, rec.envelope_id.hex());
  Bytes envelope;
  bool fetched = false;
  if (cached && *cached) {
    envelope = std::move(**cached);
  } else {
    ZKWIKI_ASSIGN(envelope, api.get_blob(rec.envelope_id));
    fetched = true;
  }
  ZKWIKI_TRY(verify_envelope(rec, envelope));
  const Keyset* keyset = keyset_for(rec.collection);
  if (keyset == nullptr) return make_error(Errc::unknown_key, "no key for collection " + rec.collection.hex());
  ZKWIKI_ASSIGN(Bytes plain, open_envelope(rec.envelope_context(), *keyset, envelope));
  auto page = decode_page(plain);
  wipe(plain);
  if (!page) return std::move(page).error();
  if (fetched) ZKWIKI_TRY(store().put(kObjectsTable, rec.envelope_id.hex(), envelope));
  return page;
}

Result<std::vector<RevisionRecord>> Client::Impl::history(const LocalPage& page) {
  std::vector<RevisionRecord> chain;
  ZKWIKI_ASSIGN(RevisionRecord rec, fetch_record(page.collection, page.id, page.head));
  if (rec.revision != page.revision)
    return make_error(Errc::auth_failed, "head record of " + page.path + " names another revision number");
  chain.push_back(rec);
  while (chain.back().revision > 1) {
    ZKWIKI_ASSIGN(RevisionRecord parent, fetch_record(page.collection, page.id, chain.back().parent));
    ZKWIKI_TRY(verify_chain(parent, chain.back()));
    chain.push_back(std::move(parent));
  }
  std::reverse(chain.begin(), chain.end());
  return chain;
}

Result<bool> Client::Impl::check_follows(std::uint64_t known_revision, const Hash256& known_head,
                                         const RevisionRecord& rec, const std::string& what) {
  if (rec.revision < known_revision)
    return make_error(Errc::conflict, "rollback: the server offers revision " + std::to_string(rec.revision) + " of " +
                                          what + ", this device has seen revision " + std::to_string(known_revision));
  if (rec.revision == known_revision) {
    if (rec.hash() != known_head)
      return make_error(Errc::conflict, "forked history: two different revisions " + std::to_string(rec.revision) +
                                            " of " + what);
    return false;
  }
  // Walk back to the revision this device knows: every link must verify, and the chain must
  // pass through the head this device saw (otherwise the server forked the history).
  RevisionRecord child = rec;
  while (child.revision > known_revision + 1) {
    ZKWIKI_ASSIGN(RevisionRecord parent, fetch_record(rec.collection, rec.page, child.parent));
    ZKWIKI_TRY(verify_chain(parent, child));
    child = std::move(parent);
  }
  if (child.parent != known_head)
    return make_error(Errc::conflict, "forked history: revision " + std::to_string(child.revision) + " of " + what +
                                          " does not follow the revision this device has seen");
  return true;
}

Result<bool> Client::Impl::accept_head(const CollectionId& c, const PageId& p, const Hash256& rev,
                                       const RevisionRecord* verified) {
  RevisionRecord rec;
  if (verified != nullptr) {
    rec = *verified;
  } else {
    ZKWIKI_ASSIGN(rec, fetch_record(c, p, rev));
  }
  auto local = pages.find(p);
  if (local != pages.end()) {
    const LocalPage& known = local->second;
    if (known.collection != c) return make_error(Errc::auth_failed, "page moved to another collection by the server");
    ZKWIKI_ASSIGN(bool newer, check_follows(known.revision, known.head, rec, known.path));
    if (!newer) return false;
  }
  ZKWIKI_ASSIGN(PageContent content, open_revision(rec));
  LocalPage page;
  page.id = p;
  page.collection = c;
  page.revision = rec.revision;
  page.head = rev;
  page.path = content.meta.path;
  page.title = content.meta.title;
  page.tags = content.meta.tags;
  page.links = content.meta.links;
  page.modified_ms = content.meta.modified_ms;
  page.size = content.body.size();
  page.deleted = content.meta.deleted;
  ZKWIKI_TRY(save_page(page));
  if (!page.deleted) keep_opened(rev, std::move(content));
  return true;
}

// Heads quarantined by an earlier sync are tried again: a key or an author may have become
// trusted since, or a blob readable. Those that still fail stay quarantined (and reported).
Result<void> Client::Impl::retry_quarantined(SyncReport& report) {
  ZKWIKI_ASSIGN(auto rows, store().scan(kStateTable, "quarantine:page:"));
  for (const auto& [key, why] : rows) {
    std::string_view id = std::string_view(key).substr(16);  // "<coll>/<page>@<rev>"
    if (id.size() != 32 + 1 + 32 + 1 + 64) continue;
    auto c = CollectionId::from_hex(id.substr(0, 32));
    auto p = PageId::from_hex(id.substr(33, 32));
    auto rev = Hash256::from_hex(id.substr(66));
    if (!c || !p || !rev) continue;
    auto moved = accept_head(*c, *p, *rev);
    if (moved) {
      ZKWIKI_TRY(store().erase(kStateTable, key));
      if (*moved) ++report.pages_updated;
    } else if (moved.error().code == Errc::io || moved.error().code == Errc::expired) {
      return std::move(moved).error();
    } else if (moved.error().code == Errc::conflict) {
      // Superseded by a newer head this device has accepted since: nothing left to show.
      ZKWIKI_TRY(store().erase(kStateTable, key));
    }
  }
  return {};
}

namespace {

Result<SyncReport> sync_once(Client::Impl& im) {
  SyncReport report;
  ZKWIKI_TRY(im.retry_quarantined(report));
  ZKWIKI_ASSIGN(std::uint64_t since, im.last_seq());
  bool keys_changed = false, grants_changed = false;
  while (true) {
    ZKWIKI_ASSIGN(ChangeBatch batch, im.api.changes(im.workspace, since));
    if (batch.next < since)
      return make_error(Errc::conflict, "rollback: the change feed went back from " + std::to_string(since) + " to " +
                                            std::to_string(batch.next));
    // Latest head per page in this batch; sequence numbers must rise strictly, and a gap means
    // the server withheld changes.
    std::map<std::pair<CollectionId, PageId>, Hash256> heads;
    std::vector<std::pair<CollectionId, PageId>> order;
    std::uint64_t prev = since;
    for (const Change& ch : batch.changes) {
      if (ch.seq <= prev)
        return make_error(Errc::conflict, "the change feed repeats or reorders sequence number " + std::to_string(ch.seq));
      if (ch.seq != prev + 1)
        report.quarantined.push_back("feed: sequence numbers " + std::to_string(prev + 1) + ".." +
                                     std::to_string(ch.seq - 1) + " were withheld");
      prev = ch.seq;
      ++report.changes;
      if (ch.kind == "page" && ch.page == search_manifest_page(im.workspace, ch.collection)) {
        // The collection's search index (client_search.cc), not a page.
        report.index_changed = true;
      } else if (ch.kind == "page") {
        auto key = std::make_pair(ch.collection, ch.page);
        if (!heads.contains(key)) order.push_back(key);
        heads[key] = ch.revision;
      } else if (ch.kind == "key" || ch.kind == "collection") {
        keys_changed = true;
      } else if (ch.kind == "grant") {
        grants_changed = true;
      }
    }
    if (keys_changed) {
      ZKWIKI_TRY(im.load_keysets());
      keys_changed = false;
      grants_changed = true;  // certificates sealed under a collection newly readable
    }
    if (grants_changed) {
      ZKWIKI_TRY(im.load_grants());
      grants_changed = false;
    }
    // Network first, nothing written: the head records this device lacks, in batch requests,
    // each then verified exactly as a single fetch is (verify_record), and every envelope they
    // name that it lacks, in one batch request.
    std::map<Hash256, Bytes> new_records, new_blobs;
    // Keyed by the page, not the hash: a record verified for one page proves nothing for another.
    std::map<std::pair<CollectionId, PageId>, RevisionRecord> verified;
    std::vector<Hash256> wanted;
    std::vector<std::optional<Bytes>> records(order.size());
    std::vector<RevisionRef> missing;
    std::vector<std::size_t> missing_at;
    for (std::size_t i = 0; i < order.size(); ++i) {
      ZKWIKI_ASSIGN(records[i], im.store().get(kRecordsTable, heads[order[i]].hex()));
      if (!records[i]) {
        missing.push_back(RevisionRef{order[i].first, order[i].second, heads[order[i]]});
        missing_at.push_back(i);
      }
    }
    std::vector<std::optional<Bytes>> fetched(missing.size());
    if (!missing.empty()) {
      auto got = im.api.get_revisions(im.workspace, missing);
      if (got) {
        fetched = std::move(got).value();
      } else if (got.error().code == Errc::io || got.error().code == Errc::expired) {
        return std::move(got).error();
      } else {
        // A server without the batch route, or a batch with a bad record in it: one request
        // per record, so that only a bad one is quarantined (by accept_head, below).
        for (std::size_t k = 0; k < missing.size(); ++k) {
          auto one = im.api.get_revision(im.workspace, missing[k].collection, missing[k].page, missing[k].revision);
          if (one) fetched[k] = std::move(one).value();
          else if (one.error().code == Errc::io || one.error().code == Errc::expired) return std::move(one).error();
        }
      }
    }
    std::vector<bool> from_server(order.size(), false);
    for (std::size_t k = 0; k < missing.size(); ++k) {
      records[missing_at[k]] = std::move(fetched[k]);
      from_server[missing_at[k]] = true;
    }
    for (std::size_t i = 0; i < order.size(); ++i) {
      const auto& key = order[i];
      if (!records[i]) continue;  // not on the server: reported below by accept_head
      auto rec = im.verify_record(key.first, key.second, heads[key], *records[i]);
      if (!rec) continue;  // reported below by accept_head
      auto have_blob = im.store().get(kObjectsTable, rec->envelope_id.hex());
      if (!have_blob) return std::move(have_blob).error();
      if (!have_blob->has_value()) wanted.push_back(rec->envelope_id);
      verified.emplace(key, std::move(rec).value());
      if (from_server[i]) new_records.emplace(heads[key], std::move(*records[i]));
    }
    if (!wanted.empty()) {
      auto blobs = im.api.get_blobs(wanted);
      if (blobs) {
        for (std::size_t i = 0; i < wanted.size(); ++i)
          if ((*blobs)[i]) new_blobs.emplace(wanted[i], std::move(*(*blobs)[i]));
      } else if (blobs.error().code == Errc::io || blobs.error().code == Errc::expired) {
        return std::move(blobs).error();
      }
      // A batch with a bad blob in it is dropped whole; each page then fetches its own blob
      // below, so only the bad one is quarantined.
    }
    // Then the batch is applied in one local transaction (one commit, one fsync): the records,
    // the envelopes, the pages and the feed position together, or none of them (a crash or an
    // error leaves the store at the previous batch, and the next sync fetches this one again).
    SyncReport delta;
    auto applied = im.store().transaction([&]() -> Result<void> {
      for (const auto& [rev, bytes] : new_records) ZKWIKI_TRY(im.store().put(kRecordsTable, rev.hex(), bytes));
      for (const auto& [id, bytes] : new_blobs) ZKWIKI_TRY(im.store().put(kObjectsTable, id.hex(), bytes));
      for (const auto& key : order) {
        auto pre = verified.find(key);
        auto moved = im.accept_head(key.first, key.second, heads[key], pre == verified.end() ? nullptr : &pre->second);
        if (!moved) {
          if (moved.error().code == Errc::io || moved.error().code == Errc::expired) return std::move(moved).error();
          std::string id = "page:" + key.first.hex() + "/" + key.second.hex() + "@" + heads[key].hex();
          ZKWIKI_TRY(im.quarantine(id, moved.error().message));
          delta.quarantined.push_back(id + ": " + moved.error().message);
        } else if (*moved) {
          ++delta.pages_updated;
        }
      }
      return im.set_last_seq(std::max(since, batch.next));
    });
    if (!applied) {
      // The pages this batch moved in memory were rolled back on disk: show the disk's view.
      ZKWIKI_TRY(im.load_pages());
      return std::move(applied).error();
    }
    report.pages_updated += delta.pages_updated;
    report.quarantined.insert(report.quarantined.end(), delta.quarantined.begin(), delta.quarantined.end());
    since = std::max(since, batch.next);
    if (!batch.more) break;
  }
  // Queued edits go after the feed: they then merge with what other devices wrote meanwhile, and
  // a queued new page that the server did store (its answer was lost) or that another device
  // created at the same path updates that page instead of creating a second one.
  ZKWIKI_ASSIGN(report.replayed, im.replay_queue(report.pending));
  report.last_seq = since;
  return report;
}

}  // namespace

Result<SyncReport> Client::sync() {
  Impl& im = *impl_;
  ZKWIKI_TRY(im.agent_alive());
  ZKWIKI_TRY(im.go_online());
  auto report = sync_once(im);
  // The server ended this member's session (it expired, or was revoked): log in again with the
  // login key and go on. Nothing queued is dropped either way.
  if (!report && report.error().code == Errc::expired && !im.agent) {
    ZKWIKI_TRY(im.reauthenticate());
    report = sync_once(im);
  }
  return report;
}

Result<SyncReport> Client::status() {
  SyncReport report;
  ZKWIKI_ASSIGN(report.last_seq, impl_->last_seq());
  ZKWIKI_ASSIGN(report.pending, impl_->pending_count());
  ZKWIKI_ASSIGN(auto state, impl_->store().scan(kStateTable, "quarantine:"));
  for (const auto& [k, v] : state) report.quarantined.push_back(k.substr(11) + ": " + std::string(v.begin(), v.end()));
  return report;
}

}  // namespace zkwiki

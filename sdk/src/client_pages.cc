// Client: reading, writing, merging and the offline queue.
#include <algorithm>
#include <charconv>
#include <cstdio>

#include "client_impl.h"
#include "internal.h"
#include "zkwiki/diff.h"
#include "zkwiki/markdown_meta.h"

namespace zkwiki {
namespace {

using json = nlohmann::json;
constexpr int kMaxCasAttempts = 8;

std::string file_stem(std::string_view path) {
  auto slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  auto dot = name.rfind('.');
  return std::string(dot == std::string_view::npos || dot == 0 ? name : name.substr(0, dot));
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

json queued_json(const QueuedEdit& e) {
  json j{{"id", e.id}, {"path", e.path}, {"from_path", e.from_path}, {"body", e.body}, {"remove", e.remove}};
  if (e.base_revision) j["base_revision"] = *e.base_revision;
  return j;
}

Result<QueuedEdit> queued_from_json(const json& j) {
  if (!j.is_object() || !j.contains("path") || !j["path"].is_string() || !j.contains("body") || !j["body"].is_string())
    return make_error(Errc::malformed, "a queued edit is damaged");
  QueuedEdit e;
  e.id = j.value("id", std::uint64_t{0});
  e.path = j["path"];
  e.from_path = j.value("from_path", "");
  e.body = j["body"];
  e.remove = j.value("remove", false);
  if (j.contains("base_revision") && j["base_revision"].is_number_unsigned()) e.base_revision = j["base_revision"];
  return e;
}

}  // namespace

Result<std::vector<PageSummary>> Client::list(std::string_view prefix) {
  ZKWIKI_TRY(impl_->agent_alive());
  std::vector<PageSummary> out;
  for (const auto& [path, id] : impl_->by_path) {
    const LocalPage& p = impl_->pages.at(id);
    if (p.deleted || !std::string_view(path).starts_with(prefix)) continue;
    // `path` is where the page is shown: its own path, or PATH~ID when another page holds it.
    out.push_back(PageSummary{p.id, p.collection, path, p.title, p.tags, p.revision, p.modified_ms, p.size, false});
  }
  return out;
}

Result<PageContent> Client::read(std::string_view path, std::optional<std::uint64_t> revision) {
  Impl& im = *impl_;
  ZKWIKI_TRY(impl_->agent_alive());
  auto it = im.by_path.find(std::string(path));
  if (it == im.by_path.end()) return make_error(Errc::not_found, "no page at " + std::string(path));
  const LocalPage& page = im.pages.at(it->second);
  if (!revision || *revision == page.revision) {
    if (page.deleted) return make_error(Errc::not_found, std::string(path) + " was deleted (its history stays readable)");
    ZKWIKI_ASSIGN(RevisionRecord rec, im.fetch_record(page.collection, page.id, page.head));
    return im.open_revision(rec);
  }
  if (*revision == 0 || *revision > page.revision)
    return make_error(Errc::not_found, std::string(path) + " has no revision " + std::to_string(*revision));
  ZKWIKI_ASSIGN(auto chain, im.history(page));
  return im.open_revision(chain[*revision - 1]);
}

Result<std::vector<RevisionInfo>> Client::log(std::string_view path) {
  Impl& im = *impl_;
  ZKWIKI_TRY(impl_->agent_alive());
  auto it = im.by_path.find(std::string(path));
  if (it == im.by_path.end()) return make_error(Errc::not_found, "no page at " + std::string(path));
  ZKWIKI_ASSIGN(auto chain, im.history(im.pages.at(it->second)));
  std::vector<RevisionInfo> out;
  for (const auto& rec : chain) {
    ZKWIKI_ASSIGN(PageContent content, im.open_revision(rec));
    RevisionInfo info;
    info.revision = rec.revision;
    info.hash = rec.hash();
    info.author = rec.author == im.keys.public_keys.ed25519 ? im.keys.public_keys.fingerprint()
                                                            : "unknown:" + to_hex(std::span(rec.author).first(8));
    info.time_ms = content.meta.modified_ms;
    info.size = content.body.size();
    info.path = content.meta.path;
    info.deleted = content.meta.deleted;
    out.push_back(std::move(info));
  }
  return out;
}

Result<std::string> Client::diff(std::string_view path, std::optional<std::uint64_t> a, std::optional<std::uint64_t> b) {
  Impl& im = *impl_;
  ZKWIKI_TRY(impl_->agent_alive());
  auto it = im.by_path.find(std::string(path));
  if (it == im.by_path.end()) return make_error(Errc::not_found, "no page at " + std::string(path));
  const LocalPage& page = im.pages.at(it->second);
  std::uint64_t to = b.value_or(page.revision);
  std::uint64_t from = a.value_or(to > 1 ? to - 1 : 0);
  if (to == 0 || to > page.revision || from > page.revision)
    return make_error(Errc::not_found, std::string(path) + " has revisions 1.." + std::to_string(page.revision));
  ZKWIKI_ASSIGN(auto chain, im.history(page));
  std::string old_text, new_text;
  if (from > 0) {
    ZKWIKI_ASSIGN(PageContent old_page, im.open_revision(chain[from - 1]));
    old_text = std::move(old_page.body);
  }
  ZKWIKI_ASSIGN(PageContent new_page, im.open_revision(chain[to - 1]));
  new_text = std::move(new_page.body);
  return unified_diff(old_text, new_text, path);
}

Result<SaveOutcome> Client::write(std::string_view path, std::string_view body) {
  ZKWIKI_TRY(impl_->agent_alive());
  ZKWIKI_TRY(validate_page_path(path));
  std::optional<std::uint64_t> base;
  auto it = impl_->by_path.find(std::string(path));
  if (it != impl_->by_path.end()) base = impl_->pages.at(it->second).revision;
  return impl_->commit(std::string(path), std::string(body), false, {}, base);
}

Result<SaveOutcome> Client::restore(std::string_view path, std::uint64_t revision) {
  ZKWIKI_ASSIGN(PageContent old, read(path, revision));
  return write(path, old.body);
}

Result<SaveOutcome> Client::move(std::string_view from, std::string_view to) {
  Impl& im = *impl_;
  ZKWIKI_TRY(impl_->agent_alive());
  auto it = im.by_path.find(std::string(from));
  if (it == im.by_path.end() || im.pages.at(it->second).deleted)
    return make_error(Errc::not_found, "no page at " + std::string(from));
  ZKWIKI_TRY(validate_page_path(to));
  auto taken = im.by_path.find(std::string(to));
  if (taken != im.by_path.end() && !im.pages.at(taken->second).deleted)
    return make_error(Errc::conflict, "a page already exists at " + std::string(to));
  ZKWIKI_ASSIGN(PageContent content, read(from));
  return im.commit(std::string(to), content.body, false, std::string(from), im.pages.at(it->second).revision);
}

Result<SaveOutcome> Client::remove(std::string_view path) {
  Impl& im = *impl_;
  ZKWIKI_TRY(impl_->agent_alive());
  auto it = im.by_path.find(std::string(path));
  if (it == im.by_path.end() || im.pages.at(it->second).deleted)
    return make_error(Errc::not_found, "no page at " + std::string(path));
  return im.commit(std::string(path), {}, true, {}, im.pages.at(it->second).revision);
}

Result<std::vector<std::string>> Client::backlinks(std::string_view path) {
  Impl& im = *impl_;
  auto it = im.by_path.find(std::string(path));
  if (it == im.by_path.end()) return make_error(Errc::not_found, "no page at " + std::string(path));
  const LocalPage& target = im.pages.at(it->second);
  // A page links here by path (Markdown links are stored resolved) or by name (wiki links name
  // a page by its title or its file name without extension).
  std::string title = lower(target.title), stem = lower(file_stem(target.path));
  std::vector<std::string> out;
  for (const auto& [id, p] : im.pages) {
    if (p.deleted || id == target.id) continue;
    for (const auto& l : p.links) {
      std::string ll = lower(l);
      if (l == target.path || ll == title || ll == stem) {
        out.push_back(p.path);
        break;
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// ---- writing ----

Result<SaveOutcome> Client::Impl::commit(const std::string& path, const std::string& body_in, bool remove,
                                         const std::string& from_path, std::optional<std::uint64_t> base_revision) {
  std::string body = body_in;
  bool merged = false, conflict = false;
  const std::string& lookup = from_path.empty() ? path : from_path;
  auto found = by_path.find(lookup);
  std::optional<LocalPage> current;
  if (found != by_path.end()) current = pages.at(found->second);
  PageId id = current ? current->id : PageId::random();
  // Written as a new page, but the page exists now (created on another device, or by this
  // device's earlier try): merge against an empty base, as when both create it at once.
  if (current && !base_revision) base_revision = 0;
  CollectionId collection = current ? current->collection : default_collection;
  const Keyset* keyset = keyset_for(collection);
  if (keyset == nullptr) return make_error(Errc::unknown_key, "no key for collection " + collection.hex());
  // An agent keeps to its certificate before sending anything: readers would refuse the rest.
  if (agent) {
    if (agent->read_only) return make_error(Errc::forbidden, "this agent's grant is read-only");
    if (!agent->covers_path(path) || (current && !agent->covers_path(current->path)))
      return make_error(Errc::forbidden, "this agent may write only below '" + agent->path_prefix + "'");
  }

  // Title, tags and links come from the body. A page whose front matter does not parse is
  // still saved, byte for byte: only its metadata falls back to the file name.
  PageContent content;
  content.meta.path = path;
  content.meta.deleted = remove;
  if (!remove) {
    auto meta = parse_markdown_meta(path, body);
    content.meta.title = meta && meta->title ? *meta->title : file_stem(path);
    if (meta) {
      content.meta.tags = meta->tags;
      content.meta.links = meta->link_targets();
    }
  }

  for (int attempt = 0; attempt < kMaxCasAttempts; ++attempt) {
    // Someone else wrote since the revision this edit was based on: merge three-way.
    if (current && base_revision && *base_revision < current->revision) {
      ZKWIKI_ASSIGN(auto chain, history(*current));
      std::string base_text;
      if (*base_revision > 0) {
        ZKWIKI_ASSIGN(PageContent base_page, open_revision(chain[*base_revision - 1]));
        base_text = base_page.meta.deleted ? std::string() : std::move(base_page.body);
      }
      ZKWIKI_ASSIGN(PageContent theirs, open_revision(chain.back()));
      std::string theirs_text = theirs.meta.deleted ? std::string() : theirs.body;
      auto merged_text = merge3(base_text, body, theirs_text,
                                MergeOptions{MergeStyle::merge, "this device", "base", "other device", {}});
      MergeResult m;
      if (merged_text) {
        m = std::move(merged_text).value();
      } else if (merged_text.error().code == Errc::too_large) {
        // Too large to merge line by line: keep both whole versions, marked, as one conflict.
        m.text = "<<<<<<< this device\n" + body + (body.empty() || body.back() == '\n' ? "" : "\n") + "=======\n" +
                 theirs_text + (theirs_text.empty() || theirs_text.back() == '\n' ? "" : "\n") + ">>>>>>> other device\n";
        m.conflicts.push_back(MergeConflict{});
      } else {
        return std::move(merged_text).error();
      }
      if (m.clean()) {
        merged = true;
        body = std::move(m.text);
        // Both sides deleted, or one deleted and the other left the text alone: stay deleted.
        remove = (remove || theirs.meta.deleted) && body.empty();
      } else {
        conflict = true;
        body = std::move(m.text);
        remove = false;  // delete versus edit: keep the page, with the conflict marked
      }
      content.meta.deleted = remove;
      base_revision = current->revision;
    }
    if (remove) content.body.clear();
    else content.body = body;
    std::int64_t now = now_ms();
    content.meta.modified_ms = now;
    content.meta.created_ms = now;

    // Nothing to write when the head already says exactly this.
    if (current && !current->deleted && !remove && current->path == path && current->size == body.size()) {
      auto head_rec = fetch_record(collection, id, current->head);
      if (head_rec) {
        auto head = open_revision(*head_rec);
        if (head && head->body == body) return SaveOutcome{id, current->revision, true, merged, conflict, false};
      }
    }

    std::uint64_t revision = current ? current->revision + 1 : 1;
    Hash256 parent = current ? current->head : Hash256{};
    EnvelopeContext ctx{ContentKind::page_revision, workspace, collection, id, revision, parent};
    ZKWIKI_ASSIGN(Bytes plain, encode_page(content));
    auto envelope = seal_envelope(ctx, *keyset, plain);
    wipe(plain);
    if (!envelope) return std::move(envelope).error();
    RevisionRecord rec = sign_revision(ctx, *envelope, keys.public_keys.ed25519, keys.ed25519_secret);
    Bytes record_bytes = rec.encode();

    auto uploaded = api.put_blob(workspace, *envelope);
    if (!uploaded) {
      if (queueable(uploaded.error())) return enqueue({0, path, from_path, body_in, remove, base_revision});
      return std::move(uploaded).error();
    }
    auto put = api.put_head(workspace, collection, id, record_bytes,
                            current ? std::optional<Hash256>(current->head) : std::nullopt);
    if (!put) {
      if (queueable(put.error())) return enqueue({0, path, from_path, body_in, remove, base_revision});
      return std::move(put).error();
    }
    if (put->accepted) {
      LocalPage page{id,   collection,         revision,          rec.hash(),        path, content.meta.title,
                     content.meta.tags, content.meta.links, content.meta.modified_ms, content.body.size(), remove};
      // One local transaction (one sync to disk) for the three records of this write.
      auto saved = store().transaction([&]() -> Result<void> {
        ZKWIKI_TRY(store().put(kRecordsTable, rec.hash().hex(), record_bytes));
        ZKWIKI_TRY(store().put(kObjectsTable, rec.envelope_id.hex(), *envelope));
        return save_page(page);
      });
      if (!saved) return std::move(saved).error();
      return SaveOutcome{id, revision, false, merged, conflict, false};
    }
    // Lost the race: learn the other side's head (verified), then merge against it.
    if (!put->current) return make_error(Errc::conflict, "the page's head vanished on the server");
    auto moved = accept_head(collection, id, *put->current);
    if (!moved) return make_error(moved.error().code, "the other device's head of " + path + ": " + moved.error().message);
    current = pages.at(id);
    if (!base_revision) base_revision = 0;  // both created the page: merge against an empty base
  }
  return make_error(Errc::conflict, "gave up after " + std::to_string(kMaxCasAttempts) + " concurrent writes to " + path);
}

Result<SaveOutcome> Client::Impl::enqueue(QueuedEdit edit) {
  ZKWIKI_ASSIGN(auto existing, store().scan(kQueueTable));
  std::uint64_t next = 1;
  if (!existing.empty()) {
    const std::string& last = existing.back().first;
    std::from_chars(last.data(), last.data() + last.size(), next);
    ++next;
  }
  edit.id = next;
  char key[24];
  std::snprintf(key, sizeof key, "%020llu", static_cast<unsigned long long>(next));
  std::string text = queued_json(edit).dump();
  ZKWIKI_TRY(store().put(kQueueTable, key, internal::as_bytes(text)));
  SaveOutcome out;
  auto it = by_path.find(edit.from_path.empty() ? edit.path : edit.from_path);
  if (it != by_path.end()) out.page = it->second;
  out.queued = true;
  return out;
}

Result<std::uint64_t> Client::Impl::replay_queue(std::uint64_t& pending) {
  ZKWIKI_ASSIGN(auto queued, store().scan(kQueueTable));
  std::uint64_t done = 0;
  pending = queued.size();
  for (const auto& [key, value] : queued) {
    json j = json::parse(value.begin(), value.end(), nullptr, false);
    ZKWIKI_ASSIGN(QueuedEdit e, queued_from_json(j));
    // Written before the entry is erased: a crash in between replays an edit the server already
    // has, which the unchanged-head check turns into a no-op rather than a duplicate revision.
    auto r = commit(e.path, e.body, e.remove, e.from_path, e.base_revision);
    if (!r) return std::move(r).error();
    if (r->queued) {
      // Still offline: commit() queued a second copy at the end; drop it, keep the original.
      ZKWIKI_ASSIGN(auto again, store().scan(kQueueTable));
      if (!again.empty()) ZKWIKI_TRY(store().erase(kQueueTable, again.back().first));
      break;
    }
    ZKWIKI_TRY(store().erase(kQueueTable, key));
    ++done;
    --pending;
  }
  return done;
}

}  // namespace zkwiki

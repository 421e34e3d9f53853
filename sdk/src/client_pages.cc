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

// A write that learns, as it lands, that another device moved the page: written at `path` it
// would move the page back.
Error moved_meanwhile(const std::string& path, const std::string& now_at) {
  return make_error(Errc::conflict, path + " was moved to " + now_at +
                                        " by another device while this edit was made; nothing was written: read " +
                                        now_at + " and apply the edit to it there");
}

// A write based on `base` that overlaps what was written since: nothing is written, and the
// message says what to read again.
Error refused_conflict(const std::string& path, std::uint64_t base, std::uint64_t head, bool head_deleted,
                       std::size_t regions) {
  const std::string now = "revision " + std::to_string(head), since = "revision " + std::to_string(base);
  std::string what;
  if (head_deleted)
    what = path + " was deleted since " + since + " (the base of this edit; its head is now " + now + ", a deletion)";
  else if (base == 0)
    what = "a page already exists at " + path + " (its head is " + now +
           ") and this edit was written as a new page (no base revision)";
  else
    what = path + " changed since " + since + ", the base of this edit: its head is now " + now + " and the two edits " +
           "overlap (" + std::to_string(regions) + " conflicting region" + (regions == 1 ? "" : "s") + ")";
  return make_error(Errc::conflict, what + "; nothing was written: read " + path + " again (" + now +
                                        ") and apply the edit to that text, with base revision " + std::to_string(head));
}

// Three-way merge of two edits of `base` (the SDK's merge3). Texts too large to merge line by
// line keep both whole versions, marked, as one conflict.
Result<MergeResult> merge_edits(const std::string& base, const std::string& ours, const std::string& theirs,
                                std::string_view ours_label, std::string_view theirs_label) {
  auto merged = merge3(base, ours, theirs, MergeOptions{MergeStyle::merge, ours_label, "base", theirs_label, {}});
  if (merged || merged.error().code != Errc::too_large) return merged;
  MergeResult m;
  m.text = "<<<<<<< " + std::string(ours_label) + "\n" + ours + (ours.empty() || ours.back() == '\n' ? "" : "\n") +
           "=======\n" + theirs + (theirs.empty() || theirs.back() == '\n' ? "" : "\n") + ">>>>>>> " +
           std::string(theirs_label) + "\n";
  m.conflicts.push_back(MergeConflict{});
  return m;
}

}  // namespace

// A queued edit as a page (its metadata read from the body, as commit() will).
Result<PageContent> queued_content(const QueuedEdit& e) {
  PageContent c;
  c.meta.path = e.path;
  c.meta.modified_ms = c.meta.created_ms = e.queued_ms;
  auto meta = parse_markdown_meta(e.path, e.body);
  c.meta.title = meta && meta->title ? *meta->title : file_stem(e.path);
  if (meta) {
    c.meta.tags = meta->tags;
    c.meta.links = meta->link_targets();
  }
  c.body = e.body;
  return c;
}

json queued_json(const QueuedEdit& e) {
  json j{{"id", e.id}, {"path", e.path}, {"from_path", e.from_path}, {"body", e.body}, {"remove", e.remove},
         {"queued_ms", e.queued_ms}};
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
  e.queued_ms = j.value("queued_ms", std::int64_t{0});
  if (j.contains("base_revision") && j["base_revision"].is_number_unsigned()) e.base_revision = j["base_revision"];
  return e;
}

Result<std::vector<PageSummary>> Client::list(std::string_view prefix) {
  Impl& im = *impl_;
  ZKWIKI_TRY(im.agent_alive());
  std::map<std::string, PageSummary> shown;
  for (const auto& [path, id] : im.by_path) {
    const LocalPage& p = im.pages.at(id);
    if (p.deleted) continue;
    // `path` is where the page is shown: its own path, or PATH~ID when another page holds it.
    shown[path] = PageSummary{p.id, p.collection, path, p.title, p.tags, p.revision, p.modified_ms, p.size, false, false};
  }
  // Edits waiting in the offline queue, as they will be once sent.
  ZKWIKI_ASSIGN(auto* refs, im.queue_index());
  for (const QueueRef& ref : *refs) {
    if (ref.origin != ref.path) shown.erase(ref.origin);
    if (ref.remove) {
      shown.erase(ref.path);
      continue;
    }
    ZKWIKI_ASSIGN(QueuedEdit e, im.queued_edit(ref));
    ZKWIKI_ASSIGN(PageContent c, queued_content(e));
    PageSummary s;
    if (auto it = im.by_path.find(ref.origin); it != im.by_path.end() && ref.existed) {
      s.id = it->second;
      s.revision = im.pages.at(it->second).revision;
    }
    s.collection = im.default_collection;
    if (auto it = im.pages.find(s.id); it != im.pages.end()) s.collection = it->second.collection;
    s.path = ref.path;
    s.title = c.meta.title;
    s.tags = c.meta.tags;
    s.modified_ms = e.queued_ms;
    s.size = c.body.size();
    s.queued = true;
    shown[ref.path] = std::move(s);
  }
  std::vector<PageSummary> out;
  for (auto& [path, s] : shown)
    if (std::string_view(path).starts_with(prefix)) out.push_back(std::move(s));
  return out;
}

Result<PageContent> Client::read(std::string_view path, std::optional<std::uint64_t> revision) {
  ZKWIKI_ASSIGN(PageRead r, read_with_revision(path, revision));
  return std::move(r.content);
}

Result<PageRead> Client::read_with_revision(std::string_view path, std::optional<std::uint64_t> revision) {
  Impl& im = *impl_;
  ZKWIKI_TRY(impl_->agent_alive());
  if (!revision) {
    // An edit waiting in the offline queue is what this device shows.
    ZKWIKI_ASSIGN(auto* queue, im.queue_index());
    if (const QueueRef* q = newest_queued_at(*queue, std::string(path))) {
      if (q->remove) return make_error(Errc::not_found, std::string(path) + " was deleted on this device (queued, not yet sent)");
      const auto id = im.page_shown_at(*queue, std::string(path));
      ZKWIKI_ASSIGN(QueuedEdit e, im.queued_edit(*q));
      ZKWIKI_ASSIGN(PageContent c, queued_content(e));
      return PageRead{std::move(c), e.base_revision.value_or(0), id.value_or(PageId{})};  // zero: not on the server yet
    }
    ZKWIKI_ASSIGN(auto base, im.overlay_base(std::string(path)));
    if (!base && im.by_path.contains(std::string(path)))
      return make_error(Errc::not_found, std::string(path) + " was moved on this device (queued, not yet sent)");
  }
  auto it = im.by_path.find(std::string(path));
  if (it == im.by_path.end()) return im.missing(path);
  const LocalPage& page = im.pages.at(it->second);
  if (!revision || *revision == page.revision) {
    if (page.deleted) return make_error(Errc::not_found, std::string(path) + " was deleted (its history stays readable)");
    ZKWIKI_ASSIGN(RevisionRecord rec, im.fetch_record(page.collection, page.id, page.head));
    ZKWIKI_ASSIGN(PageContent c, im.open_revision(rec));
    return PageRead{std::move(c), page.revision, page.id};
  }
  if (*revision == 0 || *revision > page.revision)
    return make_error(Errc::not_found, std::string(path) + " has no revision " + std::to_string(*revision));
  ZKWIKI_ASSIGN(auto chain, im.history(page));
  ZKWIKI_ASSIGN(PageContent c, im.open_revision(chain[*revision - 1]));
  return PageRead{std::move(c), *revision, page.id};
}

Result<std::vector<RevisionInfo>> Client::log(std::string_view path) {
  Impl& im = *impl_;
  ZKWIKI_TRY(impl_->agent_alive());
  auto it = im.by_path.find(std::string(path));
  if (it == im.by_path.end()) return im.missing(path);
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
  if (it == im.by_path.end()) return im.missing(path);
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

Result<SaveOutcome> Client::write(std::string_view path, std::string_view body, const WriteOptions& options) {
  Impl& im = *impl_;
  ZKWIKI_TRY(im.agent_alive());
  ZKWIKI_TRY(validate_page_path(path));
  ZKWIKI_TRY(validate_page_text(body));
  const std::string p(path);
  ZKWIKI_ASSIGN(auto* queue, im.queue_index());
  if (options.base_page && !options.base_page->is_zero()) ZKWIKI_TRY(im.check_base_page(*queue, p, *options.base_page));
  // A page with an edit waiting in the queue: this one joins it there (sent by sync()).
  if (queue_touches(*queue, p) && !im.agent) {
    const QueueRef* at = newest_queued_at(*queue, p);
    // With a base: merged with the queued edit, never in place of it. Without one: the
    // documented overwrite (the text replaces what is queued).
    if (at && options.base_revision) return im.enqueue_merged(*at, body, *options.base_revision, options.on_conflict);
    ZKWIKI_ASSIGN(auto base, im.overlay_base(p));
    if (options.base_revision) base = options.base_revision;
    return im.enqueue({0, p, {}, std::string(body), false, base, 0});
  }
  auto it = im.by_path.find(p);
  const LocalPage* page = it == im.by_path.end() ? nullptr : &im.pages.at(it->second);
  if (!options.base_revision)
    return im.commit(p, std::string(body), false, {}, page ? std::optional(page->revision) : std::nullopt);
  // The caller says which revision its text came from: merged against that, not against
  // whatever this device synced since (which would drop the other writer's change).
  const std::uint64_t base = *options.base_revision;
  if (base > 0 && page == nullptr)
    return make_error(Errc::not_found, "no page at " + p + " on this device, but the edit is based on its revision " +
                                           std::to_string(base) + ": sync, or write it as a new page");
  if (page && base > page->revision)
    return make_error(Errc::not_found, p + " has no revision " + std::to_string(base) +
                                           " on this device (its head here is revision " +
                                           std::to_string(page->revision) + "): sync first");
  return im.commit(p, std::string(body), false, {}, base, options.on_conflict);
}

// The synced page that `path` shows once the offline queue applies: the one there on the server,
// unless a queued move took it away or brought another; none for a page made on this device.
// (These two take the queue index from the caller: they never touch the store, so the WASM build
// does not instrument them for suspending.)
std::optional<PageId> Client::Impl::page_shown_at(const std::vector<QueueRef>& queue, const std::string& path) const {
  std::optional<PageId> shown;
  if (auto it = by_path.find(path); it != by_path.end()) shown = it->second;
  for (const QueueRef& r : queue) {
    if (r.origin == path && r.path != path) shown.reset();  // moved away
    if (r.path == path && r.origin != path) {                // moved here
      auto from = by_path.find(r.origin);
      shown = from == by_path.end() ? std::nullopt : std::optional<PageId>(from->second);
    }
  }
  return shown;
}

// A write that names the page its text was read from goes to that page only: a number alone
// (the base revision) would match another page that took the path (the one read moved away, a
// new one made in its place), and the edit would be merged into, or replace, a text it never saw.
Result<void> Client::Impl::check_base_page(const std::vector<QueueRef>& queue, const std::string& path,
                                           const PageId& read) const {
  if (page_shown_at(queue, path) == read) return {};
  auto it = pages.find(read);
  const bool elsewhere = it != pages.end() && !it->second.deleted && it->second.path != path;
  return make_error(Errc::conflict, path + " is not the page this edit was read from (" +
                                        (elsewhere ? "that page is now at " + it->second.path : "that page moved or was deleted") +
                                        "); nothing was written: write the edit where its page is, or read " + path +
                                        " again and apply the edit to that text");
}

// A write based on revision `base` of a page whose edit waits in the offline queue: the queue
// then holds both, merged three-way (base: that revision, synced here; ours: this text; theirs:
// the queued text), still against the revision the queued edit was based on. Reading the page
// offline gives the queued text with that revision, so an edit of it keeps the queued changes.
Result<SaveOutcome> Client::Impl::enqueue_merged(const QueueRef& at, std::string_view body, std::uint64_t base,
                                                 OnConflict on_conflict) {
  ZKWIKI_ASSIGN(QueuedEdit queued, queued_edit(at));
  const std::string& path = queued.path;
  const std::string origin = queued.from_path.empty() ? queued.path : queued.from_path;
  const std::string kept = "; nothing was written (the queued edit is kept)";
  std::string base_text;
  if (base > 0) {
    auto unavailable = [&](const std::string& why) {
      return make_error(Errc::not_found, "revision " + std::to_string(base) + " of " + path +
                                             ", the base of this edit, is not on this device (" + why +
                                             "), so it cannot be merged with the edit waiting in the offline queue" +
                                             kept + ": sync, read " + path + " again and apply the edit to that text");
    };
    auto found = by_path.find(origin);
    if (found == by_path.end()) return unavailable("this device has no revision of the page");
    const LocalPage& page = pages.at(found->second);
    if (base > page.revision)
      return unavailable("its head here is revision " + std::to_string(page.revision));
    auto chain = history(page);
    if (!chain) return unavailable(chain.error().message);
    auto text = revision_text(*chain, base);
    if (!text) return unavailable(text.error().message);
    base_text = std::move(*text);
  }
  const std::string ours(body);
  const std::string theirs = queued.remove ? std::string() : queued.body;
  // A page made on this device and not yet sent has no revision: read offline, it gives base 0
  // with the queued text, so base 0 names that text (else every edit of it would conflict).
  if (queued.base_revision.value_or(0) == 0 && base == 0) base_text = theirs;
  ZKWIKI_ASSIGN(MergeResult m, merge_edits(base_text, ours, theirs, "this edit", "queued edit"));
  const std::string queued_base =
      queued.base_revision ? "revision " + std::to_string(*queued.base_revision) : "no base: a new page";
  if (!m.clean() && on_conflict == OnConflict::refuse)
    return make_error(Errc::conflict,
                      path + ": this edit (based on revision " + std::to_string(base) +
                          ") and the edit of it waiting in this device's offline queue (based on " + queued_base +
                          ") overlap (" + std::to_string(m.conflicts.size()) + " conflicting region" +
                          (m.conflicts.size() == 1 ? "" : "s") + ")" + kept + ": read " + path +
                          " again (the queued text) and apply the edit to that text, with the base revision the read gives");
  // Delete (queued) versus a base-only text stays deleted; an edit of a queued deletion keeps the
  // page, as online.
  const bool remove = queued.remove && m.clean() && m.text.empty();
  QueuedEdit edit{0, path, {}, remove ? std::string() : m.text, remove, queued.base_revision, 0};
  ZKWIKI_ASSIGN(SaveOutcome out, enqueue(std::move(edit)));
  out.merged = m.clean() && m.text != ours;
  out.conflict = !m.clean();
  return out;
}

Result<std::string> Client::Impl::revision_text(const std::vector<RevisionRecord>& chain, std::uint64_t revision) {
  if (revision == 0) return std::string();
  if (revision > chain.size()) return make_error(Errc::not_found, "no revision " + std::to_string(revision));
  ZKWIKI_ASSIGN(PageContent page, open_revision(chain[revision - 1]));
  return page.meta.deleted ? std::string() : std::move(page.body);
}

Result<SaveOutcome> Client::restore(std::string_view path, std::uint64_t revision) {
  ZKWIKI_ASSIGN(PageContent old, read(path, revision));
  return write(path, old.body);
}

Result<SaveOutcome> Client::move(std::string_view from, std::string_view to) {
  Impl& im = *impl_;
  ZKWIKI_TRY(im.agent_alive());
  const std::string f(from), t(to);
  ZKWIKI_ASSIGN(bool from_live, im.live_at(f));
  if (!from_live) return im.missing(from);
  ZKWIKI_TRY(validate_page_path(to));
  ZKWIKI_ASSIGN(bool to_live, im.live_at(t));
  if (to_live) return make_error(Errc::conflict, "a page already exists at " + t);
  ZKWIKI_ASSIGN(PageContent content, read(from));
  ZKWIKI_ASSIGN(auto* queue, im.queue_index());
  if ((queue_touches(*queue, f) || queue_touches(*queue, t)) && !im.agent) {
    ZKWIKI_ASSIGN(auto base, im.overlay_base(f));
    return im.enqueue({0, t, f, content.body, false, base, 0});
  }
  return im.commit(t, content.body, false, f, im.pages.at(im.by_path.at(f)).revision);
}

Result<SaveOutcome> Client::remove(std::string_view path) {
  Impl& im = *impl_;
  ZKWIKI_TRY(im.agent_alive());
  const std::string p(path);
  ZKWIKI_ASSIGN(bool live, im.live_at(p));
  if (!live) return im.missing(path);
  ZKWIKI_ASSIGN(auto* queue, im.queue_index());
  if (queue_touches(*queue, p) && !im.agent) {
    ZKWIKI_ASSIGN(auto base, im.overlay_base(p));
    return im.enqueue({0, p, {}, {}, true, base, 0});
  }
  return im.commit(p, {}, true, {}, im.pages.at(im.by_path.at(p)).revision);
}

Result<bool> Client::Impl::live_at(const std::string& path) {
  if (!agent) {
    ZKWIKI_ASSIGN(const QueueRef* q, queued_at(path));
    if (q) return !q->remove;
    ZKWIKI_ASSIGN(auto base, overlay_base(path));
    if (!base) return false;  // not on this device, or moved away by a queued move
  }
  auto it = by_path.find(path);
  return it != by_path.end() && !pages.at(it->second).deleted;
}

Error Client::Impl::missing(std::string_view path) {
  auto q = queued_at(std::string(path));
  if (q && *q && !(*q)->remove)
    return make_error(Errc::not_found, std::string(path) + " exists only in this device's offline queue so far: "
                                                             "its history starts when the server accepts it");
  return make_error(Errc::not_found, "no page at " + std::string(path));
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

Result<void> Client::Impl::agent_may_write(std::string_view path, std::optional<std::string_view> replaces) {
  if (!agent) return {};
  ZKWIKI_TRY(agent_alive());
  if (agent->read_only) return make_error(Errc::forbidden, "this agent's grant is read-only");
  if (!agent->covers_path(path) || (replaces && !agent->covers_path(*replaces)))
    return make_error(Errc::forbidden, "this agent may write only below '" + agent->path_prefix + "'");
  return {};
}

Result<SaveOutcome> Client::Impl::commit(const std::string& path, const std::string& body_in, bool remove,
                                         const std::string& from_path, std::optional<std::uint64_t> base_revision,
                                         OnConflict on_conflict) {
  const std::uint64_t asked_base = base_revision.value_or(0);  // for the conflict message
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
  // What is queued if the server cannot be reached: the edit as given, against the revision it
  // was based on (not a merge made here against a head the queue may never see again).
  const QueuedEdit as_queued{0, path, from_path, body_in, remove, base_revision, 0};
  auto queue_or_fail = [&](Error e) -> Result<SaveOutcome> {
    if (!replaying && queueable(e)) return enqueue(as_queued);
    return e;
  };
  CollectionId collection = current ? current->collection : default_collection;
  // Never sealed under a generation older than the newest this device verified (a server
  // withholding a rotated key); checked again before sealing, as a merge may show a newer one.
  ZKWIKI_ASSIGN(const Keyset* keyset, sealing_keyset(collection));
  // An agent keeps to its certificate before sending anything: readers would refuse the rest.
  ZKWIKI_TRY(agent_may_write(path, current ? std::optional<std::string_view>(current->path) : std::nullopt));

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
      ZKWIKI_ASSIGN(std::string base_text, revision_text(chain, *base_revision));
      ZKWIKI_ASSIGN(PageContent theirs, open_revision(chain.back()));
      std::string theirs_text = theirs.meta.deleted ? std::string() : theirs.body;
      ZKWIKI_ASSIGN(MergeResult m, merge_edits(base_text, body, theirs_text, "this device", "other device"));
      if (!m.clean() && on_conflict == OnConflict::refuse)
        return refused_conflict(path, asked_base, current->revision, theirs.meta.deleted, m.conflicts.size());
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

    // Opened offline: nothing to send to; the queue keeps it for sync().
    if (offline && !replaying) return enqueue(as_queued);

    std::uint64_t revision = current ? current->revision + 1 : 1;
    Hash256 parent = current ? current->head : Hash256{};
    EnvelopeContext ctx{ContentKind::page_revision, workspace, collection, id, revision, parent};
    ZKWIKI_ASSIGN(keyset, sealing_keyset(collection));
    ZKWIKI_ASSIGN(Bytes plain, encode_page(content));
    auto envelope = seal_envelope(ctx, *keyset, plain);
    wipe(plain);
    if (!envelope) return std::move(envelope).error();
    RevisionRecord rec = sign_revision(ctx, *envelope, keys.public_keys.ed25519, keys.ed25519_secret);
    Bytes record_bytes = rec.encode();

    auto uploaded = api.put_blob(workspace, *envelope);
    if (!uploaded) {
      // A page over the server's request limit (its --max-body; by default every page fits).
      if (uploaded.error().code == Errc::too_large && uploaded.error().message.find("413") != std::string::npos)
        return make_error(Errc::too_large, path + ": sealed, this page is " + std::to_string(envelope->size()) +
                                               " bytes, more than the server accepts in one request (" +
                                               uploaded.error().message + "; see zkwiki-server --max-body); nothing written");
      return queue_or_fail(std::move(uploaded).error());
    }
    auto put = api.put_head(workspace, collection, id, record_bytes,
                            current ? std::optional<Hash256>(current->head) : std::nullopt);
    if (!put) {
      return queue_or_fail(std::move(put).error());
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
    if (!moved) {
      if (queueable(moved.error())) return queue_or_fail(std::move(moved).error());
      return make_error(moved.error().code, "the other device's head of " + path + ": " + moved.error().message);
    }
    current = pages.at(id);
    // Moved by another device meanwhile (and perhaps deleted there): written here, the edit
    // would bring it back to this path, beside any page made here since. Refused, nothing
    // written. A queued edit being sent keeps the older behaviour: an error there would hold up
    // the whole queue.
    if (!replaying && from_path.empty() && current->path != path) return moved_meanwhile(path, current->path);
    if (!base_revision) base_revision = 0;  // both created the page: merge against an empty base
  }
  return make_error(Errc::conflict, "gave up after " + std::to_string(kMaxCasAttempts) + " concurrent writes to " + path);
}

}  // namespace zkwiki

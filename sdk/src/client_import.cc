// Client: writing many new pages at once, over several connections.
#include <atomic>
#include <functional>
#include <thread>

#include "client_impl.h"
#include "internal.h"
#include "zkwiki/markdown_meta.h"

namespace zkwiki {
namespace {

struct Prepared {
  std::size_t item = 0;
  LocalPage page;
  Bytes record;
  Bytes envelope;
  RevisionRecord rec;
  PageContent content;  // what `envelope` seals, for the index (Impl::keep_opened)
  enum class Outcome { pending, accepted, queued, failed } outcome = Outcome::pending;
  Error error{Errc::internal, {}};
};

std::string file_stem_of(std::string_view path) {
  auto slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  auto dot = name.rfind('.');
  return std::string(dot == std::string_view::npos || dot == 0 ? name : name.substr(0, dot));
}

}  // namespace

Result<ImportReport> Client::import(std::span<const ImportItem> items,
                                    const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  Impl& im = *impl_;
  ImportReport report;
  ZKWIKI_ASSIGN(const Keyset* keyset, im.sealing_keyset(im.default_collection));

  // Nothing is sent when any path is unusable, or (for an agent) outside its grant.
  for (const ImportItem& it : items) {
    if (auto valid = validate_page_path(it.path); !valid) return Error{valid.error().code, it.path + ": " + valid.error().message};
    if (auto text = validate_page_text(it.body); !text) return Error{text.error().code, it.path + ": " + text.error().message};
    if (auto allowed = im.agent_may_write(it.path); !allowed)
      return Error{allowed.error().code, it.path + ": " + allowed.error().message};
  }

  // Pages that exist take the ordinary path (compare-and-swap, merges), here and in order.
  std::vector<Prepared> fresh;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const ImportItem& it = items[i];
    // (So do pages with an edit waiting in the queue: this one joins it there.)
    ZKWIKI_ASSIGN(auto* queue, im.queue_index());
    if (im.by_path.contains(it.path) || queue_touches(*queue, it.path) || !seen.insert(it.path).second) {
      ZKWIKI_ASSIGN(SaveOutcome o, write(it.path, it.body));
      report.written += (!o.unchanged && !o.queued) ? 1 : 0;
      report.unchanged += o.unchanged ? 1 : 0;
      report.queued += o.queued ? 1 : 0;
      report.bytes += it.body.size();
      if (progress) progress(report.written + report.unchanged + report.queued, report.bytes);
      continue;
    }
    Prepared p;
    p.item = i;
    fresh.push_back(std::move(p));
  }

  // New pages are sealed, signed and uploaded by N workers at once, each over its own
  // connection, so that sealing overlaps the network. Small pages go in batches (blobs and
  // heads of up to kBatchPages pages in one request, stored in one write by the server); a
  // large page goes alone, as a blob and then its head.
  constexpr std::size_t kBatchPages = 128, kBatchBytes = 1u << 20, kAlone = 512u << 10;
  auto size_of = [&](const Prepared& p) { return items[p.item].body.size(); };
  std::vector<std::pair<std::size_t, std::size_t>> batches;  // [begin, end) of `fresh`
  for (std::size_t i = 0; i < fresh.size();) {
    std::size_t j = i + 1, bytes = size_of(fresh[i]);
    if (bytes < kAlone)
      while (j < fresh.size() && j - i < kBatchPages && size_of(fresh[j]) < kAlone && bytes + size_of(fresh[j]) <= kBatchBytes)
        bytes += size_of(fresh[j++]);
    batches.emplace_back(i, j);
    i = j;
  }
  const std::int64_t now = im.now_ms();
  auto prepare = [&](Prepared& p) -> Result<void> {
    const ImportItem& it = items[p.item];
    PageContent content;
    content.meta.path = it.path;
    auto meta = parse_markdown_meta(it.path, it.body);
    content.meta.title = meta && meta->title ? *meta->title : file_stem_of(it.path);
    if (meta) {
      content.meta.tags = meta->tags;
      content.meta.links = meta->link_targets();
    }
    content.meta.created_ms = content.meta.modified_ms = now;
    content.body = it.body;
    EnvelopeContext ctx{ContentKind::page_revision, im.workspace, im.default_collection, PageId::random(), 1, Hash256{}};
    ZKWIKI_ASSIGN(Bytes plain, encode_page(content));
    auto env = seal_envelope(ctx, *keyset, plain);
    wipe(plain);
    if (!env) return std::move(env).error();
    p.envelope = std::move(env).value();
    p.rec = sign_revision(ctx, p.envelope, im.keys.public_keys.ed25519, im.keys.ed25519_secret);
    p.record = p.rec.encode();
    p.page = LocalPage{ctx.page,          ctx.collection,     1, p.rec.hash(), it.path, content.meta.title, content.meta.tags,
                       content.meta.links, content.meta.modified_ms, it.body.size(), false};
    p.content = std::move(content);
    return {};
  };
  auto settle = [](Prepared& p, const Result<void>& sent) {
    if (sent) {
      p.outcome = Prepared::Outcome::accepted;
    } else if (sent.error().code == Errc::io || sent.error().code == Errc::expired) {
      p.outcome = Prepared::Outcome::queued;
    } else {
      p.outcome = Prepared::Outcome::failed;
      p.error = sent.error();
    }
  };
  // A large page goes alone: its blob, then its head (already there: an earlier try's answer
  // was lost).
  auto send_alone = [&](ApiClient& api, Prepared& p) {
    settle(p, [&]() -> Result<void> {
      ZKWIKI_TRY(api.put_blob(im.workspace, p.envelope));
      ZKWIKI_ASSIGN(PutHeadOutcome o, api.put_head(im.workspace, p.page.collection, p.page.id, p.record, std::nullopt));
      if (!o.accepted && o.current != p.page.head)
        return make_error(Errc::conflict, "the server already had a head for a new page");
      return {};
    }());
  };
  // A batch the server finds too large (its --max-body is below kBatchBytes) is sent in halves,
  // down to single pages, which go as a blob and a head.
  std::function<void(ApiClient&, std::size_t, std::size_t)> send;
  auto upload = [&](ApiClient& api, std::size_t begin, std::size_t end) {
    for (std::size_t k = begin; k < end; ++k)
      if (auto r = prepare(fresh[k]); !r) {
        for (std::size_t m = begin; m < end; ++m) settle(fresh[m], r.error());
        return;
      }
    send(api, begin, end);
  };
  send = [&](ApiClient& api, std::size_t begin, std::size_t end) {
    if (end - begin == 1 && size_of(fresh[begin]) >= kAlone) return send_alone(api, fresh[begin]);
    std::vector<NewPageUpload> batch;
    for (std::size_t k = begin; k < end; ++k) batch.push_back({fresh[k].page.id, fresh[k].record, fresh[k].envelope});
    auto created = api.create_pages(im.workspace, im.default_collection, batch);
    if (!created && created.error().message.find("413 payload_too_large") != std::string::npos) {
      if (end - begin > 1) {
        std::size_t mid = begin + (end - begin) / 2;
        send(api, begin, mid);
        send(api, mid, end);
        return;
      }
      return send_alone(api, fresh[begin]);
    }
    for (std::size_t k = begin; k < end; ++k) {
      Prepared& p = fresh[k];
      if (!created) {
        settle(p, created.error());
      } else if (const CreatePageOutcome& o = (*created)[k - begin]; o.created || o.head == p.page.head) {
        settle(p, Result<void>{});  // created now, or by an earlier try whose answer was lost
      } else {
        settle(p, make_error(Errc::conflict, "the server already had a head for a new page"));
      }
    }
  };
  // Opened offline: every new page goes to the queue (below) without trying the server.
  if (im.offline) batches.clear();
  std::atomic<std::size_t> next{0}, done{0};
  std::atomic<std::uint64_t> done_bytes{0};
  auto worker = [&](ApiClient& api, const std::function<void()>& after_each) {
    for (std::size_t b; (b = next.fetch_add(1)) < batches.size();) {
      auto [begin, end] = batches[b];
      upload(api, begin, end);
      for (std::size_t k = begin; k < end; ++k) done_bytes += size_of(fresh[k]);
      done += end - begin;
      if (after_each) after_each();
    }
  };
  unsigned n = im.options.connect ? std::max(1u, im.options.upload_connections) : 1;
  n = static_cast<unsigned>(std::min<std::size_t>(n, std::max<std::size_t>(batches.size(), 1)));
  std::vector<std::unique_ptr<Transport>> transports;
  std::vector<std::unique_ptr<ApiClient>> apis;
  for (unsigned t = 1; t < n; ++t) {
    auto conn = im.options.connect();
    if (!conn) break;  // fewer connections is fine
    transports.push_back(std::move(conn).value());
    apis.push_back(std::make_unique<ApiClient>(*transports.back()));
    apis.back()->set_token(im.api.token());
  }
  std::vector<std::thread> threads;
  for (auto& api : apis) threads.emplace_back([&worker, a = api.get()] { worker(*a, {}); });
  // This thread uploads too, and reports progress between its own requests.
  std::uint64_t base_pages = report.written + report.unchanged + report.queued, base_bytes = report.bytes;
  worker(im.api, [&] {
    if (progress) progress(base_pages + done.load(), base_bytes + done_bytes.load());
  });
  for (auto& t : threads) t.join();
  if (progress && !fresh.empty()) progress(base_pages + done.load(), base_bytes + done_bytes.load());

  // Record what the server accepted in one local transaction; queue what could not be sent.
  auto saved = im.store().transaction([&]() -> Result<void> {
    for (Prepared& p : fresh) {
      if (p.outcome != Prepared::Outcome::accepted) continue;
      ZKWIKI_TRY(im.store().put(kRecordsTable, p.page.head.hex(), p.record));
      ZKWIKI_TRY(im.store().put(kObjectsTable, p.rec.envelope_id.hex(), p.envelope));
      ZKWIKI_TRY(im.save_page(p.page));
    }
    return {};
  });
  if (!saved) return std::move(saved).error();
  for (Prepared& p : fresh) {
    if (p.outcome == Prepared::Outcome::accepted) {
      im.keep_opened(p.page.head, std::move(p.content));
      ++report.written;
      report.bytes += p.page.size;
    } else if (p.outcome == Prepared::Outcome::failed) {
      return Error{p.error.code, items[p.item].path + ": " + p.error.message};
    }
  }
  // What could not be sent (or was never tried, offline) waits in the queue: one transaction.
  auto queued = im.store().transaction([&]() -> Result<void> {
    for (Prepared& p : fresh) {
      if (p.outcome == Prepared::Outcome::accepted) continue;
      ZKWIKI_TRY(im.enqueue({0, items[p.item].path, {}, items[p.item].body, false, std::nullopt, 0}));
      ++report.queued;
    }
    return {};
  });
  if (!queued) {
    im.queue_refs.reset();  // reloaded from the store, which kept none of them
    return std::move(queued).error();
  }
  if (progress && im.offline && !fresh.empty()) progress(report.written + report.unchanged + report.queued, report.bytes);
  return report;
}

}  // namespace zkwiki

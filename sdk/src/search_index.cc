// SearchIndex (search.h): the segment list, what is live, merging, and query evaluation.
#include <algorithm>
#include <array>
#include <cmath>
#include <unordered_map>

#include "internal.h"
#include "search_internal.h"
#include "zkwiki/page.h"

namespace zkwiki {

using namespace search_internal;

namespace {

constexpr float kK1 = 1.2f;
constexpr float kB = 0.75f;
constexpr float kPrefixWeight = 0.8f;  // a longer term matched by a prefix
constexpr float kTypoWeight = 0.5f;    // a term one edit away
constexpr float kTitleBonus = 0.6f;    // a query word in the title, in units of idf * (k1 + 1)
constexpr float kExactTitle = 1.5f;    // every query word matched in a title of just those words

struct Hit {
  std::uint32_t doc;
  float score;
  bool title;
};

struct PendingDoc {
  bool deleted = false;
  std::uint64_t revision = 0;
  std::string path, title, body;
  std::vector<std::string> tags;
};

// Which segment holds the newest revision of a page.
struct Winner {
  std::uint64_t revision = 0;
  std::uint32_t seg = 0;
  std::uint32_t doc = 0;
  bool deleted = false;
};

class PositionSink final : public TokenSink {
 public:
  PositionSink(const std::vector<std::string>& terms, std::vector<std::vector<std::uint32_t>>& positions)
      : terms_(terms), positions_(positions) {}
  void on_token(const Token& t) override {
    for (std::size_t i = 0; i < terms_.size(); ++i)
      if (t.term == terms_[i]) positions_[i].push_back(t.position);
  }

 private:
  const std::vector<std::string>& terms_;
  std::vector<std::vector<std::uint32_t>>& positions_;
};

}  // namespace

struct SearchIndex::Impl {
  std::vector<std::unique_ptr<Segment>> segs;
  std::unordered_map<PageId, PendingDoc, PageIdHash> pending;

  // Resolved state of `segs` (rebuilt by resolve()).
  std::unordered_map<PageId, Winner, PageIdHash> winners;
  std::vector<std::uint32_t> base;      // first global doc number of each segment
  std::vector<std::uint32_t> owner;     // segment of each global doc
  std::vector<std::uint32_t> dead;      // superseded docs per segment
  std::vector<float> idf_single;        // with one segment and nothing dead: idf * (k1 + 1) per term
  std::uint64_t live_docs = 0;
  double avgdl = 1;

  // Query scratch (reused: no allocation per query once grown).
  Tokenizer tokenizer;
  std::vector<Clause> clauses;
  // Per global doc, packed so that scoring a posting touches one cache line: what the query
  // adds up, and (set by resolve()) the doc's length norm and whether it is live (the one
  // record of liveness: merges and counts read it too).
  struct Acc {
    std::uint32_t stamp;  // == gen: touched by this query
    std::uint32_t mask;   // positive clauses matched
    std::uint32_t tmask;  // ... in the title
    float score;
    float norm;           // k1 * (1 - b + b * length / avgdl)
    std::uint16_t live;   // the doc is its page's newest revision, not deleted
    // The doc's title tokens, at most 0xFFFF (a query has at most 32 clauses): here, not only
    // in its DocEntry, so ranking an exact title match reads no cold DocEntry per candidate.
    std::uint16_t title_terms;
  };
  std::vector<Acc> acc;
  std::uint32_t gen = 0;
  std::vector<std::uint32_t> touched_buf;  // one slot per global doc, and one more (below)
  std::size_t touched_count = 0;            // the docs this query touched: touched_buf[0, count)
  std::span<const std::uint32_t> touched() const { return {touched_buf.data(), touched_count}; }
  std::vector<Hit> hits;
  std::vector<std::uint32_t> pstamp, plist;
  std::vector<std::uint16_t> pcount;
  std::vector<float> pscore;
  std::uint32_t pgen = 0;
  std::vector<std::pair<float, std::uint32_t>> heap;
  static constexpr std::size_t kSmallTop = 16;  // up to this limit, a sorted list instead of a heap
  std::array<std::pair<float, std::uint32_t>, kSmallTop> top;
  std::string folded;

  const DocEntry& doc_of(std::uint32_t g) const {
    std::uint32_t s = owner[g];
    return segs[s]->docs[g - base[s]];
  }

  // ---- state ----

  void resolve() {
    winners.clear();
    base.assign(segs.size(), 0);
    dead.assign(segs.size(), 0);
    std::uint32_t total = 0;
    for (std::size_t s = 0; s < segs.size(); ++s) {
      base[s] = total;
      total += static_cast<std::uint32_t>(segs[s]->docs.size());
    }
    auto offer = [&](const PageId& p, const Winner& w) {
      auto [it, fresh] = winners.try_emplace(p, w);
      if (!fresh && (w.revision > it->second.revision || (w.revision == it->second.revision && w.seg >= it->second.seg)))
        it->second = w;
    };
    for (std::size_t s = 0; s < segs.size(); ++s) {
      const Segment& seg = *segs[s];
      for (std::size_t d = 0; d < seg.docs.size(); ++d)
        offer(seg.docs[d].page, Winner{seg.docs[d].revision, static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(d), false});
      for (const auto& t : seg.tombstones) offer(t.page, Winner{t.revision, static_cast<std::uint32_t>(s), 0, true});
    }
    owner.assign(total, 0);
    acc.assign(total, Acc{0, 0, 0, 0.0f, 0.0f, 0, 0});
    live_docs = 0;
    std::uint64_t length = 0;
    for (const auto& [page, w] : winners) {
      if (w.deleted) continue;
      acc[base[w.seg] + w.doc].live = 1;
      ++live_docs;
      length += segs[w.seg]->docs[w.doc].length;
    }
    avgdl = live_docs ? std::max(1.0, static_cast<double>(length) / static_cast<double>(live_docs)) : 1.0;
    for (std::size_t s = 0; s < segs.size(); ++s) {
      for (std::size_t d = 0; d < segs[s]->docs.size(); ++d) {
        std::uint32_t g = base[s] + static_cast<std::uint32_t>(d);
        owner[g] = static_cast<std::uint32_t>(s);
        if (!acc[g].live) ++dead[s];
        acc[g].norm = static_cast<float>(kK1 * (1 - kB + kB * segs[s]->docs[d].length / avgdl));
        acc[g].title_terms = static_cast<std::uint16_t>(std::min<std::uint32_t>(segs[s]->docs[d].title_terms, 0xFFFF));
      }
    }
    idf_single.clear();
    if (segs.size() == 1 && dead[0] == 0) {
      idf_single.resize(segs[0]->term_count());
      for (std::size_t t = 0; t < idf_single.size(); ++t) idf_single[t] = idf(segs[0]->df[t]) * (kK1 + 1);
    }
    // The first clause writes every posting's doc at touched_buf[touched_count] before it knows
    // whether the doc is new: once every doc is touched, a later posting writes one slot past.
    touched_buf.assign(std::size_t{total} + 1, 0);
    pstamp.assign(total, 0);
    pcount.assign(total, 0);
    pscore.assign(total, 0);
    gen = pgen = 0;
  }

  // Newest revision known for a page, deleted or not (pending changes first).
  std::optional<std::pair<std::uint64_t, bool>> newest(const PageId& p) const {
    if (auto it = pending.find(p); it != pending.end()) return std::make_pair(it->second.revision, it->second.deleted);
    if (auto it = winners.find(p); it != winners.end()) return std::make_pair(it->second.revision, it->second.deleted);
    return std::nullopt;
  }

  void flush() {
    if (pending.empty()) return;
    std::vector<std::pair<const PageId*, PendingDoc*>> docs;
    SegmentBuilder builder;
    for (auto& [page, d] : pending) {
      if (d.deleted) builder.add_tombstone(Tombstone{page, d.revision});
      else docs.emplace_back(&page, &d);
    }
    std::sort(docs.begin(), docs.end(), [](const auto& a, const auto& b) {
      if (a.second->path != b.second->path) return a.second->path < b.second->path;
      return *a.first < *b.first;
    });
    for (auto& [page, d] : docs) {
      DocEntry e;
      e.page = *page;
      e.revision = d->revision;
      e.path = d->path;
      e.title = d->title;
      e.tags = d->tags;
      std::uint32_t i = builder.begin_document(std::move(e));
      builder.add_text(i, tokenizer, d->title, d->tags, d->body);
    }
    std::uint64_t seq = 1;
    for (const auto& s : segs) seq = std::max(seq, s->seq + 1);
    auto seg = decode_segment(builder.encode(seq));
    if (!seg) bad_result_access("SearchIndex: a segment this build encoded does not decode");  // a bug
    segs.push_back(std::make_unique<Segment>(std::move(seg).value()));
    pending.clear();
    resolve();
  }

  // Merges segments [first, last) into one.
  void merge(std::size_t first, std::size_t last) {
    bool everything = first == 0 && last == segs.size();
    SegmentBuilder builder;
    std::vector<std::uint32_t> kept;
    for (std::size_t s = first; s < last; ++s)
      for (std::size_t d = 0; d < segs[s]->docs.size(); ++d)
        if (acc[base[s] + d].live) kept.push_back(base[s] + static_cast<std::uint32_t>(d));
    std::sort(kept.begin(), kept.end(), [&](std::uint32_t a, std::uint32_t b) {
      const DocEntry &x = doc_of(a), &y = doc_of(b);
      if (x.path != y.path) return x.path < y.path;
      return x.page < y.page;
    });
    std::unordered_map<std::uint32_t, std::uint32_t> renumber;
    renumber.reserve(kept.size());
    for (std::uint32_t g : kept) renumber[g] = builder.begin_document(doc_of(g));
    std::uint64_t seq = 0;
    for (std::size_t s = first; s < last; ++s) {
      const Segment& seg = *segs[s];
      seq = std::max(seq, seg.seq);
      if (!everything)
        for (const auto& t : seg.tombstones) {
          auto w = winners.find(t.page);
          if (w != winners.end() && w->second.deleted && w->second.seg == s) builder.add_tombstone(t);
        }
      for (std::size_t t = 0; t < seg.term_count(); ++t) {
        auto cur = postings(seg, t);
        std::uint32_t d, wtf;
        bool title;
        std::string_view term = seg.term(t);
        while (cur.next(d, wtf, title)) {
          auto it = acc[base[s] + d].live ? renumber.find(base[s] + d) : renumber.end();
          if (it != renumber.end()) builder.add(term, it->second, wtf, title);
        }
      }
    }
    auto merged = decode_segment(builder.encode(seq));
    if (!merged) bad_result_access("SearchIndex: a merged segment does not decode");  // a bug
    segs.erase(segs.begin() + static_cast<long>(first), segs.begin() + static_cast<long>(last));
    segs.insert(segs.begin() + static_cast<long>(first), std::make_unique<Segment>(std::move(merged).value()));
    resolve();
  }

  // ---- queries ----

  // Live document frequency of `term` across all segments.
  std::uint32_t live_df(std::string_view term) const {
    std::uint32_t df = 0;
    for (std::size_t s = 0; s < segs.size(); ++s) {
      long t = segs[s]->find(term);
      if (t < 0) continue;
      if (dead[s] == 0) {
        df += segs[s]->df[static_cast<std::size_t>(t)];
        continue;
      }
      auto cur = postings(*segs[s], static_cast<std::size_t>(t));
      std::uint32_t d, wtf;
      bool title;
      while (cur.next(d, wtf, title)) df += acc[base[s] + d].live;
    }
    return df;
  }

  float idf(std::uint32_t df) const {
    double n = static_cast<double>(live_docs);
    return static_cast<float>(std::log(1.0 + (n - df + 0.5) / (df + 0.5)));
  }

  // Emits (doc, score, title) for the live postings of term `t` of segment `s`. `emit` is the
  // query's accumulator itself where it can be (no buffer between decoding and scoring).
  template <class Emit>
  void term_hits(std::size_t s, std::size_t t, float weight, std::uint32_t df, Emit& emit) {
    if (df == 0) return;
    const float c = weight * (idf_single.empty() ? idf(df) * (kK1 + 1) : idf_single[t]);
    const float bonus = c * kTitleBonus;
    auto cur = postings(*segs[s], t);
    std::uint32_t d, wtf;
    bool title;
    const std::uint32_t b = base[s];
    while (cur.next(d, wtf, title)) {
      std::uint32_t g = b + d;
      const Acc& x = acc[g];
      if (!x.live) continue;
      float f = static_cast<float>(wtf);
      emit(g, c * f / (f + x.norm) + (title ? bonus : 0.0f), title);
    }
  }

  template <class Emit>
  void exact_hits(std::string_view term, float weight, Emit& emit) {
    std::uint32_t df = segs.size() == 1 ? 0 : live_df(term);
    for (std::size_t s = 0; s < segs.size(); ++s) {
      long t = segs[s]->find(term);
      if (t < 0) continue;
      if (segs.size() == 1) df = dead[0] == 0 ? segs[0]->df[static_cast<std::size_t>(t)] : live_df(term);
      term_hits(s, static_cast<std::size_t>(t), weight, df, emit);
    }
  }

  // Emits the pages alternative `a` matches, with their scores.
  template <class Emit>
  void alternative_hits(const Alternative& a, const SearchOptions& options, Emit& emit) {
    auto collect = [this](std::uint32_t g, float sc, bool title) { hits.push_back(Hit{g, sc, title}); };
    switch (a.kind) {
      case AltKind::term: {
        exact_hits(a.terms[0], 1.0f, emit);
        if (options.typos && term_characters(a.terms[0]) >= 5) {
          const std::string& q = a.terms[0];
          for (std::size_t s = 0; s < segs.size(); ++s) {
            const Segment& seg = *segs[s];
            for (std::size_t t = 0; t < seg.term_count(); ++t) {
              std::string_view cand = seg.term(t);
              if (cand.size() + 4 < q.size() || cand.size() > q.size() + 4 || cand == q) continue;
              if (!within_one_edit(q, cand)) continue;
              term_hits(s, t, kTypoWeight, segs.size() == 1 && dead[0] == 0 ? seg.df[t] : live_df(cand), emit);
            }
          }
        }
        break;
      }
      case AltKind::prefix: {
        std::size_t expansions = 0;
        for (std::size_t s = 0; s < segs.size() && expansions < kMaxPrefixExpansions; ++s) {
          auto [first, last] = segs[s]->prefix_range(a.terms[0]);
          for (std::size_t t = first; t < last && expansions < kMaxPrefixExpansions; ++t, ++expansions) {
            std::string_view term = segs[s]->term(t);
            std::uint32_t df = segs.size() == 1 && dead[0] == 0 ? segs[s]->df[t] : live_df(term);
            term_hits(s, t, term.size() == a.terms[0].size() ? 1.0f : kPrefixWeight, df, emit);
          }
        }
        break;
      }
      case AltKind::phrase: {
        // Pages with every word of the phrase (positions are checked later, against the text).
        ++pgen;
        plist.clear();
        hits.clear();
        for (std::size_t k = 0; k < a.terms.size(); ++k) {
          std::size_t from = hits.size();
          exact_hits(a.terms[k], 1.0f, collect);
          for (std::size_t h = from; h < hits.size(); ++h) {
            auto [g, sc, title] = hits[h];
            if (k == 0) {
              if (pstamp[g] != pgen) pstamp[g] = pgen, pcount[g] = 0, pscore[g] = 0, plist.push_back(g);
            } else if (pstamp[g] != pgen || pcount[g] != k) {
              continue;
            }
            pcount[g] = static_cast<std::uint16_t>(k + 1);
            pscore[g] += sc;
          }
          hits.resize(from);
        }
        for (std::uint32_t g : plist)
          if (pcount[g] == a.terms.size()) emit(g, pscore[g], false);
        break;
      }
      case AltKind::title:
      case AltKind::tag: {
        hits.clear();
        exact_hits(a.terms[0], 1.0f, collect);
        // Keep the pages whose title (or a tag) holds the word itself.
        std::size_t out = 0;
        for (std::size_t h = 0; h < hits.size(); ++h)
          if (field_holds(doc_of(hits[h].doc), a.kind, a.terms[0])) hits[out++] = hits[h];
        hits.resize(out);
        for (auto [g, sc, title] : hits) emit(g, sc, title);
        break;
      }
      case AltKind::path: {
        for (std::size_t s = 0; s < segs.size(); ++s) {
          const auto& docs = segs[s]->docs;
          auto it = std::lower_bound(docs.begin(), docs.end(), a.path,
                                     [](const DocEntry& d, const std::string& p) { return d.path < p; });
          for (; it != docs.end() && std::string_view(it->path).starts_with(a.path); ++it) {
            std::uint32_t g = base[s] + static_cast<std::uint32_t>(it - docs.begin());
            if (acc[g].live) emit(g, 0.0f, false);
          }
        }
        break;
      }
    }
  }

  bool field_holds(const DocEntry& d, AltKind kind, const std::string& term) {
    class Find final : public TokenSink {
     public:
      explicit Find(const std::string& t) : t_(t) {}
      void on_token(const Token& t) override { found |= t.term == t_; }
      bool found = false;

     private:
      const std::string& t_;
    } find(term);
    std::uint32_t pos = 0;
    if (kind == AltKind::title) {
      tokenizer.tokenize_text(d.title, TokenField::title, find, pos);
    } else {
      for (const auto& t : d.tags) tokenizer.tokenize_text(t, TokenField::tag, find, pos);
    }
    return find.found;
  }

  // Higher score first; equal scores by (path, page). Inlined: the top-k heap calls it about
  // k log k times per query; paths are compared only on a tie.
  [[gnu::always_inline]] bool better(std::uint32_t a, float sa, std::uint32_t b, float sb) const {
    if (sa != sb) return sa > sb;
    return before_on_tie(a, b);
  }
  [[gnu::noinline]] bool before_on_tie(std::uint32_t a, std::uint32_t b) const {
    const DocEntry &x = doc_of(a), &y = doc_of(b);
    if (x.path != y.path) return x.path < y.path;
    return x.page < y.page;
  }

  bool phrase_in_text(const std::vector<std::string>& terms, std::string_view body) {
    std::vector<std::vector<std::uint32_t>> positions(terms.size());
    PositionSink sink(terms, positions);
    tokenizer.tokenize_markdown(body, sink);
    for (std::uint32_t p : positions[0]) {
      bool all = true;
      for (std::size_t k = 1; k < terms.size() && all; ++k)
        all = std::binary_search(positions[k].begin(), positions[k].end(), p + static_cast<std::uint32_t>(k));
      if (all) return true;
    }
    return false;
  }

  Result<void> search(std::string_view query, const SearchOptions& options, std::vector<SearchHit>& out,
                      const DocumentTexts* texts) {
    out.clear();
    flush();
    ZKWIKI_TRY(parse_query(query, options, tokenizer, clauses));
    if (++gen == 0) {  // the stamp wrapped: start over
      for (Acc& x : acc) x.stamp = 0;
      gen = 1;
    }
    touched_count = 0;
    std::uint32_t positive = 0;
    std::vector<const std::vector<std::string>*> phrases;  // positive single-phrase clauses
    for (const Clause& c : clauses) {
      if (c.negated) continue;
      const std::uint32_t bit = 1u << positive, before = bit - 1;
      // The first clause opens the candidates; each later one adds to those that matched all before.
      auto first = [&](std::uint32_t g, float sc, bool title) __attribute__((always_inline)) {
        // Without branches: whether a doc is new to this query is a coin toss per posting.
        Acc& x = acc[g];
        const bool fresh = x.stamp != gen;
        touched_buf[touched_count] = g;
        touched_count += fresh;
        x.stamp = gen;
        x.mask = (fresh ? 0 : x.mask) | bit;
        x.tmask = (fresh ? 0 : x.tmask) | (title ? bit : 0);
        x.score = (fresh ? 0.0f : x.score) + sc;
      };
      auto later = [&](std::uint32_t g, float sc, bool title) __attribute__((always_inline)) {
        Acc& x = acc[g];
        if (x.stamp != gen || (x.mask & before) != before) return;
        x.mask |= bit;
        x.tmask |= title ? bit : 0;
        x.score += sc;
      };
      for (const Alternative& a : c.alts) {
        if (positive == 0) alternative_hits(a, options, first);
        else alternative_hits(a, options, later);
      }
      if (c.alts.size() == 1 && c.alts[0].kind == AltKind::phrase) phrases.push_back(&c.alts[0].terms);
      ++positive;
      if (positive == 1 && touched_count == 0) return {};
    }
    if (positive == 0) return {};
    for (const Clause& c : clauses) {
      if (!c.negated) continue;
      auto exclude = [&](std::uint32_t g, float, bool) {
        if (acc[g].stamp == gen) acc[g].mask = 0;
      };
      for (const Alternative& a : c.alts) alternative_hits(a, options, exclude);
    }
    const std::uint32_t full = positive == 32 ? 0xFFFFFFFFu : (1u << positive) - 1;
    // A page whose title is exactly the query's words ranks above pages that only mention them.
    auto final_score = [&](Acc& x) {
      if (x.tmask == full && x.title_terms == positive) [[unlikely]]
        x.score *= kExactTitle;
      return x.score;
    };
    auto worse = [this](const std::pair<float, std::uint32_t>& a, const std::pair<float, std::uint32_t>& b) {
      return better(a.second, a.first, b.second, b.first);  // a heap whose top is the worst kept
    };
    heap.clear();
    const std::size_t limit = options.limit;
    if (limit == 0) return {};
    if (phrases.empty() && limit <= kSmallTop) {
      // A short sorted list, best first: a candidate that gets in finds its place by counting
      // (no branch per comparison) and moves one slot per worse entry. A heap's sift branches
      // on every comparison, and on a query's first run those branches are mispredicted.
      std::size_t m = 0;
      for (std::uint32_t g : touched()) {
        Acc& x = acc[g];
        if (x.mask != full) continue;
        const float sc = final_score(x);
        if (m == limit && !better(g, sc, top[m - 1].second, top[m - 1].first)) continue;
        std::size_t pos = 0;
        bool tie = false;
        for (std::size_t i = 0; i < m; ++i) {
          pos += top[i].first > sc;
          tie |= top[i].first == sc;
        }
        if (tie) [[unlikely]] {
          pos = 0;
          while (pos < m && better(top[pos].second, top[pos].first, g, sc)) ++pos;
        }
        for (std::size_t i = m < limit ? m++ : m - 1; i > pos; --i) top[i] = top[i - 1];
        top[pos] = {sc, g};
      }
      for (std::size_t i = 0; i < m; ++i) out.push_back(hit_for(top[i].second, top[i].first, false));
      return {};
    }
    if (phrases.empty()) {
      for (std::uint32_t g : touched()) {
        Acc& x = acc[g];
        if (x.mask != full) continue;
        const float sc = final_score(x);
        if (heap.size() < limit) {
          heap.emplace_back(sc, g);
          std::push_heap(heap.begin(), heap.end(), worse);
        } else if (sc >= heap.front().first && better(g, sc, heap.front().second, heap.front().first)) {
          // (The score test first: most candidates lose on it, without comparing paths.)
          std::pop_heap(heap.begin(), heap.end(), worse);
          heap.back() = {sc, g};
          std::push_heap(heap.begin(), heap.end(), worse);
        }
      }
      std::sort_heap(heap.begin(), heap.end(), worse);
      for (auto [sc, g] : heap) out.push_back(hit_for(g, sc, false));
      return {};
    }
    // With phrases: walk the candidates best first, checking each against its text.
    for (std::uint32_t g : touched())
      if (acc[g].mask == full) heap.emplace_back(final_score(acc[g]), g);
    std::sort(heap.begin(), heap.end(), worse);
    for (auto [sc, g] : heap) {
      if (out.size() >= limit) break;
      const DocEntry& d = doc_of(g);
      std::optional<std::string> body = texts ? texts->body(d.page, d.revision) : std::nullopt;
      if (!body) {
        out.push_back(hit_for(g, sc, true));
        continue;
      }
      bool all = true;
      for (const auto* terms : phrases) all = all && phrase_in_text(*terms, *body);
      if (all) out.push_back(hit_for(g, sc, false));
    }
    return {};
  }

  SearchHit hit_for(std::uint32_t g, float sc, bool unverified) const {
    const DocEntry& d = doc_of(g);
    return SearchHit{d.page, d.revision, sc, d.path, d.title, unverified};
  }
};

SearchIndex::SearchIndex() : impl_(std::make_unique<Impl>()) {}
SearchIndex::~SearchIndex() = default;
SearchIndex::SearchIndex(SearchIndex&&) noexcept = default;
SearchIndex& SearchIndex::operator=(SearchIndex&&) noexcept = default;

Result<bool> SearchIndex::put(const SearchDocument& doc) {
  if (doc.revision == 0) return make_error(Errc::invalid_argument, "search: revision 0");
  if (doc.path.empty() || doc.path.size() > kMaxPathBytes || doc.title.size() > kMaxTitleBytes ||
      doc.tags.size() > kMaxTags)
    return make_error(Errc::invalid_argument, "search: empty path, or a field over its limit");
  if (!valid_text(doc.path) || !valid_text(doc.title))
    return make_error(Errc::invalid_argument, "search: path or title is not valid UTF-8 text");
  for (const auto& t : doc.tags)
    if (t.size() > kMaxTagBytes || !valid_text(t)) return make_error(Errc::invalid_argument, "search: a bad tag");
  auto known = impl_->newest(doc.page);
  if (known && known->first >= doc.revision) return false;
  PendingDoc& p = impl_->pending[doc.page];
  p.deleted = false;
  p.revision = doc.revision;
  p.path.assign(doc.path);
  p.title.assign(doc.title);
  p.body.assign(doc.body);
  p.tags.assign(doc.tags.begin(), doc.tags.end());
  return true;
}

void SearchIndex::remove(const PageId& page, std::uint64_t revision) {
  auto known = impl_->newest(page);
  if (known && known->first >= revision) return;
  PendingDoc& p = impl_->pending[page];
  p = PendingDoc{};
  p.deleted = true;
  p.revision = revision;
}

std::optional<std::uint64_t> SearchIndex::revision_of(const PageId& page) {
  auto known = impl_->newest(page);
  if (!known || known->second) return std::nullopt;
  return known->first;
}

std::optional<std::uint64_t> SearchIndex::deleted_revision(const PageId& page) {
  auto known = impl_->newest(page);
  if (!known || !known->second) return std::nullopt;
  return known->first;
}

std::size_t SearchIndex::documents() {
  impl_->flush();
  return impl_->live_docs;
}

std::vector<std::pair<PageId, std::uint64_t>> SearchIndex::live_pages() {
  impl_->flush();
  std::vector<std::pair<PageId, std::uint64_t>> out;
  for (const auto& [p, w] : impl_->winners)
    if (!w.deleted) out.emplace_back(p, w.revision);
  std::sort(out.begin(), out.end());
  return out;
}

Result<void> SearchIndex::search(std::string_view query, const SearchOptions& options, std::vector<SearchHit>& out,
                                 const DocumentTexts* texts) {
  return impl_->search(query, options, out, texts);
}

Result<std::vector<SearchHit>> SearchIndex::search(std::string_view query, const SearchOptions& options,
                                                   const DocumentTexts* texts) {
  std::vector<SearchHit> out;
  ZKWIKI_TRY(impl_->search(query, options, out, texts));
  return out;
}

void SearchIndex::flush() { impl_->flush(); }
bool SearchIndex::has_pending() const noexcept { return !impl_->pending.empty(); }

std::vector<SegmentInfo> SearchIndex::segments() {
  impl_->flush();
  std::vector<SegmentInfo> out;
  for (std::size_t s = 0; s < impl_->segs.size(); ++s) {
    const Segment& seg = *impl_->segs[s];
    auto docs = static_cast<std::uint32_t>(seg.docs.size());
    out.push_back(SegmentInfo{seg.seq, docs, static_cast<std::uint32_t>(seg.tombstones.size()),
                              docs - impl_->dead[s], seg.bytes.size()});
  }
  return out;
}

std::span<const std::uint8_t> SearchIndex::segment_bytes(std::size_t i) const {
  if (i >= impl_->segs.size()) internal::misuse("SearchIndex::segment_bytes: no such segment");
  return impl_->segs[i]->bytes;
}

Result<void> SearchIndex::add_segment(std::vector<std::uint8_t> bytes) {
  ZKWIKI_ASSIGN(Segment seg, decode_segment(std::move(bytes)));
  impl_->segs.push_back(std::make_unique<Segment>(std::move(seg)));
  impl_->resolve();
  return {};
}

Result<void> SearchIndex::set_segments(std::vector<std::vector<std::uint8_t>> segments) {
  std::vector<std::unique_ptr<Segment>> decoded;
  for (auto& b : segments) {
    ZKWIKI_ASSIGN(Segment seg, decode_segment(std::move(b)));
    decoded.push_back(std::make_unique<Segment>(std::move(seg)));
  }
  impl_->segs = std::move(decoded);
  impl_->resolve();
  return {};
}

bool SearchIndex::merge_step(const MergePolicy& policy) {
  Impl& im = *impl_;
  im.flush();
  if (im.segs.size() < 2) return false;
  const std::size_t fan = std::max<std::size_t>(2, policy.fan_in);
  auto tier = [&](std::size_t s) {
    std::size_t n = im.segs[s]->docs.size() + im.segs[s]->tombstones.size(), t = 0;
    while (n >= fan) n /= fan, ++t;
    return t;
  };
  for (std::size_t s = 0; s < im.segs.size();) {
    std::size_t e = s + 1;
    while (e < im.segs.size() && tier(e) == tier(s)) ++e;
    if (e - s >= fan) {
      im.merge(s, s + fan);
      return true;
    }
    s = e;
  }
  if (im.segs.size() > policy.max_segments) {
    std::size_t best = 0, best_size = SIZE_MAX;
    for (std::size_t s = 0; s + 1 < im.segs.size(); ++s) {
      std::size_t n = im.segs[s]->bytes.size() + im.segs[s + 1]->bytes.size();
      if (n < best_size) best_size = n, best = s;
    }
    im.merge(best, best + 2);
    return true;
  }
  return false;
}

void SearchIndex::compact() {
  impl_->flush();
  if (impl_->segs.empty()) return;
  impl_->merge(0, impl_->segs.size());
}

void SearchIndex::clear() {
  impl_->segs.clear();
  impl_->pending.clear();
  impl_->resolve();
}

Result<SegmentInfo> inspect_segment(std::span<const std::uint8_t> bytes) {
  ZKWIKI_ASSIGN(Segment seg, decode_segment(Bytes(bytes.begin(), bytes.end())));
  return SegmentInfo{seg.seq, static_cast<std::uint32_t>(seg.docs.size()),
                     static_cast<std::uint32_t>(seg.tombstones.size()), static_cast<std::uint32_t>(seg.docs.size()),
                     seg.bytes.size()};
}

}  // namespace zkwiki

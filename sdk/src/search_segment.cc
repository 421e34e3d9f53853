// Index segments ("ZKWI", docs/FORMAT.md): building, encoding, and validating decoding.
#include <algorithm>
#include <cstring>
#include <numeric>
#include <unordered_set>

#include <utf8proc.h>

#include "internal.h"
#include "search_internal.h"
#include "zkwiki/page.h"

namespace zkwiki::search_internal {
namespace {

constexpr std::string_view kMagic = "ZKWI";

void put_varint(Bytes& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

void put_u32(Bytes& out, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

void put_text(Bytes& out, std::string_view s) {
  put_varint(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

// Bounded reader for one section; the first failure sticks.
class SectionReader {
 public:
  SectionReader(const std::uint8_t* p, std::size_t n) : p_(p), end_(p + n) {}
  std::uint64_t varint(std::uint64_t max = UINT64_MAX) {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ >= end_) return fail(Errc::truncated, "a number runs past the end of its section"), 0;
      std::uint8_t b = *p_++;
      if (shift == 63 && b > 1) break;
      v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) {
        if (b == 0 && shift > 0) return fail(Errc::malformed, "a number is not minimally encoded"), 0;
        if (v > max) return fail(Errc::malformed, "a number is out of range"), 0;
        return v;
      }
    }
    return fail(Errc::malformed, "a number is too long"), 0;
  }
  std::string_view bytes(std::size_t n) {
    if (failed_) return {};
    if (static_cast<std::size_t>(end_ - p_) < n) return fail(Errc::truncated, "a field runs past the end of its section"), std::string_view{};
    std::string_view s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }
  bool at_end() const noexcept { return p_ == end_; }
  const std::uint8_t* position() const noexcept { return p_; }
  bool failed() const noexcept { return failed_; }
  void fail(Errc code, std::string message) {
    if (failed_) return;
    failed_ = true;
    error_ = Error{code, std::move(message)};
  }
  const Error& error() const noexcept { return error_; }

 private:
  const std::uint8_t* p_;
  const std::uint8_t* end_;
  bool failed_ = false;
  Error error_{Errc::internal, {}};
};

Error segment_error(Errc code, const std::string& what) { return make_error(code, "index segment: " + what); }

bool path_less(const DocEntry& a, const DocEntry& b) {
  if (a.path != b.path) return a.path < b.path;
  return a.page < b.page;
}

}  // namespace

std::string_view path_stem(std::string_view path) noexcept {
  auto slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  auto dot = name.rfind('.');
  return dot == std::string_view::npos || dot == 0 ? name : name.substr(0, dot);
}

bool within_one_edit(std::string_view a, std::string_view b) noexcept {
  // Compare as code points (terms are valid UTF-8).
  std::int32_t x[kMaxTermBytes + 1], y[kMaxTermBytes + 1];
  auto decode = [](std::string_view s, std::int32_t* out) {
    std::size_t n = 0;
    auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
    auto left = static_cast<utf8proc_ssize_t>(s.size());
    while (left > 0 && n <= kMaxTermBytes) {
      utf8proc_int32_t cp = 0;
      auto l = utf8proc_iterate(p, left, &cp);
      if (l <= 0) return std::size_t{0};
      out[n++] = cp;
      p += l;
      left -= l;
    }
    return n;
  };
  std::size_t m = decode(a, x), n = decode(b, y);
  if (m > n + 1 || n > m + 1) return false;
  std::size_t i = 0;
  while (i < m && i < n && x[i] == y[i]) ++i;
  if (i == m && i == n) return true;  // equal
  if (m == n) {
    // substitution, or a swap of neighbours
    if (std::equal(x + i + 1, x + m, y + i + 1)) return true;
    return i + 1 < m && x[i] == y[i + 1] && x[i + 1] == y[i] && std::equal(x + i + 2, x + m, y + i + 2);
  }
  if (m > n) return std::equal(x + i + 1, x + m, y + i);  // deletion from a
  return std::equal(x + i, x + m, y + i + 1);             // insertion into a
}

namespace {

std::uint64_t key8_of(std::string_view s) noexcept {
  std::uint64_t k = 0;
  for (std::size_t i = 0; i < 8; ++i) k = k << 8 | (i < s.size() ? static_cast<unsigned char>(s[i]) : 0u);
  return k;
}

}  // namespace

long Segment::find(std::string_view t) const noexcept {
  // `t` is among the terms whose first 8 bytes are its own; those are ordered by the whole term.
  auto [lo, hi] = std::equal_range(key8.begin(), key8.end(), key8_of(t));
  std::size_t a = static_cast<std::size_t>(lo - key8.begin()), b = static_cast<std::size_t>(hi - key8.begin());
  while (a < b) {
    std::size_t mid = a + (b - a) / 2;
    int c = term(mid).compare(t);
    if (c == 0) return static_cast<long>(mid);
    if (c < 0) a = mid + 1;
    else b = mid;
  }
  return -1;
}

std::pair<std::size_t, std::size_t> Segment::prefix_range(std::string_view prefix) const noexcept {
  const std::uint64_t k = key8_of(prefix);
  std::size_t lo = 0, hi = term_count();
  if (prefix.size() < 8 && prefix.find('\0') == std::string_view::npos) {
    // A term starts with a prefix of n < 8 bytes (none of them 0) exactly when its key's first
    // n bytes are the prefix's: the keys in [k, k with the other bytes all ones].
    auto first = std::lower_bound(key8.begin(), key8.end(), k);
    auto last = std::upper_bound(first, key8.end(), k | (~std::uint64_t{0} >> (8 * prefix.size())));
    return {static_cast<std::size_t>(first - key8.begin()), static_cast<std::size_t>(last - key8.begin())};
  }
  if (prefix.size() >= 8) {  // the terms starting with it share its first 8 bytes, hence its key
    auto [a, b] = std::equal_range(key8.begin(), key8.end(), k);
    lo = static_cast<std::size_t>(a - key8.begin());
    hi = static_cast<std::size_t>(b - key8.begin());
  }
  const std::size_t end = hi;
  while (lo < hi) {
    std::size_t mid = lo + (hi - lo) / 2;
    if (term(mid) < prefix) lo = mid + 1;
    else hi = mid;
  }
  std::size_t first = lo;
  while (lo < end && term(lo).starts_with(prefix)) ++lo;
  return {first, lo};
}

// ---- building ----

std::uint32_t SegmentBuilder::begin_document(DocEntry entry) {
  docs_.push_back(std::move(entry));
  return static_cast<std::uint32_t>(docs_.size() - 1);
}

void SegmentBuilder::add(std::string_view term, std::uint32_t doc, std::uint32_t weight, bool title) {
  auto it = ids_.find(term);
  std::uint32_t id;
  if (it == ids_.end()) {
    id = static_cast<std::uint32_t>(postings_.size());
    auto ins = ids_.emplace(std::string(term), id).first;
    names_.push_back(ins->first);
    postings_.emplace_back();
  } else {
    id = it->second;
  }
  TermPostings& p = postings_[id];
  if (!p.docs.empty() && p.docs.back() == doc) {
    p.wtf.back() += weight << 1;
    p.wtf.back() |= title ? 1 : 0;
  } else {
    p.docs.push_back(doc);
    p.wtf.push_back(weight << 1 | (title ? 1 : 0));
  }
}

namespace {
class BuilderSink final : public TokenSink {
 public:
  BuilderSink(SegmentBuilder& b, std::uint32_t doc) : b_(b), doc_(doc) {}
  void on_token(const Token& t) override {
    b_.add(t.term, doc_, field_weight(t.field), t.field == TokenField::title);
    ++count;
    if (t.field == TokenField::title) ++title_count;
  }
  std::uint32_t count = 0, title_count = 0;

 private:
  SegmentBuilder& b_;
  std::uint32_t doc_;
};
}  // namespace

void SegmentBuilder::add_text(std::uint32_t doc, Tokenizer& tokenizer, std::string_view title,
                              std::span<const std::string> tags, std::string_view body) {
  BuilderSink sink(*this, doc);
  std::uint32_t pos = 0;
  tokenizer.tokenize_text(title, TokenField::title, sink, pos);
  for (const auto& t : tags) tokenizer.tokenize_text(t, TokenField::tag, sink, pos);
  tokenizer.tokenize_markdown(body, sink, pos + 1);
  docs_[doc].length = sink.count;
  docs_[doc].title_terms = sink.title_count;
}

Bytes SegmentBuilder::encode(std::uint64_t seq) {
  Bytes out(kHeaderBytes, 0);
  std::memcpy(out.data(), kMagic.data(), 4);
  out[4] = kSegmentVersion;
  for (int i = 0; i < 8; ++i) out[8 + i] = static_cast<std::uint8_t>(seq >> (8 * i));
  put_u32(out, 16, static_cast<std::uint32_t>(docs_.size()));
  std::sort(tombstones_.begin(), tombstones_.end(),
            [](const Tombstone& a, const Tombstone& b) { return a.page < b.page; });
  put_u32(out, 20, static_cast<std::uint32_t>(tombstones_.size()));
  std::uint64_t total = 0;

  // Documents, then tombstones.
  std::size_t docs_start = out.size();
  std::string_view prev;
  for (const DocEntry& d : docs_) {
    out.insert(out.end(), d.page.bytes.begin(), d.page.bytes.end());
    put_varint(out, d.revision);
    bool stem = d.title == path_stem(d.path);
    out.push_back(stem ? 1 : 0);
    put_varint(out, d.length);
    put_varint(out, d.title_terms);
    total += d.length;
    std::size_t shared = 0;
    while (shared < prev.size() && shared < d.path.size() && prev[shared] == d.path[shared]) ++shared;
    // Never split a UTF-8 sequence (each stored piece stays valid text).
    while (shared > 0 && shared < d.path.size() && (static_cast<unsigned char>(d.path[shared]) & 0xC0) == 0x80) --shared;
    put_varint(out, shared);
    put_text(out, std::string_view(d.path).substr(shared));
    if (!stem) put_text(out, d.title);
    put_varint(out, d.tags.size());
    for (const auto& t : d.tags) put_text(out, t);
    prev = d.path;
  }
  for (const Tombstone& t : tombstones_) {
    out.insert(out.end(), t.page.bytes.begin(), t.page.bytes.end());
    put_varint(out, t.revision);
  }
  put_u32(out, 28, static_cast<std::uint32_t>(out.size() - docs_start));

  // Dictionary in byte order, then the postings in the same order.
  std::vector<std::uint32_t> order(names_.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return names_[a] < names_[b]; });
  put_u32(out, 24, static_cast<std::uint32_t>(order.size()));
  Bytes post;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> tmp;
  std::size_t dict_start = out.size();
  std::string_view prev_term;
  for (std::uint32_t id : order) {
    TermPostings& p = postings_[id];
    // Postings from merges may come out of order.
    if (!std::is_sorted(p.docs.begin(), p.docs.end())) {
      tmp.clear();
      for (std::size_t i = 0; i < p.docs.size(); ++i) tmp.emplace_back(p.docs[i], p.wtf[i]);
      std::sort(tmp.begin(), tmp.end());
      for (std::size_t i = 0; i < tmp.size(); ++i) p.docs[i] = tmp[i].first, p.wtf[i] = tmp[i].second;
    }
    std::size_t before = post.size();
    std::int64_t last = -1;
    for (std::size_t i = 0; i < p.docs.size(); ++i) {
      std::uint64_t gap = static_cast<std::uint64_t>(p.docs[i] - last - 1);
      last = p.docs[i];
      std::uint32_t wtf = p.wtf[i] >> 1, title = p.wtf[i] & 1;
      if (wtf > 1) {
        put_varint(post, gap << 2 | title << 1 | 1);
        put_varint(post, wtf - 2);
      } else {
        put_varint(post, gap << 2 | title << 1);
      }
    }
    std::string_view term = names_[id];
    std::size_t shared = 0;
    while (shared < prev_term.size() && shared < term.size() && prev_term[shared] == term[shared]) ++shared;
    put_varint(out, shared);
    put_text(out, term.substr(shared));
    put_varint(out, p.docs.size());
    put_varint(out, post.size() - before);
    prev_term = term;
  }
  put_u32(out, 32, static_cast<std::uint32_t>(out.size() - dict_start));
  put_u32(out, 36, static_cast<std::uint32_t>(post.size()));
  for (int i = 0; i < 8; ++i) out[40 + i] = static_cast<std::uint8_t>(total >> (8 * i));
  out.insert(out.end(), post.begin(), post.end());
  return out;
}

// ---- decoding ----

Result<Segment> decode_segment(Bytes bytes) {
  Segment s;
  internal::ByteReader r(bytes);
  if (!internal::expect_magic(r, kMagic, kSegmentVersion, "index segment")) return r.finish("index segment").error();
  std::uint8_t flags = r.u8();
  std::uint16_t reserved = r.u16();
  s.seq = r.u64();
  std::uint32_t doc_count = r.u32(), tomb_count = r.u32(), term_count = r.u32();
  std::uint32_t docs_bytes = r.u32(), dict_bytes = r.u32(), post_bytes = r.u32();
  s.total_length = r.u64();
  if (r.failed()) return r.finish("index segment").error();
  if (flags != 0 || reserved != 0) return segment_error(Errc::malformed, "reserved header bits are set");
  if (bytes.size() > kMaxSegmentBytes)
    return segment_error(Errc::too_large, "larger than " + std::to_string(kMaxSegmentBytes) + " bytes");
  if (doc_count > kMaxSegmentDocs || tomb_count > kMaxSegmentDocs || term_count > kMaxSegmentTerms)
    return segment_error(Errc::too_large, "a count exceeds its limit");
  std::uint64_t declared = std::uint64_t{kHeaderBytes} + docs_bytes + dict_bytes + post_bytes;
  if (declared > bytes.size()) return segment_error(Errc::truncated, "sections run past the end");
  if (declared < bytes.size()) return segment_error(Errc::trailing_data, std::to_string(bytes.size() - declared) + " unexpected trailing bytes");
  // Counts the sections cannot hold are refused before anything is allocated for them: each
  // document takes at least its id, revision and flags; each deletion its id and revision; each
  // term four varints.
  if (std::uint64_t{doc_count} * 18 + std::uint64_t{tomb_count} * 17 > docs_bytes)
    return segment_error(Errc::truncated, "more documents and deletions than the document section can hold");
  if (std::uint64_t{term_count} * 4 > dict_bytes)
    return segment_error(Errc::truncated, "more terms than the dictionary can hold");

  // Documents and tombstones.
  SectionReader d(bytes.data() + kHeaderBytes, docs_bytes);
  s.docs.resize(doc_count);
  std::uint64_t total = 0;
  std::unordered_set<PageId, PageIdHash> seen;
  seen.reserve(doc_count + tomb_count);
  for (std::uint32_t i = 0; i < doc_count && !d.failed(); ++i) {
    DocEntry& e = s.docs[i];
    auto id = d.bytes(16);
    if (d.failed()) break;
    std::memcpy(e.page.bytes.data(), id.data(), 16);
    e.revision = d.varint();
    auto f = d.bytes(1);
    if (d.failed()) break;
    std::uint8_t doc_flags = static_cast<std::uint8_t>(f[0]);
    e.length = static_cast<std::uint32_t>(d.varint(UINT32_MAX));
    e.title_terms = static_cast<std::uint32_t>(d.varint(e.length));
    std::uint64_t shared = d.varint(kMaxPathBytes);
    std::uint64_t suffix = d.varint(kMaxPathBytes);
    auto piece = d.bytes(static_cast<std::size_t>(suffix));
    if (d.failed()) break;
    if (e.revision == 0) d.fail(Errc::malformed, "a document has revision 0");
    if (doc_flags > 1) d.fail(Errc::malformed, "a document has reserved flag bits set");
    const std::string& prev_path = i > 0 ? s.docs[i - 1].path : std::string();
    if (shared > prev_path.size() || shared + suffix > kMaxPathBytes || shared + suffix == 0) {
      d.fail(Errc::malformed, "a document path is out of range");
      break;
    }
    e.path.assign(prev_path, 0, static_cast<std::size_t>(shared));
    e.path.append(piece);
    if (doc_flags & 1) {
      e.title = std::string(path_stem(e.path));
    } else {
      std::uint64_t tl = d.varint(kMaxTitleBytes);
      e.title = std::string(d.bytes(static_cast<std::size_t>(tl)));
    }
    std::uint64_t tags = d.varint(kMaxTags);
    for (std::uint64_t t = 0; t < tags && !d.failed(); ++t) {
      std::uint64_t tl = d.varint(kMaxTagBytes);
      e.tags.emplace_back(d.bytes(static_cast<std::size_t>(tl)));
    }
    if (d.failed()) break;
    if (!valid_text(e.path) || !valid_text(e.title)) d.fail(Errc::malformed, "a path or title is not valid UTF-8");
    for (const auto& t : e.tags)
      if (!valid_text(t)) d.fail(Errc::malformed, "a tag is not valid UTF-8");
    if (i > 0 && !path_less(s.docs[i - 1], e)) d.fail(Errc::malformed, "documents are not in (path, page) order");
    if (!seen.insert(e.page).second) d.fail(Errc::malformed, "a page appears twice");
    total += e.length;
  }
  s.tombstones.resize(d.failed() ? 0 : tomb_count);
  for (std::uint32_t i = 0; i < tomb_count && !d.failed(); ++i) {
    auto id = d.bytes(16);
    if (d.failed()) break;
    std::memcpy(s.tombstones[i].page.bytes.data(), id.data(), 16);
    s.tombstones[i].revision = d.varint();
    if (s.tombstones[i].revision == 0) d.fail(Errc::malformed, "a deletion has revision 0");
    if (i > 0 && !(s.tombstones[i - 1].page < s.tombstones[i].page))
      d.fail(Errc::malformed, "deletions are not in page order");
    if (!seen.insert(s.tombstones[i].page).second) d.fail(Errc::malformed, "a page appears twice");
  }
  if (!d.failed() && !d.at_end()) d.fail(Errc::malformed, "the document section has bytes left over");
  if (d.failed()) return segment_error(d.error().code, d.error().message);
  if (total != s.total_length) return segment_error(Errc::malformed, "the total length does not add up");

  // Dictionary.
  SectionReader t(bytes.data() + kHeaderBytes + docs_bytes, dict_bytes);
  s.df.resize(term_count);
  s.term_begin.resize(std::size_t{term_count} + 1);
  s.post_begin.resize(std::size_t{term_count} + 1);
  const std::size_t post_start = kHeaderBytes + std::size_t{docs_bytes} + dict_bytes;
  std::size_t post_at = post_start;
  std::string prev, cur;
  for (std::uint32_t i = 0; i < term_count && !t.failed(); ++i) {
    std::uint64_t shared = t.varint(kMaxTermBytes);
    std::uint64_t suffix = t.varint(kMaxTermBytes);
    auto piece = t.bytes(static_cast<std::size_t>(suffix));
    std::uint64_t df = t.varint(doc_count);
    std::uint64_t plen = t.varint(post_bytes);
    if (t.failed()) break;
    if (shared > prev.size() || shared + suffix == 0 || shared + suffix > kMaxTermBytes) {
      t.fail(Errc::malformed, "a term is out of range");
      break;
    }
    if (df == 0) t.fail(Errc::malformed, "a term has no postings");
    cur.assign(prev, 0, static_cast<std::size_t>(shared));
    cur.append(piece);
    if (i > 0 && !(prev < cur)) t.fail(Errc::malformed, "terms are not in strictly ascending order");
    s.term_begin[i] = static_cast<std::uint32_t>(s.terms.size());
    s.terms.append(cur);
    s.df[i] = static_cast<std::uint32_t>(df);
    s.post_begin[i] = static_cast<std::uint32_t>(post_at);
    post_at += static_cast<std::size_t>(plen);
    if (post_at > post_start + post_bytes) t.fail(Errc::malformed, "postings run past their section");
    prev.swap(cur);
  }
  if (!t.failed() && !t.at_end()) t.fail(Errc::malformed, "the dictionary has bytes left over");
  if (t.failed()) return segment_error(t.error().code, t.error().message);
  s.term_begin[term_count] = static_cast<std::uint32_t>(s.terms.size());
  s.post_begin[term_count] = static_cast<std::uint32_t>(post_at);
  s.key8.resize(term_count);
  for (std::uint32_t i = 0; i < term_count; ++i) s.key8[i] = key8_of(s.term(i));
  if (post_at != post_start + post_bytes) return segment_error(Errc::malformed, "postings do not fill their section");
  for (std::uint32_t i = 0; i < term_count; ++i)
    if (!valid_text(s.term(i))) return segment_error(Errc::malformed, "a term is not valid UTF-8");

  // Postings: every list decodes to exactly df ascending documents in range.
  for (std::uint32_t i = 0; i < term_count; ++i) {
    SectionReader p(bytes.data() + s.post_begin[i], s.post_begin[i + 1] - s.post_begin[i]);
    std::int64_t last = -1;
    for (std::uint32_t k = 0; k < s.df[i] && !p.failed(); ++k) {
      std::uint64_t v = p.varint(UINT32_MAX);
      if (v & 1) p.varint((UINT32_MAX >> 1) - 2);
      std::uint64_t doc = static_cast<std::uint64_t>(last + 1) + (v >> 2);
      if (!p.failed() && doc >= doc_count) p.fail(Errc::malformed, "a posting names a document out of range");
      last = static_cast<std::int64_t>(doc);
    }
    if (!p.failed() && !p.at_end()) p.fail(Errc::malformed, "a posting list is longer than its document frequency");
    if (p.failed()) return segment_error(p.error().code == Errc::truncated ? Errc::malformed : p.error().code,
                                         "term " + std::string(s.term(i)) + ": " + p.error().message);
  }
  s.bytes = std::move(bytes);
  return s;
}

}  // namespace zkwiki::search_internal

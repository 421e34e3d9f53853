// Search internals shared by search_*.cc: the decoded segment, the segment builder, the parsed
// query. Not part of the public API.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "zkwiki/encoding.h"
#include "zkwiki/search.h"
#include "zkwiki/tokenizer.h"

namespace zkwiki::search_internal {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::size_t kHeaderBytes = 48;
inline constexpr std::uint32_t kMaxSegmentDocs = 1u << 24;
inline constexpr std::uint32_t kMaxSegmentTerms = 1u << 26;
inline constexpr std::size_t kMaxSegmentBytes = 64 * 1024 * 1024;  // what one envelope can hold

struct PageIdHash {
  std::size_t operator()(const PageId& p) const noexcept {
    std::size_t h;
    std::memcpy(&h, p.bytes.data(), sizeof h);  // page ids are random
    return h;
  }
};

// Field weights (the weighted term frequency adds these up).
inline constexpr std::uint32_t field_weight(TokenField f) noexcept {
  switch (f) {
    case TokenField::title: return 4;
    case TokenField::tag: return 3;
    case TokenField::heading: return 2;
    default: return 1;
  }
}

struct DocEntry {
  PageId page;
  std::uint64_t revision = 0;
  std::uint32_t length = 0;  // tokens
  std::uint32_t title_terms = 0;  // tokens in the title (an exact title match ranks first)
  std::string path;
  std::string title;
  std::vector<std::string> tags;
};

struct Tombstone {
  PageId page;
  std::uint64_t revision = 0;
};

// A decoded, validated segment. Postings stay encoded in `bytes` and are decoded per query.
struct Segment {
  Bytes bytes;
  std::uint64_t seq = 0;
  std::uint64_t total_length = 0;
  std::vector<DocEntry> docs;  // sorted by (path, page)
  std::vector<Tombstone> tombstones;  // sorted by page
  std::string terms;
  std::vector<std::uint32_t> term_begin;  // term i is terms[term_begin[i], term_begin[i + 1])
  std::vector<std::uint32_t> df;
  std::vector<std::uint32_t> post_begin;  // offsets into bytes; size term_count + 1
  // The first 8 bytes of each term, big-endian, zero-padded: ascending like the terms, so the
  // dictionary searches compare one integer per step and touch one array (the query's cold
  // cache misses were mostly the string compares of the binary searches).
  std::vector<std::uint64_t> key8;

  std::size_t term_count() const noexcept { return df.size(); }
  std::string_view term(std::size_t i) const noexcept {
    return std::string_view(terms).substr(term_begin[i], term_begin[i + 1] - term_begin[i]);
  }
  // Index of `t`, or -1.
  long find(std::string_view t) const noexcept;
  // [first, last) of the terms starting with `prefix`.
  std::pair<std::size_t, std::size_t> prefix_range(std::string_view prefix) const noexcept;
};

Result<Segment> decode_segment(Bytes bytes);

// Reads the postings of one term: (doc, weighted tf) in ascending doc order. Only for
// validated segments (no bounds checks beyond the term's range).
class PostingCursor {
 public:
  PostingCursor(const std::uint8_t* p, const std::uint8_t* end) : p_(p), end_(end) {}
  bool next(std::uint32_t& doc, std::uint32_t& wtf, bool& title) noexcept {
    if (p_ >= end_) return false;
    std::uint32_t v = read();
    doc = static_cast<std::uint32_t>(prev_ + 1 + (v >> 2));
    prev_ = doc;
    title = (v & 2) != 0;
    wtf = (v & 1) ? read() + 2 : 1;
    return true;
  }

 private:
  std::uint32_t read() noexcept {
    std::uint32_t v = 0;
    int shift = 0;
    while (true) {
      std::uint8_t b = *p_++;
      v |= static_cast<std::uint32_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
      shift += 7;
    }
  }
  const std::uint8_t* p_;
  const std::uint8_t* end_;
  std::int64_t prev_ = -1;
};

inline PostingCursor postings(const Segment& s, std::size_t term) {
  return PostingCursor(s.bytes.data() + s.post_begin[term], s.bytes.data() + s.post_begin[term + 1]);
}

// Builds a segment from documents (in (path, page) order) or from the postings of others.
class SegmentBuilder {
 public:
  // Starts a document; returns its index. Documents must be added in (path, page) order.
  std::uint32_t begin_document(DocEntry entry);
  // Adds `weight` to `term`'s frequency in document `doc` (`title`: the term is in its title).
  void add(std::string_view term, std::uint32_t doc, std::uint32_t weight, bool title = false);
  void add_tombstone(const Tombstone& t) { tombstones_.push_back(t); }
  std::uint32_t documents() const noexcept { return static_cast<std::uint32_t>(docs_.size()); }
  DocEntry& document(std::uint32_t i) { return docs_[i]; }
  Bytes encode(std::uint64_t seq);

  // Tokenizes and adds a page as document `doc` (title, tags and body).
  void add_text(std::uint32_t doc, Tokenizer& tokenizer, std::string_view title, std::span<const std::string> tags,
                std::string_view body);

 private:
  struct TermHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  struct TermPostings {
    std::vector<std::uint32_t> docs;
    std::vector<std::uint32_t> wtf;  // weighted frequency << 1 | in the title
  };
  std::unordered_map<std::string, std::uint32_t, TermHash, std::equal_to<>> ids_;
  std::vector<TermPostings> postings_;
  std::vector<std::string_view> names_;
  std::vector<DocEntry> docs_;
  std::vector<Tombstone> tombstones_;
};

// The file name of `path` without its extension (a page's default title).
std::string_view path_stem(std::string_view path) noexcept;

// ---- queries ----

enum class AltKind : std::uint8_t { term, prefix, phrase, title, tag, path };

struct Alternative {
  AltKind kind = AltKind::term;
  std::vector<std::string> terms;  // folded: one (term, prefix, title, tag) or several (phrase)
  std::string path;                // path: prefix, raw
};

struct Clause {
  std::vector<Alternative> alts;  // OR
  bool negated = false;
};

// Parses `query` into clauses (AND of ORs). Errors: invalid_argument.
Result<void> parse_query(std::string_view query, const SearchOptions& options, Tokenizer& tokenizer,
                         std::vector<Clause>& out);

// Edit distance between two folded terms is at most 1 (insert, delete, substitute, swap of
// two neighbours), in characters.
bool within_one_edit(std::string_view a, std::string_view b) noexcept;

}  // namespace zkwiki::search_internal

// Full-text search over pages, on the client. The index lives in memory as a list of immutable
// segments (each a "ZKWI" byte string, docs/FORMAT.md); changes go to a pending set that becomes
// a new segment at the next flush; small segments merge by a size-tiered policy. The client
// seals each segment under the collection's search key and uploads it as a blob
// (search_manifest.h); this header does no I/O and knows no keys.
//
// Ranking: BM25 (k1 = 1.2, b = 0.75) over field-weighted term frequencies (title 4, tag 3,
// heading 2, body, code and link 1), with the collection-wide document count, document
// frequencies and average length of the live documents, so the same pages give the same results
// however the segments were built (incrementally or at once). Ties are broken by path.
//
// Query syntax (words are folded as by the tokenizer):
//   word word         both (AND, the default)
//   word OR word      either
//   -word, -"a b"     exclude pages that match
//   "a b c"           a phrase (see DocumentTexts)
//   word*             any term starting with `word` (SearchOptions::prefix_last does the same
//                     for the last word: type-ahead)
//   title:word  tag:word  path:dir/    field filters (path: is a prefix of the page's path)
//
// Phrases: segments keep no word positions (to stay small), so a phrase matches pages that hold
// all of its words, and is then checked against the page's text when a DocumentTexts can give
// it; a hit whose text was not available is marked `phrase_unverified`.
//
// Thread safety: one SearchIndex is used from one thread at a time (queries reuse scratch
// buffers held by the index).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zkwiki/ids.h"
#include "zkwiki/result.h"

namespace zkwiki {

inline constexpr std::uint8_t kSegmentVersion = 1;
inline constexpr std::size_t kMaxQueryBytes = 4096;
inline constexpr std::size_t kMaxQueryClauses = 32;
inline constexpr std::size_t kMaxPrefixExpansions = 2048;

// One page as the index sees it. The views are read during put() only.
struct SearchDocument {
  PageId page;
  std::uint64_t revision = 0;  // the page revision this text is; at least 1
  std::string_view path;
  std::string_view title;
  std::span<const std::string> tags;
  std::string_view body;  // Markdown
};

struct SearchOptions {
  std::size_t limit = 10;
  bool prefix_last = false;  // the last word also matches as a prefix (type-ahead)
  bool typos = false;        // words of >= 5 characters also match terms one edit away
};

struct SearchHit {
  PageId page;
  std::uint64_t revision = 0;
  double score = 0;
  std::string_view path;   // valid until the index next changes
  std::string_view title;
  bool phrase_unverified = false;
};

// The text of a page, for checking phrases. Return nullopt when it is not at hand (a device
// that fetched the index but not the page): the hit is kept and marked unverified.
class DocumentTexts {
 public:
  virtual ~DocumentTexts() = default;
  virtual std::optional<std::string> body(const PageId& page, std::uint64_t revision) const = 0;
};

struct SegmentInfo {
  std::uint64_t seq = 0;          // creation order; a merge keeps the highest of its inputs
  std::uint32_t documents = 0;    // entries with text (some may be superseded by newer segments)
  std::uint32_t tombstones = 0;   // deleted pages this segment records
  std::uint32_t live = 0;         // of `documents`, those that are the newest revision indexed
  std::size_t bytes = 0;          // encoded size
};

// When segments merge: a run of at least `fan_in` adjacent segments of the same size tier
// (tier = floor(log_fan_in(documents + tombstones))) merges into one; and whenever there are
// more than `max_segments`, the smallest adjacent pair merges.
struct MergePolicy {
  std::size_t fan_in = 4;
  std::size_t max_segments = 12;
};

struct Snippet {
  std::string text;                                        // plain text, syntax removed
  std::vector<std::pair<std::uint32_t, std::uint32_t>> highlights;  // byte ranges in `text`
};

class SearchIndex {
 public:
  SearchIndex();
  ~SearchIndex();
  SearchIndex(SearchIndex&&) noexcept;
  SearchIndex& operator=(SearchIndex&&) noexcept;

  // Adds or replaces a page. A revision older than (or equal to) the one indexed is ignored
  // and returns false. Errors: invalid_argument (revision 0, empty path, a field over the page
  // limits of page.h).
  Result<bool> put(const SearchDocument& doc);
  // Records that `page` was deleted in `revision`: it no longer matches. Older is ignored.
  void remove(const PageId& page, std::uint64_t revision);
  // The revision indexed for `page` (nullopt: unknown, or deleted).
  std::optional<std::uint64_t> revision_of(const PageId& page);
  // Whether `page` is recorded as deleted, and at which revision.
  std::optional<std::uint64_t> deleted_revision(const PageId& page);
  // Live pages (indexed, not deleted).
  std::size_t documents();
  // Every live page with its revision (for coverage checks).
  std::vector<std::pair<PageId, std::uint64_t>> live_pages();

  // Ranked pages for `query` (at most options.limit), best first. `out` is replaced (its
  // capacity reused). Errors: invalid_argument (over kMaxQueryBytes or kMaxQueryClauses
  // clauses, invalid UTF-8).
  Result<void> search(std::string_view query, const SearchOptions& options, std::vector<SearchHit>& out,
                      const DocumentTexts* texts = nullptr);
  Result<std::vector<SearchHit>> search(std::string_view query, const SearchOptions& options = {},
                                        const DocumentTexts* texts = nullptr);

  // ---- segments ----
  // Pending changes become new segments (none if nothing is pending): one, or as many as it
  // takes to keep each within the segment limit. A page whose text alone would not fit one
  // has only its first part indexed (as much as fits; the page itself is untouched).
  void flush();
  bool has_pending() const noexcept;
  // After a flush: the segments in order (oldest first).
  std::vector<SegmentInfo> segments();
  // The encoded bytes of segment `i` (what the client seals and uploads).
  std::span<const std::uint8_t> segment_bytes(std::size_t i) const;
  // Adds a segment read back from storage, after every segment already held. Errors: those
  // of decode_segment.
  Result<void> add_segment(std::vector<std::uint8_t> bytes);
  // Replaces the segment list (e.g. the one a manifest names), validating each one first;
  // on error nothing changes. Pending changes are kept.
  Result<void> set_segments(std::vector<std::vector<std::uint8_t>> segments);
  // One merge step of the policy; returns whether it merged anything. Call until false.
  // Segments whose merge would pass half the segment limit are left as they are.
  bool merge_step(const MergePolicy& policy = {});
  // Merges everything into one segment (dropping deletion records: nothing older remains), or,
  // for an index over half the segment limit, into as few as stay within it.
  void compact();
  // The largest encoded segment this index builds: kMaxSegmentBytes (64 MiB, what one envelope
  // holds), or less (tests use small limits to exercise splitting). Taken to be between 1 MiB
  // and kMaxSegmentBytes.
  void set_segment_limit(std::size_t bytes);
  // Drops everything (segments and pending changes).
  void clear();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// A segment on its own: validates every field and posting. Errors: truncated, trailing_data,
// too_large (a count over its limit), malformed (bad magic, unsorted or duplicate terms, paths
// or pages, a posting out of range, reserved bits set), unsupported_version.
Result<SegmentInfo> inspect_segment(std::span<const std::uint8_t> bytes);

// A snippet of `body` (Markdown) around the words of `query`, about `max_bytes` long, with the
// matched words' ranges. Without a match: the start of the text.
Snippet make_snippet(std::string_view body, std::string_view query, const SearchOptions& options = {},
                     std::size_t max_bytes = 180);

}  // namespace zkwiki

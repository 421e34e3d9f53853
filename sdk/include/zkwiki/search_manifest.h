// How a collection's search index is stored on the server, sealed: each segment (search.h) is an
// envelope of kind index_segment, and a small manifest ("ZKWM") lists the segments. The manifest
// is kept like a page: an envelope of kind index_manifest behind a signed revision record on the
// collection's manifest page, whose head moves by compare-and-swap; so it gets the page heads'
// signatures, hash chain, rollback and fork checks. Both are sealed with the collection's search
// keyset: each generation key of the collection keyset through its own KDF label ("zkwindex"),
// so index and page ciphertexts never share a key. Byte layouts: docs/FORMAT.md.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "zkwiki/envelope.h"
#include "zkwiki/ids.h"
#include "zkwiki/keyset.h"
#include "zkwiki/result.h"

namespace zkwiki {

inline constexpr std::uint8_t kManifestVersion = 1;
inline constexpr std::size_t kMaxManifestSegments = 1024;
inline constexpr std::size_t kManifestHeaderBytes = 4 + 1 + 3 + 16 + 8 + 4 + 4;
inline constexpr std::size_t kManifestSegmentBytes = 32 + 8 + 8 + 4 + 4;

struct ManifestSegment {
  Hash256 blob;                    // BLAKE2b-256 of the segment's envelope
  std::uint64_t envelope_size = 0;
  std::uint64_t seq = 0;           // the segment's own seq (bound into its envelope context)
  std::uint32_t documents = 0;
  std::uint32_t tombstones = 0;
  bool operator==(const ManifestSegment&) const = default;
};

struct SearchManifest {
  CollectionId collection;
  std::uint64_t feed_seq = 0;  // the workspace change-feed position the writer had applied
  std::uint32_t pages = 0;     // live pages the segments cover
  std::vector<ManifestSegment> segments;  // oldest first

  std::vector<std::uint8_t> encode() const;
  // Errors: truncated, trailing_data, too_large (more than kMaxManifestSegments), malformed
  // (bad magic, reserved bytes, a duplicate segment), unsupported_version.
  static Result<SearchManifest> decode(std::span<const std::uint8_t> bytes);
  bool operator==(const SearchManifest&) const = default;
};

// The page id under which a collection keeps its manifest:
// BLAKE2b-128("zkwiki search manifest v1" || workspace || collection). Public by design: any
// member (and the server) can compute it; the server sees which head is the index.
PageId search_manifest_page(const WorkspaceId& workspace, const CollectionId& collection);

// The search keyset of a collection: generation g's key is KDF(collection key g, "zkwindex", 1),
// with the same primary. REQUIRES: a collection-scoped keyset.
Keyset derive_search_keyset(const Keyset& collection);

// Envelope contexts: a segment is bound to its collection, the manifest page and its seq; a
// manifest revision to its revision number and parent record, as a page revision is.
EnvelopeContext segment_context(const WorkspaceId& ws, const CollectionId& c, std::uint64_t seq);
EnvelopeContext manifest_context(const WorkspaceId& ws, const CollectionId& c, std::uint64_t revision,
                                 const Hash256& parent);

}  // namespace zkwiki

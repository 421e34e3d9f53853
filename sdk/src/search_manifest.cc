// The sealed search manifest ("ZKWM") and the search keys (search_manifest.h).
#include "zkwiki/search_manifest.h"

#include <set>

#include "internal.h"
#include "zkwiki/kdf.h"
#include "zkwiki/primitives.h"

namespace zkwiki {
namespace {
constexpr std::string_view kMagic = "ZKWM";
constexpr std::string_view kManifestPageDomain = "zkwiki search manifest v1";
}  // namespace

std::vector<std::uint8_t> SearchManifest::encode() const {
  internal::ByteWriter w(kManifestHeaderBytes + segments.size() * kManifestSegmentBytes);
  w.bytes(internal::as_bytes(kMagic));
  w.u8(kManifestVersion);
  w.u8(0);
  w.u16(0);
  w.bytes(collection.bytes);
  w.u64(feed_seq);
  w.u32(pages);
  w.u32(static_cast<std::uint32_t>(segments.size()));
  for (const auto& s : segments) {
    w.bytes(s.blob.bytes);
    w.u64(s.envelope_size);
    w.u64(s.seq);
    w.u32(s.documents);
    w.u32(s.tombstones);
  }
  return w.take();
}

Result<SearchManifest> SearchManifest::decode(std::span<const std::uint8_t> bytes) {
  internal::ByteReader r(bytes);
  SearchManifest m;
  if (internal::expect_magic(r, kMagic, kManifestVersion, "search manifest")) {
    std::uint8_t reserved8 = r.u8();
    std::uint16_t reserved16 = r.u16();
    if (!r.failed() && (reserved8 != 0 || reserved16 != 0)) r.fail(Errc::malformed, "reserved bytes are not zero");
    m.collection.bytes = r.array<16>();
    m.feed_seq = r.u64();
    m.pages = r.u32();
    std::uint32_t count = r.u32();
    if (!r.failed() && count > kMaxManifestSegments)
      r.fail(Errc::too_large, std::to_string(count) + " segments (at most " + std::to_string(kMaxManifestSegments) + ")");
    std::set<Hash256> seen;
    for (std::uint32_t i = 0; i < count && !r.failed(); ++i) {
      ManifestSegment s;
      s.blob.bytes = r.array<32>();
      s.envelope_size = r.u64();
      s.seq = r.u64();
      s.documents = r.u32();
      s.tombstones = r.u32();
      if (r.failed()) break;
      if (!seen.insert(s.blob).second) r.fail(Errc::malformed, "a segment is listed twice");
      if (s.envelope_size < kEnvelopeHeaderBytes) r.fail(Errc::malformed, "a segment envelope size is impossible");
      m.segments.push_back(s);
    }
  }
  ZKWIKI_TRY(r.finish("search manifest"));
  return m;
}

PageId search_manifest_page(const WorkspaceId& workspace, const CollectionId& collection) {
  auto h = primitives::blake2b(16, [&] {
    std::vector<std::uint8_t> m(kManifestPageDomain.begin(), kManifestPageDomain.end());
    m.insert(m.end(), workspace.bytes.begin(), workspace.bytes.end());
    m.insert(m.end(), collection.bytes.begin(), collection.bytes.end());
    return m;
  }());
  PageId p;
  std::copy(h.begin(), h.end(), p.bytes.begin());
  return p;
}

Keyset derive_search_keyset(const Keyset& collection) {
  if (collection.scope().kind != ScopeKind::collection) internal::misuse("derive_search_keyset: not a collection keyset");
  Keyset out(collection.scope());
  for (std::uint32_t g : collection.generations()) {
    auto r = out.insert(g, derive_subkey(*collection.find(g), "zkwindex"), g == collection.primary_generation());
    if (!r) internal::misuse("derive_search_keyset: a generation did not insert");
  }
  return out;
}

EnvelopeContext segment_context(const WorkspaceId& ws, const CollectionId& c, std::uint64_t seq) {
  return EnvelopeContext{ContentKind::index_segment, ws, c, search_manifest_page(ws, c), seq, Hash256{}};
}

EnvelopeContext manifest_context(const WorkspaceId& ws, const CollectionId& c, std::uint64_t revision,
                                 const Hash256& parent) {
  return EnvelopeContext{ContentKind::index_manifest, ws, c, search_manifest_page(ws, c), revision, parent};
}

}  // namespace zkwiki

// Every decoder of the search formats rejects bad input with a typed error (segments "ZKWI",
// manifests "ZKWM"); the byte layouts are in docs/FORMAT.md, the vectors in tests/vectors/.
#include <gtest/gtest.h>

#include "search_internal.h"
#include "zkwiki/search.h"
#include "zkwiki/search_manifest.h"

namespace zkwiki {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes sample_segment() {
  SearchIndex index;
  std::vector<std::string> tags = {"alpha", "beta"};
  PageId a, b, c;
  a.bytes[0] = 1, b.bytes[0] = 2, c.bytes[0] = 3;
  EXPECT_TRUE(index.put(SearchDocument{a, 1, "notes/one.md", "one", {}, "# one\n\nThe first page, with words."}).ok());
  EXPECT_TRUE(index.put(SearchDocument{b, 2, "notes/two.md", "Second", tags, "Two words, and `code_here`."}).ok());
  index.remove(c, 4);
  index.flush();
  return Bytes(index.segment_bytes(0).begin(), index.segment_bytes(0).end());
}

SearchManifest sample_manifest() {
  SearchManifest m;
  m.collection.bytes[0] = 9;
  m.feed_seq = 5;
  m.pages = 2;
  ManifestSegment s;
  s.blob.bytes[0] = 1;
  s.envelope_size = 300;
  s.seq = 1;
  s.documents = 2;
  m.segments.push_back(s);
  s.blob.bytes[0] = 2;
  s.seq = 2;
  m.segments.push_back(s);
  return m;
}

void set_u32(Bytes& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

TEST(SearchSegmentFormatTest, ASegmentDecodesToWhatWasIndexed) {
  auto info = inspect_segment(sample_segment());
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->seq, 1u);
  EXPECT_EQ(info->documents, 2u);
  EXPECT_EQ(info->tombstones, 1u);
}

TEST(SearchSegmentFormatTest, EveryTruncationFails) {
  Bytes seg = sample_segment();
  for (std::size_t n = 0; n < seg.size(); ++n) {
    auto r = inspect_segment(std::span(seg).first(n));
    ASSERT_FALSE(r.ok()) << "a prefix of " << n << " bytes decoded";
    EXPECT_TRUE(r.error().code == Errc::truncated || r.error().code == Errc::malformed) << n << ": " << r.error().message;
  }
}

TEST(SearchSegmentFormatTest, TrailingByteFails) {
  Bytes seg = sample_segment();
  seg.push_back(0);
  EXPECT_EQ(inspect_segment(seg).error().code, Errc::trailing_data);
}

struct Corruption {
  const char* name;
  std::function<void(Bytes&)> apply;
  Errc expected;
};

class SearchSegmentCorruptionTest : public ::testing::TestWithParam<Corruption> {};

TEST_P(SearchSegmentCorruptionTest, Fails) {
  Bytes seg = sample_segment();
  GetParam().apply(seg);
  auto r = inspect_segment(seg);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, GetParam().expected) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Segments, SearchSegmentCorruptionTest,
    ::testing::Values(
        Corruption{"BadMagicFails", [](Bytes& b) { b[0] = 'Q'; }, Errc::malformed},
        Corruption{"UnknownVersionFails", [](Bytes& b) { b[4] = 2; }, Errc::unsupported_version},
        Corruption{"ReservedFlagsFail", [](Bytes& b) { b[5] = 1; }, Errc::malformed},
        Corruption{"ReservedBytesFail", [](Bytes& b) { b[7] = 1; }, Errc::malformed},
        Corruption{"OversizedDocumentCountFails", [](Bytes& b) { set_u32(b, 16, 0xFFFFFFFF); }, Errc::too_large},
        Corruption{"OversizedTermCountFails", [](Bytes& b) { set_u32(b, 24, 0xFFFFFFFF); }, Errc::too_large},
        Corruption{"SectionsLongerThanTheInputFail", [](Bytes& b) { set_u32(b, 36, 0x7FFFFFFF); }, Errc::truncated},
        Corruption{"WrongTotalLengthFails", [](Bytes& b) { b[40] ^= 1; }, Errc::malformed},
        Corruption{"MoreDocumentsThanWrittenFail", [](Bytes& b) { set_u32(b, 16, 3); }, Errc::truncated},
        // Under the limits but more than the sections can hold: refused before any allocation
        // (a fuzzer's input made the decoder reserve 14 million documents).
        Corruption{"DocumentCountBeyondItsSectionFails", [](Bytes& b) { set_u32(b, 16, 0x00D50003); }, Errc::truncated},
        Corruption{"DeletionCountBeyondItsSectionFails", [](Bytes& b) { set_u32(b, 20, 1u << 20); }, Errc::truncated},
        Corruption{"TermCountBeyondTheDictionaryFails", [](Bytes& b) { set_u32(b, 24, 1u << 25); }, Errc::truncated},
        Corruption{"FewerTermsThanWrittenFail", [](Bytes& b) { set_u32(b, 24, 1); }, Errc::malformed},
        Corruption{"ZeroRevisionFails", [](Bytes& b) { b[48 + 16] = 0; }, Errc::malformed},
        Corruption{"ReservedDocumentFlagsFail", [](Bytes& b) { b[48 + 17] = 0x80 | 4; }, Errc::malformed}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(SearchSegmentFormatTest, NoSingleByteFlipCrashesOrDecodesToGarbage) {
  Bytes seg = sample_segment();
  for (std::size_t i = 0; i < seg.size(); ++i) {
    for (std::uint8_t bit : {0x01, 0x80}) {
      Bytes t = seg;
      t[i] ^= bit;
      auto r = inspect_segment(t);
      if (r.ok()) {
        // A flip inside text (a path or a term) can leave a valid segment; it must still search.
        SearchIndex index;
        ASSERT_TRUE(index.add_segment(t).ok());
        EXPECT_TRUE(index.search("words").ok());
      }
    }
  }
}

TEST(SearchSegmentFormatTest, PostingsOutsideTheDocumentsFail) {
  // Hand-built: one document, one term whose posting names document 5.
  search_internal::SegmentBuilder b;
  search_internal::DocEntry d;
  d.page.bytes[0] = 1;
  d.revision = 1;
  d.path = "a.md";
  d.title = "a";
  d.length = 1;
  b.begin_document(d);
  b.add("word", 5, 1);
  auto r = inspect_segment(b.encode(1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::malformed);
}

TEST(SearchSegmentFormatTest, DuplicatePagesFail) {
  search_internal::SegmentBuilder b;
  search_internal::DocEntry d;
  d.page.bytes[0] = 1;
  d.revision = 1;
  d.path = "a.md";
  d.title = "a";
  b.begin_document(d);
  d.path = "b.md";
  d.title = "b";
  b.begin_document(d);
  auto r = inspect_segment(b.encode(1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::malformed);
}

TEST(SearchSegmentFormatTest, UnsortedPathsFail) {
  search_internal::SegmentBuilder b;
  search_internal::DocEntry d;
  d.revision = 1;
  d.page.bytes[0] = 1;
  d.path = "b.md";
  d.title = "b";
  b.begin_document(d);
  d.page.bytes[0] = 2;
  d.path = "a.md";
  d.title = "a";
  b.begin_document(d);
  auto r = inspect_segment(b.encode(1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::malformed);
}

TEST(SearchSegmentFormatTest, AddSegmentRejectsBadBytesAndKeepsTheIndex) {
  SearchIndex index;
  ASSERT_TRUE(index.add_segment(sample_segment()).ok());
  Bytes bad = sample_segment();
  bad.pop_back();
  EXPECT_FALSE(index.add_segment(bad).ok());
  EXPECT_FALSE(index.set_segments({sample_segment(), bad}).ok());
  EXPECT_EQ(index.segments().size(), 1u) << "a failed set_segments changes nothing";
  EXPECT_EQ(index.documents(), 2u);
}

TEST(SearchManifestFormatTest, RoundTrips) {
  SearchManifest m = sample_manifest();
  auto back = SearchManifest::decode(m.encode());
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, m);
  EXPECT_EQ(m.encode().size(), kManifestHeaderBytes + 2 * kManifestSegmentBytes);
}

TEST(SearchManifestFormatTest, EveryTruncationFails) {
  Bytes b = sample_manifest().encode();
  for (std::size_t n = 0; n < b.size(); ++n) {
    auto r = SearchManifest::decode(std::span(b).first(n));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, n < 4 ? Errc::truncated : r.error().code);
  }
}

struct ManifestCorruption {
  const char* name;
  std::function<void(Bytes&)> apply;
  Errc expected;
};

class SearchManifestCorruptionTest : public ::testing::TestWithParam<ManifestCorruption> {};

TEST_P(SearchManifestCorruptionTest, Fails) {
  Bytes b = sample_manifest().encode();
  GetParam().apply(b);
  auto r = SearchManifest::decode(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, GetParam().expected) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Manifests, SearchManifestCorruptionTest,
    ::testing::Values(
        ManifestCorruption{"BadMagicFails", [](Bytes& b) { b[3] = 'X'; }, Errc::malformed},
        ManifestCorruption{"UnknownVersionFails", [](Bytes& b) { b[4] = 2; }, Errc::unsupported_version},
        ManifestCorruption{"ReservedBytesFail", [](Bytes& b) { b[6] = 1; }, Errc::malformed},
        ManifestCorruption{"TrailingByteFails", [](Bytes& b) { b.push_back(0); }, Errc::trailing_data},
        ManifestCorruption{"OversizedSegmentCountFails", [](Bytes& b) { set_u32(b, 36, 1025); }, Errc::too_large},
        ManifestCorruption{"MoreSegmentsThanWrittenFail", [](Bytes& b) { set_u32(b, 36, 3); }, Errc::truncated},
        ManifestCorruption{"DuplicateSegmentFails",
                           [](Bytes& b) { b[kManifestHeaderBytes + kManifestSegmentBytes] = 1; }, Errc::malformed},
        ManifestCorruption{"ImpossibleEnvelopeSizeFails",
                           [](Bytes& b) {
                             for (int i = 0; i < 8; ++i) b[kManifestHeaderBytes + 32 + i] = 0;
                           },
                           Errc::malformed}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(SearchKeysTest, SearchKeysDifferFromPageKeysAndFollowThePrimary) {
  WorkspaceId ws = WorkspaceId::random();
  CollectionId c = CollectionId::random();
  Keyset keys = Keyset::create(KeyScope::for_collection(ws, c));
  keys.rotate();
  Keyset search = derive_search_keyset(keys);
  EXPECT_EQ(search.generations(), keys.generations());
  EXPECT_EQ(search.primary_generation(), keys.primary_generation());
  for (std::uint32_t g : keys.generations()) EXPECT_FALSE(search.find(g)->equals(*keys.find(g)));
  // A segment sealed under the search key does not open as a page, nor under the page key.
  Bytes seg = sample_segment();
  auto sealed = seal_envelope(segment_context(ws, c, 1), search, seg);
  ASSERT_TRUE(sealed.ok());
  EXPECT_FALSE(open_envelope(segment_context(ws, c, 1), keys, *sealed).ok());
  EXPECT_FALSE(open_envelope(segment_context(ws, c, 2), search, *sealed).ok()) << "bound to its seq";
  auto page_ctx = segment_context(ws, c, 1);
  page_ctx.kind = ContentKind::page_revision;
  EXPECT_FALSE(open_envelope(page_ctx, search, *sealed).ok()) << "bound to its kind";
  EXPECT_TRUE(open_envelope(segment_context(ws, c, 1), search, *sealed).ok());
}

}  // namespace
}  // namespace zkwiki

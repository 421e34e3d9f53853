// Envelope behaviour, one named test per invalid input.
#include <gtest/gtest.h>

#include "support/envelope_fixture.h"

namespace zkwiki {
namespace {

using EnvelopeTest = test::EnvelopeFixture;
constexpr Errc kOk = static_cast<Errc>(0);

TEST_F(EnvelopeTest, RoundTripsSmallEmptyAndMultiChunk) {
  for (std::size_t n : {0ul, 1ul, 255ul, 256ul, 1000ul, kChunkBytes - 1, kChunkBytes, kChunkBytes + 1, 300000ul}) {
    auto pt = random_bytes(n);
    auto env = seal(pt);
    EXPECT_EQ(env.size(), sealed_size(n)) << n;
    auto back = open_envelope(ctx, keyset, env);
    ASSERT_TRUE(back.ok()) << n << ": " << back.error().message;
    EXPECT_EQ(*back, pt) << n;
  }
}

TEST_F(EnvelopeTest, ContentEndingLikePaddingRoundTrips) {
  // 0x80 followed by zeros inside or at the end of the content must survive.
  std::vector<std::uint8_t> pt(2 * kChunkBytes + 10, 0);
  pt[kChunkBytes - 1] = 0x80;
  pt.back() = 0x80;
  auto back = open_envelope(ctx, keyset, seal(pt));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, pt);
  std::vector<std::uint8_t> zeros_after_marker(kChunkBytes * 3, 0);
  zeros_after_marker[5] = 0x80;
  back = open_envelope(ctx, keyset, seal(zeros_after_marker));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, zeros_after_marker);
}

TEST_F(EnvelopeTest, SizesArePaddedToPadmeClasses) {
  EXPECT_EQ(padded_length(0), 256u);
  EXPECT_EQ(padded_length(255), 256u);
  EXPECT_EQ(padded_length(256), 272u);  // Padmé(257): 16-byte steps at this size
  for (std::size_t n = 0; n < 5'000'000; n = n * 3 / 2 + 17) {
    std::size_t p = padded_length(n);
    EXPECT_GT(p, n);
    EXPECT_LE(p, std::max<std::size_t>(256, (n + 1) + (n + 1) / 8)) << n;  // ≤ 12.5% overhead
  }
  // Many different sizes share one padded size.
  EXPECT_EQ(padded_length(1000), padded_length(1001));
}

TEST_F(EnvelopeTest, OpenWithAnotherPageFails) {
  auto env = seal(random_bytes(100));
  auto c = ctx;
  c.page = PageId::random();
  EXPECT_EQ(open_error(env, c), Errc::auth_failed);
}

TEST_F(EnvelopeTest, OpenWithAnotherRevisionFails) {
  auto env = seal(random_bytes(100));
  auto c = ctx;
  c.revision += 1;
  EXPECT_EQ(open_error(env, c), Errc::auth_failed);
}

TEST_F(EnvelopeTest, OpenWithAnotherParentFails) {
  auto env = seal(random_bytes(100));
  auto c = ctx;
  c.parent.bytes[31] ^= 1;
  EXPECT_EQ(open_error(env, c), Errc::auth_failed);
}

TEST_F(EnvelopeTest, OpenInAnotherWorkspaceFails) {
  auto env = seal(random_bytes(100));
  // Same collection key material, presented as another workspace's keyset: AAD differs.
  WorkspaceId other = WorkspaceId::random();
  Keyset k2(KeyScope::for_collection(other, coll));
  ASSERT_TRUE(k2.insert(1, keyset.find(1)->clone(), true).ok());
  auto c = ctx;
  c.workspace = other;
  auto r = open_envelope(c, k2, env);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::auth_failed);
}

TEST_F(EnvelopeTest, OpenInAnotherCollectionFails) {
  auto env = seal(random_bytes(100));
  CollectionId other = CollectionId::random();
  Keyset k2(KeyScope::for_collection(ws, other));
  ASSERT_TRUE(k2.insert(1, keyset.find(1)->clone(), true).ok());
  auto c = ctx;
  c.collection = other;
  auto r = open_envelope(c, k2, env);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::auth_failed);
}

TEST_F(EnvelopeTest, OpenAsAnotherKindFails) {
  auto env = seal(random_bytes(100));
  auto c = ctx;
  c.kind = ContentKind::index_segment;
  EXPECT_EQ(open_error(env, c), Errc::malformed);
}

TEST_F(EnvelopeTest, RewrittenKindByteFails) {
  auto env = seal(random_bytes(100));
  env[5] = static_cast<std::uint8_t>(ContentKind::index_segment);
  auto c = ctx;
  c.kind = ContentKind::index_segment;
  EXPECT_EQ(open_error(env, c), Errc::auth_failed);
}

TEST_F(EnvelopeTest, UnknownGenerationIsUnknownKey) {
  auto env = seal(random_bytes(100));
  env[8] = 9;  // generation 9
  EXPECT_EQ(open_error(env), Errc::unknown_key);
}

TEST_F(EnvelopeTest, GenerationRelabelledToAnotherKnownKeyFails) {
  auto env = seal(random_bytes(100));  // sealed under generation 1
  keyset.rotate();
  env[8] = 2;
  EXPECT_EQ(open_error(env), Errc::auth_failed);
}

TEST_F(EnvelopeTest, OldGenerationStillOpensAfterRotation) {
  auto pt = random_bytes(5000);
  auto env = seal(pt);
  keyset.rotate();
  auto back = open_envelope(ctx, keyset, env);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, pt);
  auto env2 = seal(pt);
  auto info = inspect_envelope(env2);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->generation, 2u);
}

TEST_F(EnvelopeTest, BadMagicIsMalformed) {
  auto env = seal(random_bytes(10));
  env[0] = 'X';
  EXPECT_EQ(open_error(env), Errc::malformed);
}

TEST_F(EnvelopeTest, UnknownVersionIsUnsupported) {
  auto env = seal(random_bytes(10));
  env[4] = 2;
  EXPECT_EQ(open_error(env), Errc::unsupported_version);
}

TEST_F(EnvelopeTest, NonZeroReservedBytesAreMalformed) {
  auto env = seal(random_bytes(10));
  env[6] = 1;
  EXPECT_EQ(open_error(env), Errc::malformed);
}

TEST_F(EnvelopeTest, TruncatedHeaderIsTruncated) {
  auto env = seal(random_bytes(10));
  EXPECT_EQ(open_error(std::span(env).first(50)), Errc::truncated);
  EXPECT_EQ(open_error(std::span(env).first(3)), Errc::truncated);
  EXPECT_EQ(open_error(std::span(env).first(0)), Errc::truncated);
}

TEST_F(EnvelopeTest, HeaderWithoutChunksIsTruncated) {
  auto env = seal(random_bytes(10));
  EXPECT_EQ(open_error(std::span(env).first(kEnvelopeHeaderBytes)), Errc::truncated);
}

TEST_F(EnvelopeTest, BadTagIsAuthFailed) {
  auto env = seal(random_bytes(10));
  env.back() ^= 0x80;
  EXPECT_EQ(open_error(env), Errc::auth_failed);
}

TEST_F(EnvelopeTest, MissingFinalChunkIsTruncated) {
  auto env = seal(random_bytes(3 * kChunkBytes));
  // Drop the final chunk: what remains ends on a full, non-final chunk.
  std::size_t cut = kEnvelopeHeaderBytes + 3 * (kChunkBytes + kChunkTagBytes);
  ASSERT_LT(cut, env.size());
  EXPECT_EQ(open_error(std::span(env).first(cut)), Errc::truncated);
}

TEST_F(EnvelopeTest, TrailingGarbageIsRejected) {
  auto env = seal(random_bytes(10));
  env.push_back(0);
  EXPECT_NE(open_error(env), kOk);
}

TEST_F(EnvelopeTest, OversizedPlaintextIsTooLarge) {
  std::vector<std::uint8_t> big(kMaxPlaintextBytes + 1);
  auto r = seal_envelope(ctx, keyset, big);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::too_large);
}

TEST_F(EnvelopeTest, OversizedEnvelopeIsTooLarge) {
  std::vector<std::uint8_t> big(sealed_size(kMaxPlaintextBytes) + 1);
  EXPECT_EQ(open_error(big), Errc::too_large);
}

TEST_F(EnvelopeTest, KeysetOfAnotherScopeIsRefusedWhenSealing) {
  Keyset other = Keyset::create(KeyScope::for_collection(ws, CollectionId::random()));
  auto r = seal_envelope(ctx, other, random_bytes(10));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
}

TEST_F(EnvelopeTest, ForgedFinalChunkFailsAndOneShotReleasesNothing) {
  auto pt = random_bytes(3 * kChunkBytes);
  auto env = seal(pt);
  env[env.size() - 1] ^= 1;  // final chunk forged
  auto opener = EnvelopeOpener::begin(ctx, keyset);
  ASSERT_TRUE(opener.ok());
  std::vector<std::uint8_t> out;
  auto r = opener->update(env, out);
  if (r) r = opener->finish(out);
  ASSERT_FALSE(r.ok());
  // The one-shot API releases nothing at all:
  auto one_shot = open_envelope(ctx, keyset, env);
  ASSERT_FALSE(one_shot.ok());
  EXPECT_EQ(one_shot.error().code, Errc::auth_failed);
}

}  // namespace
}  // namespace zkwiki

namespace zkwiki {
namespace {

using EnvelopeSealerTest = test::EnvelopeFixture;

TEST_F(EnvelopeSealerTest, SealerRefusesToFinishAfterTooLarge) {
  std::vector<std::uint8_t> out;
  auto sealer = EnvelopeSealer::begin(ctx, keyset, out);
  ASSERT_TRUE(sealer.ok());
  std::vector<std::uint8_t> chunk(kMaxPlaintextBytes / 2 + 1);
  ASSERT_TRUE(sealer->update(chunk, out).ok());
  auto r = sealer->update(chunk, out);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::too_large);
  EXPECT_DEATH((void)sealer->finish(out), "misuse");
}

}  // namespace
}  // namespace zkwiki

namespace zkwiki {
namespace {

using EnvelopeBufferTest = test::EnvelopeFixture;

TEST_F(EnvelopeBufferTest, ReusedBuffersGiveExactResults) {
  // Large then small then large again through the same two buffers: stale bytes from an
  // earlier, longer page must never leak into a later result.
  std::vector<std::uint8_t> env, back;
  for (std::size_t n : {300000ul, 10ul, 70000ul, 0ul, 300000ul}) {
    auto pt = random_bytes(n);
    ASSERT_TRUE(seal_envelope(ctx, keyset, pt, env).ok());
    EXPECT_EQ(env.size(), sealed_size(n));
    ASSERT_TRUE(open_envelope(ctx, keyset, env, back).ok());
    EXPECT_EQ(back, pt) << n;
  }
}

TEST_F(EnvelopeBufferTest, FailedOpenLeavesTheBufferEmpty) {
  std::vector<std::uint8_t> back(1000, 0x41);  // stale content from an earlier page
  auto env = seal(random_bytes(200000));
  env.back() ^= 1;
  auto r = open_envelope(ctx, keyset, env, back);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::auth_failed);
  EXPECT_TRUE(back.empty());
}

TEST_F(EnvelopeBufferTest, FailedStreamingStepReleasesNothingOfThatStep) {
  auto env = seal(random_bytes(3 * kChunkBytes));
  env[kEnvelopeHeaderBytes + 5] ^= 1;  // first chunk forged
  auto opener = EnvelopeOpener::begin(ctx, keyset);
  ASSERT_TRUE(opener.ok());
  std::vector<std::uint8_t> out{1, 2, 3};  // the caller's earlier output stays as it was
  auto r = opener->update(env, out);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(out, (std::vector<std::uint8_t>{1, 2, 3}));
}

}  // namespace
}  // namespace zkwiki

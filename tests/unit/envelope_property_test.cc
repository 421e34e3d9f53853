// Properties of the envelope over real pages and exhaustive tampering.
#include <gtest/gtest.h>

#include <filesystem>

#include "envelope_internal.h"
#include "support/envelope_fixture.h"
#include "support/test_paths.h"

namespace zkwiki {
namespace {

using EnvelopePropertyTest = test::EnvelopeFixture;
constexpr std::size_t kSealedChunk = kChunkBytes + kChunkTagBytes;

TEST_F(EnvelopePropertyTest, OpenSealIsIdentityForEveryCorpusPage) {
  ZKWIKI_REQUIRE_SHARED(corpus, "corpus");
  std::size_t pages = 0, bytes = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(corpus)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".md") continue;
    std::string text = test::read_file(entry.path());
    std::span<const std::uint8_t> pt(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    auto env = seal_envelope(ctx, keyset, pt);
    ASSERT_TRUE(env.ok()) << entry.path();
    auto back = open_envelope(ctx, keyset, *env);
    ASSERT_TRUE(back.ok()) << entry.path() << ": " << back.error().message;
    ASSERT_TRUE(std::equal(back->begin(), back->end(), pt.begin(), pt.end())) << entry.path();
    ++pages;
    bytes += text.size();
  }
  EXPECT_GT(pages, 10000u);  // tldr-en 7,425 + cppdocs-subset 3,000 + multilingual 309
  RecordProperty("pages", static_cast<int>(pages));
  RecordProperty("bytes", static_cast<int>(bytes));
}

TEST_F(EnvelopePropertyTest, EverySingleByteFlipIsRejected) {
  auto env = seal(random_bytes(700));
  for (std::size_t i = 0; i < env.size(); ++i) {
    for (std::uint8_t mask : {0x01, 0x80, 0xFF}) {
      auto bad = env;
      bad[i] ^= mask;
      auto r = open_envelope(ctx, keyset, bad);
      ASSERT_FALSE(r.ok()) << "flip " << int(mask) << " at byte " << i << " was accepted";
    }
  }
}

TEST_F(EnvelopePropertyTest, ByteFlipsInAMultiChunkEnvelopeAreRejected) {
  auto env = seal(random_bytes(2 * kChunkBytes + 5000));
  std::vector<std::size_t> positions;
  for (std::size_t i = 0; i < kEnvelopeHeaderBytes + 64; ++i) positions.push_back(i);
  for (std::size_t c = 0; c * kSealedChunk + kEnvelopeHeaderBytes < env.size(); ++c) {
    std::size_t start = kEnvelopeHeaderBytes + c * kSealedChunk;
    std::size_t end = std::min(env.size(), start + kSealedChunk);
    for (std::size_t i = start; i < std::min(end, start + 32); ++i) positions.push_back(i);
    for (std::size_t i = end - 32; i < end; ++i) positions.push_back(i);  // tags
  }
  for (int i = 0; i < 300; ++i) positions.push_back(rng() % env.size());
  for (std::size_t i : positions) {
    auto bad = env;
    bad[i] ^= 0x01;
    ASSERT_FALSE(open_envelope(ctx, keyset, bad).ok()) << "flip at byte " << i << " was accepted";
  }
}

TEST_F(EnvelopePropertyTest, EveryTruncationIsRejected) {
  auto env = seal(random_bytes(700));
  for (std::size_t n = 0; n < env.size(); ++n) {
    auto r = open_envelope(ctx, keyset, std::span(env).first(n));
    ASSERT_FALSE(r.ok()) << "prefix of " << n << " bytes was accepted";
  }
  auto big = seal(random_bytes(3 * kChunkBytes + 100));
  for (std::size_t c = 1; c <= 3; ++c) {
    std::size_t boundary = kEnvelopeHeaderBytes + c * kSealedChunk;
    for (std::size_t n : {boundary - 1, boundary, boundary + 1, boundary + 17}) {
      auto r = open_envelope(ctx, keyset, std::span(big).first(n));
      ASSERT_FALSE(r.ok()) << "prefix of " << n << " bytes was accepted";
    }
  }
}

TEST_F(EnvelopePropertyTest, EveryExtensionIsRejected) {
  auto env = seal(random_bytes(3 * kChunkBytes));
  for (std::size_t extra : {1ul, 16ul, 17ul, 100ul, kSealedChunk}) {
    auto bad = env;
    auto tail = random_bytes(extra);
    bad.insert(bad.end(), tail.begin(), tail.end());
    ASSERT_FALSE(open_envelope(ctx, keyset, bad).ok()) << extra << " extra bytes were accepted";
  }
  // Appending a copy of a genuine chunk (a duplicated final chunk) is rejected too.
  auto dup = env;
  dup.insert(dup.end(), env.end() - static_cast<std::ptrdiff_t>(env.size() - kEnvelopeHeaderBytes - 3 * kSealedChunk),
             env.end());
  EXPECT_FALSE(open_envelope(ctx, keyset, dup).ok());
}

TEST_F(EnvelopePropertyTest, ReorderedAndDuplicatedChunksAreRejected) {
  auto env = seal(random_bytes(3 * kChunkBytes + 100));
  auto chunk = [&](std::size_t i) {
    auto b = env.begin() + static_cast<std::ptrdiff_t>(kEnvelopeHeaderBytes + i * kSealedChunk);
    return std::vector<std::uint8_t>(b, b + static_cast<std::ptrdiff_t>(kSealedChunk));
  };
  auto swapped = env;
  auto c0 = chunk(0), c1 = chunk(1);
  std::copy(c1.begin(), c1.end(), swapped.begin() + kEnvelopeHeaderBytes);
  std::copy(c0.begin(), c0.end(), swapped.begin() + kEnvelopeHeaderBytes + kSealedChunk);
  EXPECT_EQ(open_error(swapped), Errc::auth_failed);
  auto duplicated = env;
  std::copy(c0.begin(), c0.end(), duplicated.begin() + kEnvelopeHeaderBytes + kSealedChunk);
  EXPECT_EQ(open_error(duplicated), Errc::auth_failed);
  // A chunk dropped from the middle.
  auto dropped = env;
  dropped.erase(dropped.begin() + kEnvelopeHeaderBytes + kSealedChunk,
                dropped.begin() + kEnvelopeHeaderBytes + 2 * kSealedChunk);
  EXPECT_EQ(open_error(dropped), Errc::auth_failed);
}

TEST_F(EnvelopePropertyTest, ChunksFromAnotherEnvelopeOfTheSamePageAreRejected) {
  auto pt = random_bytes(2 * kChunkBytes);
  auto a = seal(pt), b = seal(pt);
  auto mixed = a;
  std::copy(b.begin() + kEnvelopeHeaderBytes, b.begin() + kEnvelopeHeaderBytes + kSealedChunk,
            mixed.begin() + kEnvelopeHeaderBytes);
  EXPECT_EQ(open_error(mixed), Errc::auth_failed);
  auto header_swap = a;  // b's header (another DEK) in front of a's chunks
  std::copy(b.begin(), b.begin() + kEnvelopeHeaderBytes, header_swap.begin());
  EXPECT_EQ(open_error(header_swap), Errc::auth_failed);
}

TEST_F(EnvelopePropertyTest, StreamingSealAtRandomSplitsEqualsOneShot) {
  internal::SealRandomness rnd;
  for (auto& b : rnd.dek) b = static_cast<std::uint8_t>(rng());
  for (auto& b : rnd.wrap_nonce) b = static_cast<std::uint8_t>(rng());
  for (auto& b : rnd.stream_prefix) b = static_cast<std::uint8_t>(rng());
  for (std::size_t n : {0ul, 10ul, kChunkBytes, 3 * kChunkBytes + 777}) {
    auto pt = random_bytes(n);
    auto one_shot = internal::seal_envelope_with(ctx, keyset, pt, rnd);
    ASSERT_TRUE(one_shot.ok());
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<std::uint8_t> out;
      auto sealer = internal::EnvelopeAccess::begin_with(ctx, keyset, rnd, out);
      ASSERT_TRUE(sealer.ok());
      std::size_t at = 0;
      while (at < n) {
        std::size_t len = std::min<std::size_t>(n - at, rng() % (trial % 2 ? 100 : 2 * kChunkBytes) + 1);
        ASSERT_TRUE(sealer->update(std::span(pt).subspan(at, len), out).ok());
        at += len;
      }
      ASSERT_TRUE(sealer->finish(out).ok());
      ASSERT_EQ(out, *one_shot) << "n=" << n << " trial " << trial;
    }
  }
}

TEST_F(EnvelopePropertyTest, StreamingOpenAtRandomSplitsEqualsOneShot) {
  for (std::size_t n : {0ul, 10ul, kChunkBytes - 1, 3 * kChunkBytes + 777}) {
    auto pt = random_bytes(n);
    auto env = seal(pt);
    for (int trial = 0; trial < 20; ++trial) {
      auto opener = EnvelopeOpener::begin(ctx, keyset);
      ASSERT_TRUE(opener.ok());
      std::vector<std::uint8_t> out;
      std::size_t at = 0;
      while (at < env.size()) {
        std::size_t len = std::min<std::size_t>(env.size() - at, rng() % (trial % 2 ? 90 : 3 * kChunkBytes) + 1);
        auto r = opener->update(std::span(env).subspan(at, len), out);
        ASSERT_TRUE(r.ok()) << r.error().message;
        at += len;
      }
      auto r = opener->finish(out);
      ASSERT_TRUE(r.ok()) << r.error().message;
      ASSERT_EQ(out, pt) << "n=" << n << " trial " << trial;
    }
  }
}

TEST_F(EnvelopePropertyTest, StreamingOpenerMemoryStaysBounded) {
  // The opener buffers at most one sealed chunk, whatever the page size.
  auto env = seal(random_bytes(8 * kChunkBytes));
  auto opener = EnvelopeOpener::begin(ctx, keyset);
  ASSERT_TRUE(opener.ok());
  std::size_t released = 0;
  for (std::size_t at = 0; at < env.size(); at += 4096) {
    std::vector<std::uint8_t> out;
    ASSERT_TRUE(opener->update(std::span(env).subspan(at, std::min<std::size_t>(4096, env.size() - at)), out).ok());
    EXPECT_LE(out.size(), kChunkBytes);
    released += out.size();
  }
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(opener->finish(out).ok());
  EXPECT_EQ(released + out.size(), 8 * kChunkBytes);
}

}  // namespace
}  // namespace zkwiki

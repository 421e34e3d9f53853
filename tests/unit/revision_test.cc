#include <gtest/gtest.h>

#include "support/envelope_fixture.h"
#include "zkwiki/page.h"
#include "zkwiki/revision.h"

namespace zkwiki {
namespace {

class RevisionTest : public test::EnvelopeFixture {
 protected:
  AccountKeys author = AccountKeys::generate(AccountId::random());

  RevisionRecord make(std::uint64_t rev, const Hash256& parent, std::vector<std::uint8_t>* env_out = nullptr) {
    EnvelopeContext c = ctx;
    c.revision = rev;
    c.parent = parent;
    auto env = seal_envelope(c, keyset, random_bytes(300));
    EXPECT_TRUE(env.ok());
    if (env_out) *env_out = *env;
    return sign_revision(c, *env, author.public_keys.ed25519, author.ed25519_secret);
  }
};

TEST_F(RevisionTest, RecordRoundTripsAndVerifies) {
  std::vector<std::uint8_t> env;
  auto r1 = make(1, Hash256{}, &env);
  auto bytes = r1.encode();
  EXPECT_EQ(bytes.size(), kRevisionRecordBytes);
  auto back = RevisionRecord::decode(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->hash(), r1.hash());
  EXPECT_TRUE(verify_envelope(*back, env).ok());
  auto opened = open_envelope(back->envelope_context(), keyset, env);
  EXPECT_TRUE(opened.ok());
}

TEST_F(RevisionTest, HashChainVerifies) {
  auto r1 = make(1, Hash256{});
  auto r2 = make(2, r1.hash());
  auto r3 = make(3, r2.hash());
  EXPECT_TRUE(verify_chain(r1, r2).ok());
  EXPECT_TRUE(verify_chain(r2, r3).ok());
}

TEST_F(RevisionTest, ForkedHistoryIsAConflict) {
  auto r1 = make(1, Hash256{});
  auto r2 = make(2, r1.hash());
  auto r2b = make(2, r1.hash());
  auto r3_on_b = make(3, r2b.hash());
  EXPECT_EQ(verify_chain(r2, r3_on_b).error().code, Errc::conflict);
}

TEST_F(RevisionTest, ReplayedOldRevisionIsAConflict) {
  auto r1 = make(1, Hash256{});
  auto r2 = make(2, r1.hash());
  EXPECT_EQ(verify_chain(r2, r1).error().code, Errc::conflict);  // rolled back
  EXPECT_EQ(verify_chain(r2, r2).error().code, Errc::conflict);  // replayed
}

TEST_F(RevisionTest, RevisionOfAnotherPageIsForbidden) {
  auto r1 = make(1, Hash256{});
  ctx.page = PageId::random();
  auto other = make(2, r1.hash());
  EXPECT_EQ(verify_chain(r1, other).error().code, Errc::forbidden);
}

TEST_F(RevisionTest, SwappedEnvelopeIsDetected) {
  std::vector<std::uint8_t> env_a, env_b;
  auto a = make(1, Hash256{}, &env_a);
  make(1, Hash256{}, &env_b);
  EXPECT_EQ(verify_envelope(a, env_b).error().code, Errc::auth_failed);
}

TEST_F(RevisionTest, EveryByteFlipOfARecordIsRejected) {
  auto bytes = make(2, Hash256::random()).encode();
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    auto bad = bytes;
    bad[i] ^= 1;
    EXPECT_FALSE(RevisionRecord::decode(bad).ok()) << "flip at " << i;
  }
}

TEST_F(RevisionTest, DecodeTruncatedFails) {
  auto bytes = make(1, Hash256{}).encode();
  bytes.pop_back();
  EXPECT_EQ(RevisionRecord::decode(bytes).error().code, Errc::truncated);
}

TEST_F(RevisionTest, DecodeTrailingDataFails) {
  auto bytes = make(1, Hash256{}).encode();
  bytes.push_back(0);
  EXPECT_EQ(RevisionRecord::decode(bytes).error().code, Errc::trailing_data);
}

TEST_F(RevisionTest, DecodeUnknownVersionFails) {
  auto bytes = make(1, Hash256{}).encode();
  bytes[4] = 9;
  EXPECT_EQ(RevisionRecord::decode(bytes).error().code, Errc::unsupported_version);
}

TEST_F(RevisionTest, DecodeBadSignatureFails) {
  auto bytes = make(1, Hash256{}).encode();
  bytes[bytes.size() - 10] ^= 4;
  EXPECT_EQ(RevisionRecord::decode(bytes).error().code, Errc::auth_failed);
}

TEST_F(RevisionTest, FirstRevisionWithParentIsMalformed) {
  auto r = make(1, Hash256::random());
  EXPECT_EQ(RevisionRecord::decode(r.encode()).error().code, Errc::malformed);
}

TEST(PageEncodingTest, RoundTrips) {
  PageContent p{{"projects/alpha/notes.md", "Notes", {"a", "b"}, 1, 2, {"other.md"}, false}, "# Notes\n\nbody\n"};
  auto back = decode_page(*encode_page(p));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, p);
}

TEST(PageEncodingTest, EmptyPathIsMalformed) {
  PageContent p;
  EXPECT_EQ(encode_page(p).error().code, Errc::malformed);
  PageContent ok{{"a.md", "", {}, 0, 0, {}, false}, ""};
  auto bytes = *encode_page(ok);
  bytes[26] = 0;  // the path's first byte, as a NUL
  EXPECT_EQ(decode_page(bytes).error().code, Errc::malformed);
}

TEST(PageEncodingTest, InvalidUtf8TitleIsMalformed) {
  PageContent p{{"a.md", "bad \xC3\x28", {}, 0, 0, {}, false}, ""};
  EXPECT_EQ(encode_page(p).error().code, Errc::malformed);
}

TEST(PageEncodingTest, OversizedTagIsRejectedWhenWriting) {
  PageContent p{{"a.md", "t", {std::string(300, 'x')}, 0, 0, {}, false}, ""};
  EXPECT_EQ(encode_page(p).error().code, Errc::malformed);
}

TEST(PageEncodingTest, APageOverTheMaximumSaysSo) {
  PageContent p{{"a.md", "t", {}, 0, 0, {}, false}, std::string(kMaxPlaintextBytes + 1, 'x')};
  auto r = encode_page(p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::too_large);
  EXPECT_NE(r.error().message.find("at most 64 MiB"), std::string::npos) << r.error().message;
}

TEST(PagePathTest, UsablePathsPassAndEachUnusableOneSaysWhy) {
  for (std::string_view ok : {"a.md", "notes/todo.md", "ünïcødé/日本語 notes.md", "a/b/c/d.txt", ".hidden/x", "a..b"})
    EXPECT_TRUE(validate_page_path(ok).ok()) << ok;
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "empty"},          {"/abs.md", "absolute"},     {"../up.md", "'..'"},       {"a/../b", "'..'"},
      {"./a", "'.'"},         {"a//b", "empty segment"},   {"dir/", "empty segment"},  {"tab\tx", "control"},
      {"nl\nx", "control"},  {"del\x7f", "control"},     {"bad \xC3\x28", "UTF-8"},
      {std::string(kMaxPathBytes + 1, 'a'), "bytes"}};
  for (const auto& [path, why] : bad) {
    auto r = validate_page_path(path);
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find(why), std::string::npos) << r.error().message;
  }
}

TEST(PageEncodingTest, TruncatedIsTruncated) {
  PageContent p{{"a.md", "t", {}, 0, 0, {}, false}, "body"};
  auto bytes = *encode_page(p);
  bytes.pop_back();
  EXPECT_EQ(decode_page(bytes).error().code, Errc::truncated);
}

TEST(PageEncodingTest, HugeDeclaredLengthIsTooLarge) {
  PageContent p{{"a.md", "t", {}, 0, 0, {}, false}, "body"};
  auto bytes = *encode_page(p);
  // The path length field sits after magic(4) version(1) flags(1) times(16).
  bytes[22] = 0xFF;
  bytes[23] = 0xFF;
  bytes[24] = 0xFF;
  EXPECT_EQ(decode_page(bytes).error().code, Errc::too_large);
}

}  // namespace
}  // namespace zkwiki

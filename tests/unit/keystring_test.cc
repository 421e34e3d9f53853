#include <gtest/gtest.h>

#include "zkwiki/account.h"
#include "zkwiki/keystring.h"

namespace zkwiki {
namespace {

std::vector<std::uint8_t> payload32() {
  std::vector<std::uint8_t> p(32);
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return p;
}

TEST(KeyStringTest, RoundTripsAndIgnoresGroupingAndCase) {
  auto s = encode_key_string(KeyStringType::recovery_key, payload32(), 5);
  EXPECT_EQ(s.rfind("zkwrec_", 0), 0u);
  auto back = decode_key_string(s, KeyStringType::recovery_key, 32);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, payload32());
  std::string upper = s;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(decode_key_string("  " + upper + "\n", KeyStringType::recovery_key, 32).ok());
}

TEST(KeyStringTest, TypoFailsChecksum) {
  auto s = encode_key_string(KeyStringType::recovery_key, payload32());
  s[10] = s[10] == 'a' ? 'b' : 'a';
  auto r = decode_key_string(s, KeyStringType::recovery_key, 32);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::malformed);
}

TEST(KeyStringTest, PublicKeyPastedAsRecoveryKeyIsWrongType) {
  auto s = encode_key_string(KeyStringType::public_keys, std::vector<std::uint8_t>(64, 3));
  auto r = decode_key_string(s, KeyStringType::recovery_key, 32);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::wrong_type);
  EXPECT_NE(r.error().message.find("public key"), std::string::npos);
}

TEST(KeyStringTest, UnknownPrefixIsMalformed) {
  EXPECT_EQ(decode_key_string("abc_aaaa", KeyStringType::recovery_key).error().code, Errc::malformed);
  EXPECT_EQ(decode_key_string("no separator", KeyStringType::recovery_key).error().code, Errc::malformed);
}

TEST(KeyStringTest, InvalidCharacterIsMalformed) {
  EXPECT_EQ(decode_key_string("zkwrec_abc0", KeyStringType::recovery_key).error().code, Errc::malformed);
}

TEST(KeyStringTest, ErrorsQuoteNoControlOrBinaryBytes) {
  // A pasted or hostile string must not put escape sequences on the user's terminal.
  auto prefix = decode_key_string("\x1b[2J\x1b]0;owned\x07_aaaa", KeyStringType::grant);
  ASSERT_FALSE(prefix.ok());
  EXPECT_EQ(prefix.error().message.find('\x1b'), std::string::npos) << prefix.error().message;
  EXPECT_NE(prefix.error().message.find("0x1b5b326a"), std::string::npos) << prefix.error().message;
  auto body = decode_key_string("zkwrec_ab\x1b[31mcd", KeyStringType::recovery_key);
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().message.find('\x1b'), std::string::npos) << body.error().message;
  EXPECT_NE(body.error().message.find("0x1b"), std::string::npos) << body.error().message;
  // Ordinary text is still quoted as it is.
  EXPECT_NE(decode_key_string("abc_aaaa", KeyStringType::grant).error().message.find("'abc'"), std::string::npos);
}

TEST(KeyStringTest, TooShortIsTruncated) {
  EXPECT_EQ(decode_key_string("zkwrec_ab", KeyStringType::recovery_key).error().code, Errc::malformed);
  EXPECT_EQ(decode_key_string("zkwrec_aaaaa", KeyStringType::recovery_key).error().code, Errc::truncated);
}

TEST(KeyStringTest, WrongPayloadSizeIsRejected) {
  auto s = encode_key_string(KeyStringType::recovery_key, std::vector<std::uint8_t>(31, 1));
  EXPECT_EQ(decode_key_string(s, KeyStringType::recovery_key, 32).error().code, Errc::invalid_argument);
}

TEST(KeyStringTest, Base32KnownAnswer) {
  // RFC 4648 section 10, lowercase and unpadded.
  EXPECT_EQ(base32_encode(std::vector<std::uint8_t>{'f', 'o', 'o', 'b', 'a', 'r'}), "mzxw6ytboi");
  auto d = base32_decode("mzxw6ytboi");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(std::string(d->begin(), d->end()), "foobar");
  EXPECT_EQ(base32_decode("mzxw6ytboj").error().code, Errc::malformed);  // non-zero pad bits
}

TEST(PublicKeysTest, StringFormAndFingerprint) {
  PublicKeys k;
  k.x25519.fill(1);
  k.ed25519.fill(2);
  auto s = k.to_string();
  auto back = PublicKeys::parse(s);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, k);
  EXPECT_EQ(PublicKeys::parse(s, /*agent=*/true).error().code, Errc::wrong_type);
  auto fp = k.fingerprint();
  EXPECT_EQ(fp.size(), 19u);
  EXPECT_EQ(fp[4], '-');
  PublicKeys other = k;
  other.ed25519[0] ^= 1;
  EXPECT_NE(other.fingerprint(), fp);
}

}  // namespace
}  // namespace zkwiki

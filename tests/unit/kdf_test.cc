#include <gtest/gtest.h>

#include "support/fixtures.h"
#include "zkwiki/kdf.h"

namespace zkwiki {
namespace {

const std::string kNfc = "caf\xC3\xA9 cr\xC3\xA8me";     // "café crème", precomposed
const std::string kNfd = "cafe\xCC\x81 cre\xCC\x80me";   // the same, with combining accents

TEST(KdfTest, NfcAndNfdPassphrasesDeriveTheSameKey) {
  auto params = test::fast_kdf_params();
  auto id = AccountId::random();
  auto a = derive_root_key(kNfc, params, id, test::fast_kdf_policy());
  auto b = derive_root_key(kNfd, params, id, test::fast_kdf_policy());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a->equals(*b));
  ASSERT_NE(kNfc, kNfd);
}

TEST(KdfTest, NormalizationUsesNfc) {
  auto n = normalize_passphrase(kNfd);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, kNfc);
}

TEST(KdfTest, InvalidUtf8PassphraseFails) {
  auto r = normalize_passphrase("bad \xC3\x28 utf8");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
}

TEST(KdfTest, EmptyPassphraseFails) {
  EXPECT_EQ(normalize_passphrase("").error().code, Errc::invalid_argument);
}

TEST(KdfTest, EmbeddedNulFails) {
  EXPECT_EQ(normalize_passphrase(std::string("a\0b", 3)).error().code, Errc::invalid_argument);
}

TEST(KdfTest, DefaultFloorRefusesDowngradedParameters) {
  auto id = AccountId::random();
  // What a malicious server might hand a client: cheaper passes or less memory.
  for (auto [t, m] : {std::pair{2u, 64u * 1024}, {3u, 32u * 1024}, {1u, 8u}}) {
    auto params = KdfParams::generate(t, m);
    auto r = derive_root_key("passphrase", params, id);
    ASSERT_FALSE(r.ok()) << "t=" << t << " m=" << m;
    EXPECT_EQ(r.error().code, Errc::weak_parameters);
  }
}

TEST(KdfTest, CeilingRefusesAbsurdParameters) {
  auto r = check_kdf_params(KdfParams::generate(3, 4u * 1024 * 1024));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::weak_parameters);
  EXPECT_FALSE(check_kdf_params(KdfParams::generate(100, 64 * 1024)).ok());
}

TEST(KdfTest, UnknownAlgorithmIsUnsupported) {
  auto p = KdfParams::generate();
  p.algorithm = 2;
  EXPECT_EQ(check_kdf_params(p).error().code, Errc::unsupported_version);
}

TEST(KdfTest, DefaultParametersDeriveAKey) {
  auto params = KdfParams::generate();
  EXPECT_EQ(params.opslimit, 3u);
  EXPECT_EQ(params.memlimit_kib, 64u * 1024);
  auto r = derive_root_key("correct horse battery staple", params, AccountId::random());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->size(), 32u);
}

TEST(KdfTest, SaltDependsOnSeedAndAccount) {
  auto p = KdfParams::generate();
  auto a = AccountId::random(), b = AccountId::random();
  EXPECT_NE(kdf_salt(p, a), kdf_salt(p, b));
  auto q = p;
  q.seed[0] ^= 1;
  EXPECT_NE(kdf_salt(p, a), kdf_salt(q, a));
}

TEST(KdfTest, ParamsEncodingRoundTrips) {
  auto p = KdfParams::generate(4, 128 * 1024);
  auto bytes = encode_kdf_params(p);
  EXPECT_EQ(bytes.size(), 41u);
  auto back = decode_kdf_params(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, p);
}

TEST(KdfTest, ParamsDecodeTruncatedFails) {
  auto bytes = encode_kdf_params(KdfParams::generate());
  bytes.pop_back();
  EXPECT_EQ(decode_kdf_params(bytes).error().code, Errc::truncated);
}

TEST(KdfTest, ParamsDecodeTrailingDataFails) {
  auto bytes = encode_kdf_params(KdfParams::generate());
  bytes.push_back(0);
  EXPECT_EQ(decode_kdf_params(bytes).error().code, Errc::trailing_data);
}

TEST(KdfTest, ParamsDecodeUnknownAlgorithmFails) {
  auto bytes = encode_kdf_params(KdfParams::generate());
  bytes[0] = 9;
  EXPECT_EQ(decode_kdf_params(bytes).error().code, Errc::unsupported_version);
}

TEST(KdfTest, SubkeysAreSeparatedByLabel) {
  Secret root = Secret::random(32);
  EXPECT_FALSE(derive_subkey(root, "zkwlogin").equals(derive_subkey(root, "zkwkek__")));
  EXPECT_TRUE(derive_subkey(root, "zkwlogin").equals(derive_subkey(root, "zkwlogin")));
}

}  // namespace
}  // namespace zkwiki

// Every primitive wrapper against published vectors: Wycheproof (C2SP), RFC 8439,
// draft-irtf-cfrg-xchacha-03 and Argon2id KATs reachable through crypto_pwhash.
#include <gtest/gtest.h>

#include "support/json_vectors.h"
#include "support/test_paths.h"
#include "zkwiki/primitives.h"

namespace zkwiki {
namespace {

using test::Bytes;
using test::hex;
using test::unhex;
namespace p = primitives;

using SealFn = Result<Bytes> (*)(p::ByteView, p::ByteView, p::ByteView, p::ByteView);

struct AeadCounts {
  int valid = 0, invalid = 0, wrong_nonce_size = 0;
};

void run_wycheproof_aead(const std::filesystem::path& file, SealFn seal, SealFn open, std::size_t nonce_bits,
                         AeadCounts& counts) {
  auto doc = test::load_json(file);
  for (const auto& group : doc["testGroups"]) {
    for (const auto& tc : group["tests"]) {
      SCOPED_TRACE("tcId " + std::to_string(tc["tcId"].get<int>()) + ": " + tc["comment"].get<std::string>());
      Bytes key = unhex(tc["key"]), iv = unhex(tc["iv"]), aad = unhex(tc["aad"]), msg = unhex(tc["msg"]);
      Bytes ct = unhex(tc["ct"]), tag = unhex(tc["tag"]);
      Bytes sealed = ct;
      sealed.insert(sealed.end(), tag.begin(), tag.end());
      std::string result = tc["result"];
      if (group["ivSize"].get<std::size_t>() != nonce_bits || group["keySize"].get<int>() != 256) {
        // libsodium cannot be asked about these sizes: the wrapper itself must refuse them.
        auto s = seal(key, iv, msg, aad);
        ASSERT_FALSE(s.ok());
        EXPECT_EQ(s.error().code, Errc::invalid_argument);
        auto o = open(key, iv, sealed, aad);
        ASSERT_FALSE(o.ok());
        EXPECT_EQ(o.error().code, Errc::invalid_argument);
        ++counts.wrong_nonce_size;
        continue;
      }
      auto o = open(key, iv, sealed, aad);
      if (result == "valid") {
        ASSERT_TRUE(o.ok()) << o.error().message;
        EXPECT_EQ(hex(*o), hex(msg));
        auto s = seal(key, iv, msg, aad);
        ASSERT_TRUE(s.ok());
        EXPECT_EQ(hex(*s), hex(sealed));
        ++counts.valid;
      } else {
        ASSERT_FALSE(o.ok()) << "an invalid case opened";
        EXPECT_TRUE(o.error().code == Errc::auth_failed || o.error().code == Errc::truncated);
        ++counts.invalid;
      }
    }
  }
}

TEST(WycheproofTest, XChaCha20Poly1305) {
  ZKWIKI_REQUIRE_SHARED(file, "vectors/wycheproof/xchacha20_poly1305_test.json");
  AeadCounts c;
  run_wycheproof_aead(file, p::xchacha20poly1305_seal, p::xchacha20poly1305_open, 192, c);
  EXPECT_GT(c.valid, 100);
  EXPECT_GT(c.invalid, 0);
  RecordProperty("valid", c.valid);
  RecordProperty("invalid", c.invalid);
}

TEST(WycheproofTest, ChaCha20Poly1305) {
  ZKWIKI_REQUIRE_SHARED(file, "vectors/wycheproof/chacha20_poly1305_test.json");
  AeadCounts c;
  run_wycheproof_aead(file, p::chacha20poly1305_seal, p::chacha20poly1305_open, 96, c);
  EXPECT_GT(c.valid, 100);
  EXPECT_GT(c.invalid, 0);
  EXPECT_GT(c.wrong_nonce_size, 0);  // the file has nonce-size groups the wrapper must refuse
}

TEST(WycheproofTest, X25519) {
  ZKWIKI_REQUIRE_SHARED(file, "vectors/wycheproof/x25519_test.json");
  auto doc = test::load_json(file);
  int matched = 0, zero_refused = 0;
  for (const auto& group : doc["testGroups"]) {
    for (const auto& tc : group["tests"]) {
      SCOPED_TRACE("tcId " + std::to_string(tc["tcId"].get<int>()) + ": " + tc["comment"].get<std::string>());
      Bytes priv = unhex(tc["private"]), pub = unhex(tc["public"]), shared = unhex(tc["shared"]);
      std::string result = tc["result"];
      auto r = p::x25519(priv, pub);
      bool all_zero = std::all_of(shared.begin(), shared.end(), [](std::uint8_t b) { return b == 0; });
      if (all_zero) {
        // A low-order point: the wrapper must refuse to hand out an all-zero secret.
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().code, Errc::malformed);
        ++zero_refused;
      } else if (result == "invalid") {
        EXPECT_FALSE(r.ok() && hex(r->reveal()) == hex(shared));
      } else {
        ASSERT_TRUE(r.ok()) << r.error().message;
        EXPECT_EQ(hex(r->reveal()), hex(shared));
        ++matched;
      }
    }
  }
  EXPECT_GT(matched, 400);
  EXPECT_GT(zero_refused, 0);
}

TEST(WycheproofTest, Ed25519Verify) {
  ZKWIKI_REQUIRE_SHARED(file, "vectors/wycheproof/ed25519_test.json");
  auto doc = test::load_json(file);
  int checked = 0;
  for (const auto& group : doc["testGroups"]) {
    Bytes pk = unhex(group["publicKey"]["pk"]);
    for (const auto& tc : group["tests"]) {
      SCOPED_TRACE("tcId " + std::to_string(tc["tcId"].get<int>()) + ": " + tc["comment"].get<std::string>());
      auto r = p::ed25519_verify(pk, unhex(tc["msg"]), unhex(tc["sig"]));
      if (tc["result"] == "valid") {
        EXPECT_TRUE(r.ok()) << r.error().message;
      } else {
        ASSERT_FALSE(r.ok());
        EXPECT_TRUE(r.error().code == Errc::auth_failed || r.error().code == Errc::invalid_argument);
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, doc["numberOfTests"].get<int>());
}

TEST(RfcVectorsTest, Rfc8439ChaCha20Poly1305) {
  ZKWIKI_REQUIRE_SHARED(file, "vectors/rfc/rfc8439_chacha20poly1305_aead.json");
  auto doc = test::load_json(file);
  for (const auto& tc : doc["tests"]) {
    auto s = p::chacha20poly1305_seal(unhex(tc["key"]), unhex(tc["nonce"]), unhex(tc["msg"]), unhex(tc["aad"]));
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(hex(*s), tc["ct"].get<std::string>() + tc["tag"].get<std::string>());
  }
}

TEST(RfcVectorsTest, XChaChaDraftAeadAndHChaCha20) {
  ZKWIKI_REQUIRE_SHARED(file, "vectors/rfc/draft-irtf-cfrg-xchacha-03.json");
  auto doc = test::load_json(file);
  for (const auto& tc : doc["tests"]) {
    auto s = p::xchacha20poly1305_seal(unhex(tc["key"]), unhex(tc["nonce"]), unhex(tc["msg"]), unhex(tc["aad"]));
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(hex(*s), tc["ct"].get<std::string>() + tc["tag"].get<std::string>());
  }
  for (const auto& tc : doc["hchacha20"]) {
    auto k = p::hchacha20(unhex(tc["key"]), unhex(tc["nonce16"]));
    ASSERT_TRUE(k.ok());
    EXPECT_EQ(hex(*k), tc["subkey"].get<std::string>());
  }
}

TEST(RfcVectorsTest, Argon2idReachableKats) {
  ZKWIKI_REQUIRE_SHARED(file, "vectors/rfc/argon2id_libsodium_reachable_kats.json");
  int n = 0;
  auto doc = test::load_json(file);
  for (const auto& tc : doc["tests"]) {
    SCOPED_TRACE(tc.dump());
    auto k = p::argon2id(unhex(tc["password_hex"]), unhex(tc["salt_hex"]), tc["opslimit"].get<std::uint64_t>(),
                         tc["memlimit_bytes"].get<std::size_t>(), tc["outlen"].get<std::size_t>());
    ASSERT_TRUE(k.ok()) << k.error().message;
    EXPECT_EQ(hex(k->reveal()), tc["tag"].get<std::string>());
    ++n;
  }
  EXPECT_GT(n, 0);
}

// Cases the wrappers must reject themselves, independent of ../shared.
TEST(PrimitivesTest, AeadRejectsWrongKeyAndNonceSizes) {
  Bytes key(32), nonce(24), msg{1, 2, 3};
  EXPECT_EQ(p::xchacha20poly1305_seal(Bytes(31), nonce, msg, {}).error().code, Errc::invalid_argument);
  EXPECT_EQ(p::xchacha20poly1305_seal(key, Bytes(12), msg, {}).error().code, Errc::invalid_argument);
  EXPECT_EQ(p::chacha20poly1305_seal(key, Bytes(24), msg, {}).error().code, Errc::invalid_argument);
  EXPECT_EQ(p::xchacha20poly1305_open(key, nonce, Bytes(15), {}).error().code, Errc::truncated);
}

TEST(PrimitivesTest, AeadOpenFailureReleasesNothing) {
  Bytes key(32, 7), nonce(24, 9), msg(100, 0x41);
  auto s = p::xchacha20poly1305_seal(key, nonce, msg, {});
  ASSERT_TRUE(s.ok());
  Bytes forged = *s;
  forged.back() ^= 1;
  auto o = p::xchacha20poly1305_open(key, nonce, forged, {});
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().code, Errc::auth_failed);
}

TEST(PrimitivesTest, X25519RejectsLowOrderPoint) {
  Bytes zero_point(32, 0);
  auto r = p::x25519(Bytes(32, 5), zero_point);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::malformed);
}

TEST(PrimitivesTest, SealedBoxRoundTripAndWrongKey) {
  auto alice = p::x25519_generate(), eve = p::x25519_generate();
  Bytes msg{1, 2, 3, 4};
  auto box = p::box_seal(alice.public_key, msg);
  ASSERT_TRUE(box.ok());
  auto opened = p::box_open(alice.public_key, alice.secret_key, *box);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, msg);
  EXPECT_EQ(p::box_open(eve.public_key, eve.secret_key, *box).error().code, Errc::auth_failed);
  EXPECT_EQ(p::box_open(alice.public_key, alice.secret_key, Bytes(47)).error().code, Errc::truncated);
}

TEST(PrimitivesTest, Ed25519SignVerifyAndRejectTamper) {
  auto kp = p::ed25519_from_seed(Secret::random(32));
  Bytes msg = test::bytes_of("revision");
  auto sig = p::ed25519_sign(kp.secret_key, msg);
  EXPECT_TRUE(p::ed25519_verify(kp.public_key, msg, sig).ok());
  msg[0] ^= 1;
  EXPECT_EQ(p::ed25519_verify(kp.public_key, msg, sig).error().code, Errc::auth_failed);
  EXPECT_EQ(p::ed25519_verify(Bytes(31), msg, sig).error().code, Errc::invalid_argument);
}

TEST(PrimitivesTest, Argon2idRejectsBadSalt) {
  EXPECT_EQ(p::argon2id(test::bytes_of("pw"), Bytes(15), 3, 8192, 32).error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace zkwiki

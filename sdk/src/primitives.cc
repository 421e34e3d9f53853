#include "zkwiki/primitives.h"

#include <sodium.h>

#include <string>

#include "internal.h"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>

// libsodium 1.0.18 under Emscripten asks JS for randomness one byte at a time (~150 us per
// nonce). The wasm build fills each buffer with crypto.getRandomValues on the wasm memory
// itself: one call per 65,536 bytes (the Web Crypto limit per call). Browsers and node >= 19
// have globalThis.crypto; without it the module cannot run safely, so it aborts.
EM_JS(void, zkw_js_random_fill, (void* buf, size_t size), {
  const c = globalThis.crypto;
  if (!c || typeof c.getRandomValues !== 'function') abort('zkwiki: no crypto.getRandomValues');
  for (let off = 0; off < size; off += 65536)
    c.getRandomValues(HEAPU8.subarray(buf + off, buf + Math.min(size, off + 65536)));
});

// wasm/src/argon2_progress.c: crypto_pwhash's Argon2id, pass by pass, with progress to JS.
extern "C" int zkwiki_wasm_argon2id(std::uint8_t* out, std::size_t outlen, const std::uint8_t* pwd,
                                    std::size_t pwdlen, const std::uint8_t* salt, std::size_t saltlen,
                                    std::uint32_t t_cost, std::uint32_t m_cost_kib);

namespace zkwiki::internal {
namespace {
const char* wasm_random_name() { return "zkwiki-getRandomValues"; }
std::uint32_t wasm_random_u32() {
  std::uint32_t v = 0;
  zkw_js_random_fill(&v, sizeof v);
  return v;
}
void wasm_random_buf(void* const buf, const std::size_t size) {
  if (size > 0) zkw_js_random_fill(buf, size);
}
randombytes_implementation wasm_random = {wasm_random_name, wasm_random_u32, nullptr, nullptr, wasm_random_buf,
                                          nullptr};
}  // namespace

// Called once, before sodium_init (ensure_sodium).
void use_platform_random() noexcept { randombytes_set_implementation(&wasm_random); }
}  // namespace zkwiki::internal
#endif

namespace zkwiki::primitives {
namespace {

Result<void> check_size(ByteView v, std::size_t want, const char* what) {
  if (v.size() != want)
    return make_error(Errc::invalid_argument,
                      std::string(what) + " must be " + std::to_string(want) + " bytes, got " + std::to_string(v.size()));
  return {};
}

using AeadEncrypt = int (*)(unsigned char*, unsigned long long*, const unsigned char*, unsigned long long,
                            const unsigned char*, unsigned long long, const unsigned char*, const unsigned char*,
                            const unsigned char*);
using AeadDecrypt = int (*)(unsigned char*, unsigned long long*, unsigned char*, const unsigned char*,
                            unsigned long long, const unsigned char*, unsigned long long, const unsigned char*,
                            const unsigned char*);

Result<Bytes> aead_seal(AeadEncrypt fn, std::size_t nonce_bytes, ByteView key, ByteView nonce, ByteView pt,
                        ByteView aad) {
  internal::ensure_sodium();
  ZKWIKI_TRY(check_size(key, kAeadKeyBytes, "key"));
  ZKWIKI_TRY(check_size(nonce, nonce_bytes, "nonce"));
  Bytes out(pt.size() + kAeadTagBytes);
  unsigned long long out_len = 0;
  if (fn(out.data(), &out_len, pt.data(), pt.size(), aad.data(), aad.size(), nullptr, nonce.data(), key.data()) != 0)
    return make_error(Errc::too_large, "message too long for this AEAD");
  return out;
}

Result<Bytes> aead_open(AeadDecrypt fn, std::size_t nonce_bytes, ByteView key, ByteView nonce, ByteView ct,
                        ByteView aad) {
  internal::ensure_sodium();
  ZKWIKI_TRY(check_size(key, kAeadKeyBytes, "key"));
  ZKWIKI_TRY(check_size(nonce, nonce_bytes, "nonce"));
  if (ct.size() < kAeadTagBytes) return make_error(Errc::truncated, "ciphertext shorter than its tag");
  Bytes out(ct.size() - kAeadTagBytes);
  unsigned long long out_len = 0;
  if (fn(out.data(), &out_len, nullptr, ct.data(), ct.size(), aad.data(), aad.size(), nonce.data(), key.data()) != 0) {
    wipe(out);
    return make_error(Errc::auth_failed, "authentication tag does not verify");
  }
  return out;
}

}  // namespace

Result<Bytes> xchacha20poly1305_seal(ByteView key, ByteView nonce, ByteView plaintext, ByteView aad) {
  return aead_seal(crypto_aead_xchacha20poly1305_ietf_encrypt, kXChaChaNonceBytes, key, nonce, plaintext, aad);
}
Result<Bytes> xchacha20poly1305_open(ByteView key, ByteView nonce, ByteView ciphertext, ByteView aad) {
  return aead_open(crypto_aead_xchacha20poly1305_ietf_decrypt, kXChaChaNonceBytes, key, nonce, ciphertext, aad);
}
Result<Bytes> chacha20poly1305_seal(ByteView key, ByteView nonce, ByteView plaintext, ByteView aad) {
  return aead_seal(crypto_aead_chacha20poly1305_ietf_encrypt, kIetfNonceBytes, key, nonce, plaintext, aad);
}
Result<Bytes> chacha20poly1305_open(ByteView key, ByteView nonce, ByteView ciphertext, ByteView aad) {
  return aead_open(crypto_aead_chacha20poly1305_ietf_decrypt, kIetfNonceBytes, key, nonce, ciphertext, aad);
}

Result<std::array<std::uint8_t, 32>> hchacha20(ByteView key, ByteView input) {
  internal::ensure_sodium();
  ZKWIKI_TRY(check_size(key, crypto_core_hchacha20_KEYBYTES, "key"));
  ZKWIKI_TRY(check_size(input, crypto_core_hchacha20_INPUTBYTES, "input"));
  std::array<std::uint8_t, 32> out{};
  crypto_core_hchacha20(out.data(), input.data(), key.data(), nullptr);
  return out;
}

Result<Secret> x25519(ByteView secret_scalar, ByteView public_point) {
  internal::ensure_sodium();
  ZKWIKI_TRY(check_size(secret_scalar, kX25519Bytes, "X25519 secret key"));
  ZKWIKI_TRY(check_size(public_point, kX25519Bytes, "X25519 public key"));
  Secret shared(kX25519Bytes);
  if (crypto_scalarmult(shared.reveal_mutable().data(), secret_scalar.data(), public_point.data()) != 0)
    return make_error(Errc::malformed, "X25519 public key has low order (all-zero shared secret)");
  return shared;
}

Ed25519KeyPair ed25519_from_seed(const Secret& seed) {
  internal::ensure_sodium();
  if (seed.size() != kEd25519SeedBytes) internal::misuse("ed25519_from_seed: seed must be 32 bytes");
  Ed25519KeyPair kp{{}, Secret(kEd25519SecretBytes)};
  crypto_sign_seed_keypair(kp.public_key.data(), kp.secret_key.reveal_mutable().data(), seed.reveal().data());
  return kp;
}

std::array<std::uint8_t, kEd25519SignatureBytes> ed25519_sign(const Secret& secret_key, ByteView message) {
  if (secret_key.size() != kEd25519SecretBytes) internal::misuse("ed25519_sign: secret key must be 64 bytes");
  std::array<std::uint8_t, kEd25519SignatureBytes> sig{};
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), secret_key.reveal().data());
  return sig;
}

Result<void> ed25519_verify(ByteView public_key, ByteView message, ByteView signature) {
  internal::ensure_sodium();
  ZKWIKI_TRY(check_size(public_key, kEd25519PublicBytes, "Ed25519 public key"));
  ZKWIKI_TRY(check_size(signature, kEd25519SignatureBytes, "Ed25519 signature"));
  if (crypto_sign_verify_detached(signature.data(), message.data(), message.size(), public_key.data()) != 0)
    return make_error(Errc::auth_failed, "signature does not verify");
  return {};
}

X25519KeyPair x25519_from_secret(Secret secret_key) {
  internal::ensure_sodium();
  if (secret_key.size() != kX25519Bytes) internal::misuse("x25519_from_secret: secret key must be 32 bytes");
  X25519KeyPair kp{{}, std::move(secret_key)};
  crypto_scalarmult_base(kp.public_key.data(), kp.secret_key.reveal().data());
  return kp;
}

X25519KeyPair x25519_generate() { return x25519_from_secret(Secret::random(kX25519Bytes)); }

Result<Bytes> box_seal(ByteView recipient_public_key, ByteView message) {
  internal::ensure_sodium();
  ZKWIKI_TRY(check_size(recipient_public_key, kX25519Bytes, "X25519 public key"));
  Bytes out(message.size() + kSealedBoxOverhead);
  if (crypto_box_seal(out.data(), message.data(), message.size(), recipient_public_key.data()) != 0)
    return make_error(Errc::malformed, "cannot seal to this public key");
  return out;
}

Result<Bytes> box_open(ByteView recipient_public_key, const Secret& recipient_secret_key, ByteView sealed) {
  internal::ensure_sodium();
  ZKWIKI_TRY(check_size(recipient_public_key, kX25519Bytes, "X25519 public key"));
  if (recipient_secret_key.size() != kX25519Bytes) internal::misuse("box_open: secret key must be 32 bytes");
  if (sealed.size() < kSealedBoxOverhead) return make_error(Errc::truncated, "sealed box shorter than its overhead");
  Bytes out(sealed.size() - kSealedBoxOverhead);
  if (crypto_box_seal_open(out.data(), sealed.data(), sealed.size(), recipient_public_key.data(),
                           recipient_secret_key.reveal().data()) != 0) {
    wipe(out);
    return make_error(Errc::auth_failed, "sealed box does not open with this key");
  }
  return out;
}

std::array<std::uint8_t, kHashBytes> blake2b_256(std::initializer_list<ByteView> parts) {
  internal::ensure_sodium();
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, kHashBytes);
  for (ByteView p : parts) crypto_generichash_update(&st, p.data(), p.size());
  std::array<std::uint8_t, kHashBytes> out{};
  crypto_generichash_final(&st, out.data(), out.size());
  return out;
}

Bytes blake2b(std::size_t out_len, ByteView message, ByteView key) {
  internal::ensure_sodium();
  if (out_len < crypto_generichash_BYTES_MIN || out_len > crypto_generichash_BYTES_MAX)
    internal::misuse("blake2b: output length out of range");
  if (!key.empty() && (key.size() < crypto_generichash_KEYBYTES_MIN || key.size() > crypto_generichash_KEYBYTES_MAX))
    internal::misuse("blake2b: key length out of range");
  Bytes out(out_len);
  crypto_generichash(out.data(), out_len, message.data(), message.size(), key.empty() ? nullptr : key.data(),
                     key.size());
  return out;
}

Result<Secret> argon2id(ByteView password, ByteView salt, std::uint64_t opslimit, std::size_t memlimit_bytes,
                        std::size_t out_len) {
  internal::ensure_sodium();
  ZKWIKI_TRY(check_size(salt, crypto_pwhash_SALTBYTES, "Argon2id salt"));
  if (opslimit < crypto_pwhash_OPSLIMIT_MIN || opslimit > crypto_pwhash_OPSLIMIT_MAX ||
      memlimit_bytes < crypto_pwhash_MEMLIMIT_MIN || memlimit_bytes > crypto_pwhash_MEMLIMIT_MAX ||
      out_len < crypto_pwhash_BYTES_MIN || out_len > crypto_pwhash_BYTES_MAX)
    return make_error(Errc::invalid_argument, "Argon2id parameters out of range");
  Secret out(out_len);
  // An empty span may have a null data(); libsodium declares the argument non-null.
  const char* pw = password.empty() ? "" : reinterpret_cast<const char*>(password.data());
#ifdef __EMSCRIPTEN__
  if (zkwiki_wasm_argon2id(out.reveal_mutable().data(), out_len, reinterpret_cast<const std::uint8_t*>(pw),
                           password.size(), salt.data(), salt.size(), static_cast<std::uint32_t>(opslimit),
                           static_cast<std::uint32_t>(memlimit_bytes / 1024)) != 0)
    return make_error(Errc::internal, "Argon2id failed (out of memory?)");
#else
  if (crypto_pwhash(out.reveal_mutable().data(), out_len, pw, password.size(), salt.data(), opslimit,
                    memlimit_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return make_error(Errc::internal, "Argon2id failed (out of memory?)");
#endif
  return out;
}

void random_bytes(std::span<std::uint8_t> out) noexcept {
  internal::ensure_sodium();
  if (!out.empty()) randombytes_buf(out.data(), out.size());
}

}  // namespace zkwiki::primitives

// Thin, checked wrappers over the libsodium primitives the SDK is built from. Every size is
// validated here (libsodium cannot be asked about a wrong-sized nonce); forged input comes back
// as an error value. The higher layers (envelope, keyset, account) are what applications use;
// these exist so that every primitive is tested against published vectors through one door.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "zkwiki/result.h"
#include "zkwiki/secret.h"

namespace zkwiki::primitives {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline constexpr std::size_t kAeadKeyBytes = 32;
inline constexpr std::size_t kXChaChaNonceBytes = 24;
inline constexpr std::size_t kIetfNonceBytes = 12;
inline constexpr std::size_t kAeadTagBytes = 16;
inline constexpr std::size_t kX25519Bytes = 32;
inline constexpr std::size_t kEd25519PublicBytes = 32;
inline constexpr std::size_t kEd25519SecretBytes = 64;  // seed || public key (libsodium layout)
inline constexpr std::size_t kEd25519SeedBytes = 32;
inline constexpr std::size_t kEd25519SignatureBytes = 64;
inline constexpr std::size_t kSealedBoxOverhead = 48;
inline constexpr std::size_t kHashBytes = 32;

// XChaCha20-Poly1305-IETF. Output is ciphertext || 16-byte tag.
// Errors: invalid_argument on a key or nonce of the wrong size.
Result<Bytes> xchacha20poly1305_seal(ByteView key, ByteView nonce, ByteView plaintext, ByteView aad);
// Errors: invalid_argument (sizes), truncated (shorter than a tag), auth_failed. On failure no
// plaintext is returned.
Result<Bytes> xchacha20poly1305_open(ByteView key, ByteView nonce, ByteView ciphertext, ByteView aad);

// ChaCha20-Poly1305-IETF (RFC 8439), same conventions; 12-byte nonces.
Result<Bytes> chacha20poly1305_seal(ByteView key, ByteView nonce, ByteView plaintext, ByteView aad);
Result<Bytes> chacha20poly1305_open(ByteView key, ByteView nonce, ByteView ciphertext, ByteView aad);

// HChaCha20 (the XChaCha20 subkey derivation): 32-byte key, 16-byte input.
Result<std::array<std::uint8_t, 32>> hchacha20(ByteView key, ByteView input);

// X25519 scalar multiplication. Errors: invalid_argument (sizes), malformed when the result is
// all zeros (a low-order public key): such a shared secret must never be used.
Result<Secret> x25519(ByteView secret_scalar, ByteView public_point);

struct Ed25519KeyPair {
  std::array<std::uint8_t, kEd25519PublicBytes> public_key{};
  Secret secret_key;  // 64 bytes
};
// Deterministic key pair from a 32-byte seed (REQUIRES: seed.size() == 32).
Ed25519KeyPair ed25519_from_seed(const Secret& seed);
// REQUIRES: secret_key.size() == 64.
std::array<std::uint8_t, kEd25519SignatureBytes> ed25519_sign(const Secret& secret_key, ByteView message);
// Errors: invalid_argument (sizes), auth_failed (bad signature, non-canonical encodings).
Result<void> ed25519_verify(ByteView public_key, ByteView message, ByteView signature);

struct X25519KeyPair {
  std::array<std::uint8_t, kX25519Bytes> public_key{};
  Secret secret_key;  // 32 bytes
};
X25519KeyPair x25519_from_secret(Secret secret_key);  // REQUIRES: 32 bytes
X25519KeyPair x25519_generate();

// Anonymous sealed box to an X25519 public key (crypto_box_seal): 48 bytes of overhead.
Result<Bytes> box_seal(ByteView recipient_public_key, ByteView message);
// Errors: invalid_argument (sizes), truncated, auth_failed.
Result<Bytes> box_open(ByteView recipient_public_key, const Secret& recipient_secret_key, ByteView sealed);

// BLAKE2b-256 of the concatenation of `parts` (unkeyed).
std::array<std::uint8_t, kHashBytes> blake2b_256(std::initializer_list<ByteView> parts);
// BLAKE2b with a caller-chosen output size (16..64) and an optional key (empty = unkeyed).
Bytes blake2b(std::size_t out_len, ByteView message, ByteView key = {});

// Argon2id v1.3 (crypto_pwhash). Errors: invalid_argument (salt not 16 bytes, limits out of
// libsodium's range), internal (out of memory).
Result<Secret> argon2id(ByteView password, ByteView salt, std::uint64_t opslimit, std::size_t memlimit_bytes,
                        std::size_t out_len);

// Fills `out` with random bytes from the operating system (or, in WASM, crypto.getRandomValues).
void random_bytes(std::span<std::uint8_t> out) noexcept;

}  // namespace zkwiki::primitives

// Thin wrappers over libsodium for what the server can check without keys: hashes, encodings,
// signatures by public keys it already holds, random tokens, constant-time comparison.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common.h"

namespace zkwiki::server {

// Must be called once before any other function here (idempotent). Returns false on failure.
bool crypto_init();

// Strict lowercase hex of exactly `raw_len` bytes (2*raw_len characters of [0-9a-f]).
bool is_hex_id(std::string_view s, std::size_t raw_len);
inline bool is_object_id(std::string_view s) { return is_hex_id(s, 16); }  // 32 hex chars
inline bool is_hash_id(std::string_view s) { return is_hex_id(s, 32); }    // 64 hex chars

std::string to_hex(std::string_view raw);
// REQUIRES nothing; returns nullopt for anything but an even-length lowercase hex string.
std::optional<Bytes> from_hex(std::string_view hex);

// Standard base64 with padding (RFC 4648 §4). Decoding is strict: no whitespace, no junk.
std::string to_base64(std::string_view raw);
std::optional<Bytes> from_base64(std::string_view b64);

// BLAKE2b-256 (crypto_generichash, no key) of `data`, as 32 raw bytes / 64 hex chars.
Bytes blake2b256(std::string_view data);
std::string blake2b256_hex(std::string_view data);

// Ed25519 detached signature check. False for any size mismatch or bad signature.
bool ed25519_verify(std::string_view public_key, std::string_view message, std::string_view sig);

Bytes random_bytes(std::size_t n);

// Constant-time equality of two equal-length byte strings (false when lengths differ).
bool ct_equal(std::string_view a, std::string_view b);

}  // namespace zkwiki::server

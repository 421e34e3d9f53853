// What the server adds to the SDK's encodings and primitives (zkwiki/encoding.h,
// zkwiki/primitives.h): strict id syntax, constant-time comparison of byte strings, bearer
// tokens, and views between the server's std::string bytes and the SDK's byte spans. The
// server never gets or derives a key; everything it checks is checked with the SDK's code.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common.h"

namespace zkwiki::server {

// Must be called once before any other function here (idempotent). Returns false on failure.
bool crypto_init();

// The bytes of `s` as the SDK's byte span (no copy; `s` must outlive the span).
inline std::span<const std::uint8_t> as_span(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
// A copy of `b` as the server's Bytes.
inline Bytes to_bytes(std::span<const std::uint8_t> b) {
  return Bytes(reinterpret_cast<const char*>(b.data()), b.size());
}

// Strict lowercase hex of exactly `raw_len` bytes (2*raw_len characters of [0-9a-f]).
bool is_hex_id(std::string_view s, std::size_t raw_len);
inline bool is_object_id(std::string_view s) { return is_hex_id(s, 16); }  // 32 hex chars
inline bool is_hash_id(std::string_view s) { return is_hex_id(s, 32); }    // 64 hex chars
// The raw bytes of a strict lowercase hex string; nullopt for anything else.
std::optional<Bytes> id_bytes(std::string_view hex);

// BLAKE2b-256 of `data` as 64 lowercase hex (the form of blob ids and revision hashes), or raw.
std::string hash_hex(std::string_view data);
Bytes hash_raw(std::string_view data);

// Constant-time equality of two equal-length byte strings (false when lengths differ).
bool ct_equal(std::string_view a, std::string_view b);

// A fresh bearer token: `prefix` ("zks_" / "zka_") + 64 hex of 32 random bytes, and the
// BLAKE2b-256 of those raw bytes (the only form the store keeps).
struct IssuedToken {
  std::string text;
  Bytes hash;
};
IssuedToken issue_token(std::string_view prefix);
// 16 random bytes as 32 hex (token ids).
std::string random_object_id();

}  // namespace zkwiki::server

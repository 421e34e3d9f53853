// Typed, checksummed text forms for things people copy and paste: a recovery key, a public key,
// an agent's public and secret keys, an agent grant. A string says what it is in its prefix and
// carries a checksum, so a typo is caught and a public key pasted where a recovery key belongs
// is refused by name.
//
//   <prefix>_<base32(payload || checksum)>        base32: RFC 4648 alphabet, lowercase, no padding
//   checksum = BLAKE2b-256("zkwiki keystring v1" || prefix || 0x00 || payload)[0..4]
//
// Parsing ignores case, spaces and '-' in the base32 part, so grouped forms
// (`zkwrec_abcde-fghij-...`) read back exactly.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zkwiki/result.h"

namespace zkwiki {

enum class KeyStringType : std::uint8_t {
  recovery_key,  // "zkwrec": 32-byte recovery secret
  public_keys,   // "zkwpub": an account's X25519 || Ed25519 public keys
  agent_public,  // "zkwagent": an agent's X25519 || Ed25519 public keys
  grant,         // "zkwgrant": an agent grant
  agent_secret,  // "zkwagentkey": an agent's X25519 secret || Ed25519 seed
};

std::string_view key_string_prefix(KeyStringType type) noexcept;
std::string_view key_string_description(KeyStringType type) noexcept;

// Encodes `payload` as a typed string; `group` > 0 inserts '-' every `group` base32 characters.
std::string encode_key_string(KeyStringType type, std::span<const std::uint8_t> payload, int group = 0);

// Decodes a typed string of the `expected` type.
// Errors: wrong_type (a valid zkwiki string of another type), malformed (no known prefix, bad
// characters, bad checksum), truncated (too short to hold a checksum), invalid_argument (payload size differs from `expected_size` when
// it is nonzero).
Result<std::vector<std::uint8_t>> decode_key_string(std::string_view text, KeyStringType expected,
                                                    std::size_t expected_size = 0);

// The raw base32 used by key strings and fingerprints.
std::string base32_encode(std::span<const std::uint8_t> bytes);
Result<std::vector<std::uint8_t>> base32_decode(std::string_view text);

}  // namespace zkwiki

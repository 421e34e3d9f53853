// Passphrase → root key, with Argon2id (crypto_pwhash).
//
// The passphrase is normalized to Unicode NFC first (utf8proc), so "é" typed as one code point
// or as "e" + combining accent unlocks the same account. The salt is derived, never chosen by
// the server: salt = BLAKE2b-128("zkwiki kdf salt v1" || seed || account id), where the random
// 32-byte seed is stored with the account. Parameters are versioned and stored with the account;
// a client refuses parameters below its floor (downgrade protection against a malicious server)
// or above its ceiling (a denial of service, and more than a browser tab can allocate).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "zkwiki/ids.h"
#include "zkwiki/result.h"
#include "zkwiki/secret.h"

namespace zkwiki {

inline constexpr std::uint8_t kKdfArgon2id13 = 1;

struct KdfParams {
  std::uint8_t algorithm = kKdfArgon2id13;
  std::uint32_t opslimit = 3;                 // Argon2 t (passes)
  std::uint32_t memlimit_kib = 64 * 1024;     // Argon2 m, in KiB
  std::array<std::uint8_t, 32> seed{};        // random, per account (and per passphrase change)

  // Fresh parameters with a random seed.
  static KdfParams generate(std::uint32_t opslimit = 3, std::uint32_t memlimit_kib = 64 * 1024);
  bool operator==(const KdfParams&) const = default;
};

// What a client accepts. The defaults are the production floor and ceiling.
struct KdfPolicy {
  std::uint32_t min_opslimit = 3;
  std::uint32_t min_memlimit_kib = 64 * 1024;   // 64 MiB
  std::uint32_t max_opslimit = 16;
  std::uint32_t max_memlimit_kib = 1024 * 1024; // 1 GiB: within reach of a WASM tab
};

// Errors: unsupported_version (unknown algorithm), weak_parameters (below floor or above ceiling).
Result<void> check_kdf_params(const KdfParams& params, const KdfPolicy& policy = {});

// NFC form of a UTF-8 passphrase. Errors: invalid_argument (not valid UTF-8, empty, or
// containing a NUL character).
Result<std::string> normalize_passphrase(std::string_view passphrase);

// The 16-byte Argon2id salt for this account.
std::array<std::uint8_t, 16> kdf_salt(const KdfParams& params, const AccountId& account);

// Root key (32 bytes) = Argon2id(NFC(passphrase), kdf_salt, t, m). Checks `params` against
// `policy` first. Errors: as check_kdf_params and normalize_passphrase; internal (out of memory).
Result<Secret> derive_root_key(std::string_view passphrase, const KdfParams& params, const AccountId& account,
                               const KdfPolicy& policy = {});

// Named subkeys of a 32-byte key, through BLAKE2b (crypto_kdf_derive_from_key). `label` is the
// 8-character context listed in FORMAT.md ("zkwlogin", "zkwkek__", ...).
// REQUIRES: key.size() == 32, label.size() == 8.
Secret derive_subkey(const Secret& key, std::string_view label, std::uint64_t id = 1, std::size_t size = 32);

// Binary form: u8 algorithm || u32 opslimit || u32 memlimit_kib || seed[32] (41 bytes).
std::vector<std::uint8_t> encode_kdf_params(const KdfParams& params);
// Errors: truncated, trailing_data, unsupported_version (unknown algorithm).
Result<KdfParams> decode_kdf_params(std::span<const std::uint8_t> bytes);

}  // namespace zkwiki

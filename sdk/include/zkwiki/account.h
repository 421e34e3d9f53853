// An account: its public record (what the server stores) and its unlocked keys (what only the
// client ever holds).
//
//   passphrase --NFC, Argon2id--> root key
//   root key --"zkwlogin"--> login seed --> Ed25519 login key pair (proves the account to the server)
//   root key --"zkwkek__"--> key-encryption key (KEK)
//   KEK            wraps the account's X25519 + Ed25519 secret keys   (passphrase wrap)
//   recovery key --"zkwrecov"--> wraps the same secret keys          (recovery wrap)
//
// A passphrase change or a recovery re-wraps the same account keys: nothing else changes.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "zkwiki/ids.h"
#include "zkwiki/kdf.h"
#include "zkwiki/primitives.h"
#include "zkwiki/result.h"
#include "zkwiki/secret.h"

namespace zkwiki {

// An account's (or an agent's) public keys: X25519 for receiving wrapped keys, Ed25519 for
// signing revisions.
struct PublicKeys {
  std::array<std::uint8_t, 32> x25519{};
  std::array<std::uint8_t, 32> ed25519{};

  // 16 base32 characters in four groups ("abcd-efgh-ijkl-mnop") = 80 bits of
  // BLAKE2b-256("zkwiki fingerprint v1" || x25519 || ed25519): read aloud to verify a key.
  std::string fingerprint() const;
  // Typed string form "zkwpub_..." (or "zkwagent_..." with `agent`).
  std::string to_string(bool agent = false) const;
  static Result<PublicKeys> parse(std::string_view text, bool agent = false);
  bool operator==(const PublicKeys&) const = default;
};

// The unlocked key pairs of an account. Move-only: the secret halves are Secrets.
struct AccountKeys {
  AccountId id;
  PublicKeys public_keys;
  Secret x25519_secret;   // 32 bytes
  Secret ed25519_secret;  // 64 bytes (libsodium layout: seed || public key)

  // Fresh random key pairs.
  static AccountKeys generate(const AccountId& id);
  // Key pairs from their 32-byte seeds. REQUIRES: both 32 bytes.
  static AccountKeys from_seeds(const AccountId& id, const Secret& x25519_secret, const Secret& ed25519_seed);
};

inline constexpr std::size_t kWrappedAccountKeysBytes = 24 + 64 + 16;
inline constexpr std::size_t kAccountRecordBytes = 4 + 1 + 16 + 41 + 32 + 32 + 32 + 2 * kWrappedAccountKeysBytes;

// What the server stores for an account. Nothing in it opens data without the passphrase or
// the recovery key.
struct AccountRecord {
  AccountId id;
  KdfParams kdf;
  std::array<std::uint8_t, 32> login_public_key{};
  PublicKeys public_keys;
  std::array<std::uint8_t, kWrappedAccountKeysBytes> passphrase_wrap{};
  std::array<std::uint8_t, kWrappedAccountKeysBytes> recovery_wrap{};

  std::vector<std::uint8_t> encode() const;
  // Errors: truncated, trailing_data, malformed (bad magic), unsupported_version.
  static Result<AccountRecord> decode(std::span<const std::uint8_t> bytes);
};

// A freshly created account. `recovery_key` is shown to the user once and never stored.
struct NewAccount {
  AccountRecord record;
  AccountKeys keys;
  primitives::Ed25519KeyPair login;
  std::string recovery_key;  // "zkwrec_..." typed string, grouped
};

struct UnlockedAccount {
  AccountKeys keys;
  primitives::Ed25519KeyPair login;
};

// Creates an account with fresh keys. `kdf` defaults to fresh production parameters.
// Errors: invalid_argument (passphrase), weak_parameters (kdf outside `policy`).
Result<NewAccount> create_account(std::string_view passphrase, const KdfParams& kdf = KdfParams::generate(),
                                  const KdfPolicy& policy = {});

// Unlocks an account with its passphrase.
// Errors: weak_parameters (the record's KDF parameters are outside `policy`: refused before any
// work), unsupported_version (unknown KDF algorithm), invalid_argument (the passphrase is not
// valid UTF-8), wrong_passphrase, auth_failed (the record was tampered with).
Result<UnlockedAccount> unlock_account(const AccountRecord& record, std::string_view passphrase,
                                       const KdfPolicy& policy = {});

// The login key pair alone (for a device that only needs to authenticate).
Result<primitives::Ed25519KeyPair> derive_login_key(const AccountRecord& record, std::string_view passphrase,
                                                    const KdfPolicy& policy = {});

// A new record for the same keys under a new passphrase (and fresh KDF seed). The recovery wrap
// is kept. Errors: as create_account.
Result<AccountRecord> change_passphrase(const AccountRecord& record, const AccountKeys& keys,
                                        std::string_view new_passphrase,
                                        const KdfParams& new_kdf = KdfParams::generate(),
                                        const KdfPolicy& policy = {});

// Unlocks the account keys with the recovery key (then set a new passphrase with
// change_passphrase). Errors: wrong_type / malformed (not a recovery key), wrong_passphrase
// (a recovery key of another account, or a tampered recovery wrap: the two look alike),
// auth_failed (the public keys in the record do not match its secret keys).
Result<AccountKeys> recover_account(const AccountRecord& record, std::string_view recovery_key);

}  // namespace zkwiki

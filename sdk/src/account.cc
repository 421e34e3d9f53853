#include "zkwiki/account.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "internal.h"
#include "zkwiki/keystring.h"

namespace zkwiki {
namespace {

constexpr std::string_view kRecordMagic = "ZKWA";
constexpr std::uint8_t kRecordVersion = 1;
enum class WrapKind : std::uint8_t { passphrase = 1, recovery = 2 };

std::vector<std::uint8_t> wrap_aad(const AccountRecord& r, WrapKind kind) {
  internal::ByteWriter w(96);
  w.bytes(internal::as_bytes("zkwiki account keys v1"));
  w.bytes(r.id.bytes);
  w.u8(static_cast<std::uint8_t>(kind));
  w.bytes(r.public_keys.x25519);
  w.bytes(r.public_keys.ed25519);
  return w.take();
}

// wrap = nonce[24] || XChaCha20-Poly1305(key, x25519 secret[32] || ed25519 seed[32], aad)
std::array<std::uint8_t, kWrappedAccountKeysBytes> wrap_keys(const Secret& wrap_key, const AccountRecord& r,
                                                             WrapKind kind, const AccountKeys& keys) {
  std::array<std::uint8_t, kWrappedAccountKeysBytes> out{};
  primitives::random_bytes(std::span(out.data(), 24));
  Secret plain(64);
  auto p = plain.reveal_mutable();
  std::memcpy(p.data(), keys.x25519_secret.reveal().data(), 32);
  std::memcpy(p.data() + 32, keys.ed25519_secret.reveal().data(), 32);  // the seed half
  auto aad = wrap_aad(r, kind);
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + 24, nullptr, p.data(), 64, aad.data(), aad.size(), nullptr,
                                             out.data(), wrap_key.reveal().data());
  return out;
}

Result<AccountKeys> unwrap_keys(const Secret& wrap_key, const AccountRecord& r, WrapKind kind,
                                const std::array<std::uint8_t, kWrappedAccountKeysBytes>& wrapped) {
  Secret plain(64);
  auto aad = wrap_aad(r, kind);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain.reveal_mutable().data(), nullptr, nullptr, wrapped.data() + 24,
                                                 wrapped.size() - 24, aad.data(), aad.size(), wrapped.data(),
                                                 wrap_key.reveal().data()) != 0)
    return make_error(kind == WrapKind::recovery ? Errc::wrong_passphrase : Errc::auth_failed,
                      kind == WrapKind::recovery ? "this recovery key does not open this account"
                                                 : "the account record's wrapped keys do not authenticate (tampered?)");
  auto keys = AccountKeys::from_seeds(r.id, Secret::from_bytes(plain.reveal().first(32)),
                                      Secret::from_bytes(plain.reveal().subspan(32)));
  if (!(keys.public_keys == r.public_keys))
    return make_error(Errc::auth_failed, "the account record's public keys do not match its secret keys");
  return keys;
}

Secret recovery_wrap_key(std::span<const std::uint8_t> recovery_secret) {
  return derive_subkey(Secret::from_bytes(recovery_secret), "zkwrecov");
}

struct RootDerived {
  primitives::Ed25519KeyPair login;
  Secret kek;
};

Result<RootDerived> derive_from_passphrase(const AccountRecord& r, std::string_view passphrase,
                                           const KdfPolicy& policy) {
  ZKWIKI_ASSIGN(Secret root, derive_root_key(passphrase, r.kdf, r.id, policy));
  return RootDerived{primitives::ed25519_from_seed(derive_subkey(root, "zkwlogin")), derive_subkey(root, "zkwkek__")};
}

}  // namespace

std::string PublicKeys::fingerprint() const {
  auto h = primitives::blake2b_256({internal::as_bytes("zkwiki fingerprint v1"), x25519, ed25519});
  std::string b32 = base32_encode(std::span(h.data(), 10));
  return b32.substr(0, 4) + "-" + b32.substr(4, 4) + "-" + b32.substr(8, 4) + "-" + b32.substr(12, 4);
}

std::string PublicKeys::to_string(bool agent) const {
  std::array<std::uint8_t, 64> payload{};
  std::copy(x25519.begin(), x25519.end(), payload.begin());
  std::copy(ed25519.begin(), ed25519.end(), payload.begin() + 32);
  return encode_key_string(agent ? KeyStringType::agent_public : KeyStringType::public_keys, payload);
}

Result<PublicKeys> PublicKeys::parse(std::string_view text, bool agent) {
  ZKWIKI_ASSIGN(auto payload,
                decode_key_string(text, agent ? KeyStringType::agent_public : KeyStringType::public_keys, 64));
  PublicKeys k;
  std::copy_n(payload.begin(), 32, k.x25519.begin());
  std::copy_n(payload.begin() + 32, 32, k.ed25519.begin());
  return k;
}

AccountKeys AccountKeys::generate(const AccountId& id) {
  return from_seeds(id, Secret::random(32), Secret::random(32));
}

AccountKeys AccountKeys::from_seeds(const AccountId& id, const Secret& x25519_secret, const Secret& ed25519_seed) {
  auto x = primitives::x25519_from_secret(x25519_secret.clone());
  auto e = primitives::ed25519_from_seed(ed25519_seed);
  AccountKeys k{id, {}, std::move(x.secret_key), std::move(e.secret_key)};
  k.public_keys.x25519 = x.public_key;
  k.public_keys.ed25519 = e.public_key;
  return k;
}

std::vector<std::uint8_t> AccountRecord::encode() const {
  internal::ByteWriter w(kAccountRecordBytes);
  w.bytes(internal::as_bytes(kRecordMagic));
  w.u8(kRecordVersion);
  w.bytes(id.bytes);
  w.bytes(encode_kdf_params(kdf));
  w.bytes(login_public_key);
  w.bytes(public_keys.x25519);
  w.bytes(public_keys.ed25519);
  w.bytes(passphrase_wrap);
  w.bytes(recovery_wrap);
  return w.take();
}

Result<AccountRecord> AccountRecord::decode(std::span<const std::uint8_t> bytes) {
  internal::ByteReader r(bytes);
  AccountRecord rec;
  if (internal::expect_magic(r, kRecordMagic, kRecordVersion, "account record")) {
    rec.id.bytes = r.array<16>();
    auto kdf_bytes = r.bytes(41);
    rec.login_public_key = r.array<32>();
    rec.public_keys.x25519 = r.array<32>();
    rec.public_keys.ed25519 = r.array<32>();
    rec.passphrase_wrap = r.array<kWrappedAccountKeysBytes>();
    rec.recovery_wrap = r.array<kWrappedAccountKeysBytes>();
    if (!r.failed()) {
      auto kdf = decode_kdf_params(kdf_bytes);
      if (!kdf) return std::move(kdf).error();
      rec.kdf = *kdf;
    }
  }
  ZKWIKI_TRY(r.finish("account record"));
  return rec;
}

Result<NewAccount> create_account(std::string_view passphrase, const KdfParams& kdf, const KdfPolicy& policy) {
  AccountRecord record;
  record.id = AccountId::random();
  record.kdf = kdf;
  ZKWIKI_ASSIGN(RootDerived derived, derive_from_passphrase(record, passphrase, policy));
  AccountKeys keys = AccountKeys::generate(record.id);
  record.login_public_key = derived.login.public_key;
  record.public_keys = keys.public_keys;
  record.passphrase_wrap = wrap_keys(derived.kek, record, WrapKind::passphrase, keys);
  Secret recovery = Secret::random(32);
  record.recovery_wrap = wrap_keys(recovery_wrap_key(recovery.reveal()), record, WrapKind::recovery, keys);
  std::string recovery_text = encode_key_string(KeyStringType::recovery_key, recovery.reveal(), 5);
  return NewAccount{std::move(record), std::move(keys), std::move(derived.login), std::move(recovery_text)};
}

Result<UnlockedAccount> unlock_account(const AccountRecord& record, std::string_view passphrase,
                                       const KdfPolicy& policy) {
  ZKWIKI_ASSIGN(RootDerived derived, derive_from_passphrase(record, passphrase, policy));
  // The login public key is a cheap, exact check of the passphrase before touching the wraps.
  if (sodium_memcmp(derived.login.public_key.data(), record.login_public_key.data(), 32) != 0)
    return make_error(Errc::wrong_passphrase, "wrong passphrase");
  ZKWIKI_ASSIGN(AccountKeys keys, unwrap_keys(derived.kek, record, WrapKind::passphrase, record.passphrase_wrap));
  return UnlockedAccount{std::move(keys), std::move(derived.login)};
}

Result<primitives::Ed25519KeyPair> derive_login_key(const AccountRecord& record, std::string_view passphrase,
                                                    const KdfPolicy& policy) {
  ZKWIKI_ASSIGN(RootDerived derived, derive_from_passphrase(record, passphrase, policy));
  if (sodium_memcmp(derived.login.public_key.data(), record.login_public_key.data(), 32) != 0)
    return make_error(Errc::wrong_passphrase, "wrong passphrase");
  return std::move(derived.login);
}

Result<AccountRecord> change_passphrase(const AccountRecord& record, const AccountKeys& keys,
                                        std::string_view new_passphrase, const KdfParams& new_kdf,
                                        const KdfPolicy& policy) {
  if (!(keys.public_keys == record.public_keys) || keys.id != record.id)
    return make_error(Errc::invalid_argument, "these keys do not belong to this account record");
  AccountRecord next = record;
  next.kdf = new_kdf;
  ZKWIKI_ASSIGN(RootDerived derived, derive_from_passphrase(next, new_passphrase, policy));
  next.login_public_key = derived.login.public_key;
  next.passphrase_wrap = wrap_keys(derived.kek, next, WrapKind::passphrase, keys);
  return next;
}

Result<AccountKeys> recover_account(const AccountRecord& record, std::string_view recovery_key) {
  ZKWIKI_ASSIGN(auto secret, decode_key_string(recovery_key, KeyStringType::recovery_key, 32));
  Secret wrap_key = recovery_wrap_key(secret);
  wipe(secret);
  return unwrap_keys(wrap_key, record, WrapKind::recovery, record.recovery_wrap);
}

}  // namespace zkwiki

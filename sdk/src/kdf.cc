#include "zkwiki/kdf.h"

#include <sodium.h>
#include <utf8proc.h>

#include <cstdlib>
#include <memory>

#include "internal.h"
#include "zkwiki/primitives.h"

namespace zkwiki {

KdfParams KdfParams::generate(std::uint32_t opslimit, std::uint32_t memlimit_kib) {
  KdfParams p;
  p.opslimit = opslimit;
  p.memlimit_kib = memlimit_kib;
  primitives::random_bytes(p.seed);
  return p;
}

Result<void> check_kdf_params(const KdfParams& params, const KdfPolicy& policy) {
  if (params.algorithm != kKdfArgon2id13)
    return make_error(Errc::unsupported_version, "unknown KDF algorithm " + std::to_string(params.algorithm));
  if (params.opslimit < policy.min_opslimit || params.memlimit_kib < policy.min_memlimit_kib)
    return make_error(Errc::weak_parameters,
                      "KDF parameters t=" + std::to_string(params.opslimit) + ", m=" +
                          std::to_string(params.memlimit_kib) + " KiB are below this client's floor (t>=" +
                          std::to_string(policy.min_opslimit) + ", m>=" + std::to_string(policy.min_memlimit_kib) +
                          " KiB): refusing a possible downgrade");
  if (params.opslimit > policy.max_opslimit || params.memlimit_kib > policy.max_memlimit_kib)
    return make_error(Errc::weak_parameters,
                      "KDF parameters t=" + std::to_string(params.opslimit) + ", m=" +
                          std::to_string(params.memlimit_kib) + " KiB exceed this client's ceiling (t<=" +
                          std::to_string(policy.max_opslimit) + ", m<=" + std::to_string(policy.max_memlimit_kib) +
                          " KiB)");
  return {};
}

Result<std::string> normalize_passphrase(std::string_view passphrase) {
  if (passphrase.empty()) return make_error(Errc::invalid_argument, "the passphrase is empty");
  // utf8proc_map validates UTF-8 and composes to NFC in one pass. It reads a NUL-terminated
  // string only without a length; we always give the length, so embedded NULs are refused too.
  utf8proc_uint8_t* out = nullptr;
  auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(passphrase.data()),
                        static_cast<utf8proc_ssize_t>(passphrase.size()), &out,
                        static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n < 0) return make_error(Errc::invalid_argument, "the passphrase is not valid UTF-8");
  std::unique_ptr<utf8proc_uint8_t, void (*)(void*)> owned(out, std::free);
  std::string nfc(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
  wipe({out, static_cast<std::size_t>(n)});
  if (nfc.find('\0') != std::string::npos) {
    wipe({reinterpret_cast<std::uint8_t*>(nfc.data()), nfc.size()});
    return make_error(Errc::invalid_argument, "the passphrase contains a NUL character");
  }
  return nfc;
}

std::array<std::uint8_t, 16> kdf_salt(const KdfParams& params, const AccountId& account) {
  std::vector<std::uint8_t> msg;
  auto domain = internal::as_bytes("zkwiki kdf salt v1");
  msg.insert(msg.end(), domain.begin(), domain.end());
  msg.insert(msg.end(), params.seed.begin(), params.seed.end());
  msg.insert(msg.end(), account.bytes.begin(), account.bytes.end());
  auto h = primitives::blake2b(16, msg);
  std::array<std::uint8_t, 16> salt{};
  std::copy(h.begin(), h.end(), salt.begin());
  return salt;
}

Result<Secret> derive_root_key(std::string_view passphrase, const KdfParams& params, const AccountId& account,
                               const KdfPolicy& policy) {
  ZKWIKI_TRY(check_kdf_params(params, policy));
  ZKWIKI_ASSIGN(std::string nfc, normalize_passphrase(passphrase));
  auto salt = kdf_salt(params, account);
  auto root = primitives::argon2id(internal::as_bytes(nfc), salt, params.opslimit,
                                   std::size_t{params.memlimit_kib} * 1024, 32);
  wipe({reinterpret_cast<std::uint8_t*>(nfc.data()), nfc.size()});
  return root;
}

Secret derive_subkey(const Secret& key, std::string_view label, std::uint64_t id, std::size_t size) {
  internal::ensure_sodium();
  if (key.size() != crypto_kdf_KEYBYTES) internal::misuse("derive_subkey: key must be 32 bytes");
  if (label.size() != crypto_kdf_CONTEXTBYTES) internal::misuse("derive_subkey: label must be 8 characters");
  if (size < crypto_kdf_BYTES_MIN || size > crypto_kdf_BYTES_MAX) internal::misuse("derive_subkey: bad size");
  Secret out(size);
  crypto_kdf_derive_from_key(out.reveal_mutable().data(), size, id, label.data(), key.reveal().data());
  return out;
}

std::vector<std::uint8_t> encode_kdf_params(const KdfParams& params) {
  internal::ByteWriter w(41);
  w.u8(params.algorithm);
  w.u32(params.opslimit);
  w.u32(params.memlimit_kib);
  w.bytes(params.seed);
  return w.take();
}

Result<KdfParams> decode_kdf_params(std::span<const std::uint8_t> bytes) {
  internal::ByteReader r(bytes);
  KdfParams p;
  p.algorithm = r.u8();
  p.opslimit = r.u32();
  p.memlimit_kib = r.u32();
  p.seed = r.array<32>();
  ZKWIKI_TRY(r.finish("KDF parameters"));
  if (p.algorithm != kKdfArgon2id13)
    return make_error(Errc::unsupported_version, "unknown KDF algorithm " + std::to_string(p.algorithm));
  return p;
}

}  // namespace zkwiki

#include "crypto.h"

#include <sodium.h>

namespace zkwiki::server {

bool crypto_init() { return sodium_init() >= 0; }

bool is_hex_id(std::string_view s, std::size_t raw_len) {
  if (s.size() != raw_len * 2) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string to_hex(std::string_view raw) {
  std::string out(raw.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                 raw.size());
  out.pop_back();
  return out;
}

std::optional<Bytes> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0 || !is_hex_id(hex, hex.size() / 2)) return std::nullopt;
  Bytes out(hex.size() / 2, '\0');
  size_t len = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), hex.data(),
                     hex.size(), nullptr, &len, nullptr) != 0 ||
      len != out.size())
    return std::nullopt;
  return out;
}

std::string to_base64(std::string_view raw) {
  const int variant = sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_encoded_len(raw.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), variant);
  out.pop_back();  // the terminating NUL
  return out;
}

std::optional<Bytes> from_base64(std::string_view b64) {
  if (b64.size() % 4 != 0) return std::nullopt;
  Bytes out(b64.size() / 4 * 3, '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), b64.data(),
                        b64.size(), nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0)
    return std::nullopt;
  if (end != b64.data() + b64.size()) return std::nullopt;
  out.resize(len);
  return out;
}

Bytes blake2b256(std::string_view data) {
  Bytes out(32, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                     reinterpret_cast<const unsigned char*>(data.data()), data.size(), nullptr, 0);
  return out;
}

std::string blake2b256_hex(std::string_view data) { return to_hex(blake2b256(data)); }

bool ed25519_verify(std::string_view public_key, std::string_view message, std::string_view sig) {
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES || sig.size() != crypto_sign_BYTES)
    return false;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(),
                                     reinterpret_cast<const unsigned char*>(public_key.data())) == 0;
}

Bytes random_bytes(std::size_t n) {
  Bytes out(n, '\0');
  randombytes_buf(out.data(), out.size());
  return out;
}

bool ct_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace zkwiki::server

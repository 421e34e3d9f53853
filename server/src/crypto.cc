#include "crypto.h"

#include <sodium.h>

#include <array>

#include "zkwiki/encoding.h"
#include "zkwiki/primitives.h"

namespace zkwiki::server {

bool crypto_init() { return sodium_init() >= 0; }

bool is_hex_id(std::string_view s, std::size_t raw_len) {
  if (s.size() != raw_len * 2) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::optional<Bytes> id_bytes(std::string_view hex) {
  if (hex.size() % 2 != 0 || !is_hex_id(hex, hex.size() / 2)) return std::nullopt;
  Bytes out(hex.size() / 2, '\0');
  auto span = std::span(reinterpret_cast<std::uint8_t*>(out.data()), out.size());
  if (!zkwiki::from_hex(hex, span)) return std::nullopt;
  return out;
}

Bytes hash_raw(std::string_view data) {
  return to_bytes(primitives::blake2b_256({as_span(data)}));
}

std::string hash_hex(std::string_view data) {
  return zkwiki::to_hex(primitives::blake2b_256({as_span(data)}));
}

bool ct_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

IssuedToken issue_token(std::string_view prefix) {
  std::array<std::uint8_t, 32> raw{};
  primitives::random_bytes(raw);
  IssuedToken t{std::string(prefix) + zkwiki::to_hex(raw), to_bytes(primitives::blake2b_256({raw}))};
  sodium_memzero(raw.data(), raw.size());
  return t;
}

std::string random_object_id() {
  std::array<std::uint8_t, 16> raw{};
  primitives::random_bytes(raw);
  return zkwiki::to_hex(raw);
}

}  // namespace zkwiki::server

#include "zkwiki/encoding.h"

#include <sodium.h>
#include <utf8proc.h>

#include "internal.h"
#include "zkwiki/ids.h"
#include "zkwiki/primitives.h"

namespace zkwiki {

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(bytes.size() * 2, '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    s[2 * i] = kDigits[bytes[i] >> 4];
    s[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return s;
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Result<void> from_hex(std::string_view hex, std::span<std::uint8_t> out) {
  if (hex.size() != out.size() * 2)
    return make_error(Errc::malformed, "expected " + std::to_string(out.size() * 2) + " hex digits, got " +
                                           std::to_string(hex.size()));
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return make_error(Errc::malformed, "not a hex digit at offset " + std::to_string(2 * i));
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return {};
}

std::string to_base64(std::span<const std::uint8_t> bytes) {
  internal::ensure_sodium();
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();  // the NUL terminator sodium writes
  return out;
}

Result<std::vector<std::uint8_t>> from_base64(std::string_view text) {
  internal::ensure_sodium();
  std::vector<std::uint8_t> out(text.size() / 4 * 3 + 3);
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size())
    return make_error(Errc::malformed, "not canonical base64");
  out.resize(len);
  // libsodium accepts non-zero bits in the final character; re-encoding must give the input.
  if (to_base64(out) != text) return make_error(Errc::malformed, "not canonical base64");
  return out;
}

void fill_random(std::span<std::uint8_t> out) noexcept { primitives::random_bytes(out); }

namespace {
// ASCII runs are checked byte by byte; anything else goes through utf8proc's decoder.
bool utf8_scan(std::string_view s, bool allow_nul) noexcept {
  auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  auto left = static_cast<utf8proc_ssize_t>(s.size());
  while (left > 0) {
    if (*p < 0x80) {
      if (*p == 0 && !allow_nul) return false;
      ++p;
      --left;
      continue;
    }
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) return false;
    p += n;
    left -= n;
  }
  return true;
}
}  // namespace

bool valid_utf8(std::string_view s) noexcept { return utf8_scan(s, true); }
bool valid_text(std::string_view s) noexcept { return utf8_scan(s, false); }

std::string printable(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  auto escape = [&](std::string_view bytes) {
    for (unsigned char b : bytes) {
      out.append("\\x");
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
    }
  };
  auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  auto left = static_cast<utf8proc_ssize_t>(s.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = 1;
    if (*p < 0x80) cp = *p;
    else n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) {  // not UTF-8: this byte alone
      n = 1;
      cp = -1;
    }
    std::string_view bytes(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) escape(bytes);
    else out.append(bytes);
    p += n;
    left -= n;
  }
  return out;
}

}  // namespace zkwiki

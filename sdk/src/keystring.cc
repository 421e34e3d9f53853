#include "zkwiki/keystring.h"

#include <algorithm>
#include <array>

#include "internal.h"
#include "zkwiki/encoding.h"
#include "zkwiki/primitives.h"
#include "zkwiki/secret.h"

namespace zkwiki {
namespace {

// What an error may quote of the text it was given: printable ASCII as it is (24 characters at
// most), anything else as the hex of its first bytes, so no escape sequence or binary from a
// pasted or hostile string reaches the user's terminal.
std::string quote_untrusted(std::string_view s) {
  const bool printable =
      s.size() <= 24 && std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
  std::string out;
  if (printable) {
    out.append("'").append(s).append("'");
    return out;
  }
  const auto head = s.substr(0, 8);
  out.append("0x").append(to_hex({reinterpret_cast<const std::uint8_t*>(head.data()), head.size()}));
  if (s.size() > head.size()) out.append("...");
  out.append(" (").append(std::to_string(s.size())).append(" bytes)");
  return out;
}

constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz234567";
constexpr std::size_t kChecksumBytes = 4;
constexpr std::array kAllTypes = {KeyStringType::recovery_key, KeyStringType::public_keys,
                                  KeyStringType::agent_public, KeyStringType::grant,
                                  KeyStringType::agent_secret};

std::array<std::uint8_t, kChecksumBytes> checksum(std::string_view prefix, std::span<const std::uint8_t> payload) {
  static constexpr std::uint8_t kZero = 0;
  auto h = primitives::blake2b_256({internal::as_bytes("zkwiki keystring v1"), internal::as_bytes(prefix),
                                    std::span<const std::uint8_t>(&kZero, 1), payload});
  std::array<std::uint8_t, kChecksumBytes> c{};
  std::copy_n(h.begin(), kChecksumBytes, c.begin());
  return c;
}

}  // namespace

std::string_view key_string_prefix(KeyStringType type) noexcept {
  switch (type) {
    case KeyStringType::recovery_key: return "zkwrec";
    case KeyStringType::public_keys: return "zkwpub";
    case KeyStringType::agent_public: return "zkwagent";
    case KeyStringType::grant: return "zkwgrant";
    case KeyStringType::agent_secret: return "zkwagentkey";
  }
  return "zkw?";
}

std::string_view key_string_description(KeyStringType type) noexcept {
  switch (type) {
    case KeyStringType::recovery_key: return "a recovery key";
    case KeyStringType::public_keys: return "an account public key";
    case KeyStringType::agent_public: return "an agent public key";
    case KeyStringType::grant: return "an agent grant";
    case KeyStringType::agent_secret: return "an agent secret key";
  }
  return "an unknown key string";
}

std::string base32_encode(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::uint8_t b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

Result<std::vector<std::uint8_t>> base32_decode(std::string_view text) {
  std::vector<std::uint8_t> out;
  out.reserve(text.size() * 5 / 8);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '-' || c == ' ' || c == '\n' || c == '\t') continue;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    auto v = kAlphabet.find(c);
    if (v == std::string_view::npos)
      return make_error(Errc::malformed, "invalid character " + quote_untrusted(text.substr(i, 1)) + " at offset " +
                                             std::to_string(i));
    buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<std::uint8_t>(buffer >> (bits - 8)));
      bits -= 8;
    }
  }
  // Leftover bits must be zero padding of fewer than 5 bits, or the text was not canonical.
  if (bits >= 5 || (buffer & ((1u << bits) - 1)) != 0)
    return make_error(Errc::malformed, "base32 text has a dangling or non-zero final character");
  return out;
}

std::string encode_key_string(KeyStringType type, std::span<const std::uint8_t> payload, int group) {
  auto prefix = key_string_prefix(type);
  std::vector<std::uint8_t> data(payload.begin(), payload.end());
  auto c = checksum(prefix, payload);
  data.insert(data.end(), c.begin(), c.end());
  std::string body = base32_encode(data);
  std::string out(prefix);
  out.push_back('_');
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (group > 0 && i > 0 && i % static_cast<std::size_t>(group) == 0) out.push_back('-');
    out.push_back(body[i]);
  }
  return out;
}

Result<std::vector<std::uint8_t>> decode_key_string(std::string_view text, KeyStringType expected,
                                                    std::size_t expected_size) {
  auto space = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  auto sep = text.find('_');
  if (sep == std::string_view::npos)
    return make_error(Errc::malformed, std::string("not a zkwiki key string: expected ") +
                                           std::string(key_string_description(expected)) + " starting with '" +
                                           std::string(key_string_prefix(expected)) + "_'");
  std::string prefix(text.substr(0, sep));
  for (char& ch : prefix)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  if (prefix != key_string_prefix(expected)) {
    for (KeyStringType t : kAllTypes)
      if (prefix == key_string_prefix(t))
        return make_error(Errc::wrong_type, "this is " + std::string(key_string_description(t)) + ", not " +
                                                std::string(key_string_description(expected)));
    return make_error(Errc::malformed, "unknown key string prefix " + quote_untrusted(prefix));
  }
  ZKWIKI_ASSIGN(auto data, base32_decode(text.substr(sep + 1)));
  if (data.size() < kChecksumBytes) return make_error(Errc::truncated, "key string too short");
  std::span<const std::uint8_t> payload(data.data(), data.size() - kChecksumBytes);
  auto c = checksum(prefix, payload);
  if (!std::equal(c.begin(), c.end(), data.end() - kChecksumBytes))
    return make_error(Errc::malformed, "key string checksum does not match (a typo?)");
  if (expected_size != 0 && payload.size() != expected_size)
    return make_error(Errc::invalid_argument, std::string(key_string_description(expected)) + " must hold " +
                                                  std::to_string(expected_size) + " bytes, this holds " +
                                                  std::to_string(payload.size()));
  std::vector<std::uint8_t> out(payload.begin(), payload.end());
  wipe(data);  // may be a recovery secret
  return out;
}

}  // namespace zkwiki

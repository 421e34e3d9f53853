// Text encodings of bytes shared by the SDK, its tools and the server: hex and base64.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zkwiki/result.h"

namespace zkwiki {

// Lowercase hex of `bytes`.
std::string to_hex(std::span<const std::uint8_t> bytes);
// Exactly `out.size()` bytes of hex (either case). Errors: malformed.
Result<void> from_hex(std::string_view hex, std::span<std::uint8_t> out);

// Standard base64 with padding (RFC 4648 section 4).
std::string to_base64(std::span<const std::uint8_t> bytes);
// Strict decoding: canonical padding, no whitespace, no URL alphabet. Errors: malformed.
Result<std::vector<std::uint8_t>> from_base64(std::string_view text);

}  // namespace zkwiki

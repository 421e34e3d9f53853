// Text encodings shared by the SDK, its tools and the server: hex, base64 and UTF-8 checks.
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

// Well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool valid_utf8(std::string_view s) noexcept;
// Well-formed UTF-8 without U+0000: paths, titles, tags, labels, queries.
bool valid_text(std::string_view s) noexcept;

// `s` as a terminal may be shown it: UTF-8 as it is, but control characters (C0 and DEL, and
// the C1 range U+0080..U+009F) and bytes that are not UTF-8 as \xNN (each byte), so a file
// name, path, title or label someone else chose cannot move the cursor, recolour or retitle the
// terminal, or hide what follows. A backslash stays as it is.
std::string printable(std::string_view s);

}  // namespace zkwiki

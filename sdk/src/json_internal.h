// The SDK's one way into nlohmann's JSON parser: text as a range of chars, never throwing (a
// malformed text gives a discarded value, which every caller checks). One input type for every
// caller, so the parser is instantiated once: the wasm module carried four copies of it (one per
// iterator type: string, string_view, const and mutable byte vectors), 3 KB of its gzip.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include <nlohmann/json.hpp>

namespace zkwiki::internal {

inline nlohmann::json parse_json(std::string_view text) {
  return nlohmann::json::parse(text.data(), text.data() + text.size(), nullptr, false);
}
inline nlohmann::json parse_json(std::span<const std::uint8_t> bytes) {
  return parse_json(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace zkwiki::internal

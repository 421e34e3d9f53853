// Helpers for table-driven tests over JSON vector files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

namespace zkwiki::test {

using Bytes = std::vector<std::uint8_t>;

nlohmann::json load_json(const std::filesystem::path& path);
// Decodes hex; throws on bad input (vector files are trusted test data).
Bytes unhex(const std::string& hex);
std::string hex(std::span<const std::uint8_t> bytes);
inline Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

}  // namespace zkwiki::test

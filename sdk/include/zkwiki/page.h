// The plaintext of a page revision: metadata (path, title, tags, times, links, a tombstone flag)
// and the Markdown body, encoded as one byte string that is then sealed in an envelope. The
// server never sees any of it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zkwiki/result.h"

namespace zkwiki {

inline constexpr std::size_t kMaxPathBytes = 4096;
inline constexpr std::size_t kMaxTitleBytes = 4096;
inline constexpr std::size_t kMaxTags = 1024;
inline constexpr std::size_t kMaxTagBytes = 256;
inline constexpr std::size_t kMaxLinks = 65536;

struct PageMetadata {
  std::string path;                 // "projects/alpha/notes.md"
  std::string title;
  std::vector<std::string> tags;
  std::int64_t created_ms = 0;      // author's clock: informative only, never used for ordering
  std::int64_t modified_ms = 0;
  std::vector<std::string> links;   // outgoing link targets, for backlinks
  bool deleted = false;             // a tombstone revision
  bool operator==(const PageMetadata&) const = default;
};

struct PageContent {
  PageMetadata meta;
  std::string body;
  bool operator==(const PageContent&) const = default;
};

// A path a page may be written at: 1..kMaxPathBytes bytes of UTF-8, relative, '/'-separated,
// no empty, "." or ".." segment (so no leading or trailing '/'), no control characters (tabs
// and newlines would break `ls` and scripts). Every such path exports to a file inside the
// export directory, and two different paths never export to the same file.
// Errors: invalid_argument, saying which rule the path breaks.
// Pages are text: well-formed UTF-8 without NUL (docs/CLI.md, "Page text"). Every way a page is
// written (Client::write, Client::import; so the CLI, agents and the MCP server) refuses other
// bytes with invalid_argument before anything is sent.
Result<void> validate_page_text(std::string_view body);
Result<void> validate_page_path(std::string_view path);

// Errors: as decode_page: what cannot be read back is never written.
Result<std::vector<std::uint8_t>> encode_page(const PageContent& page);
// Errors: truncated, trailing_data, too_large (a field over its limit), malformed (empty path,
// NUL bytes or invalid UTF-8 in a text field, unknown flags), unsupported_version.
Result<PageContent> decode_page(std::span<const std::uint8_t> bytes);

}  // namespace zkwiki

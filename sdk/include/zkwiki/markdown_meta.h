// What the client reads out of a Markdown page: YAML front matter (title, tags, other top-level
// scalar fields), a title, and outgoing links for backlinks. Reading only: the body is never
// modified, and front matter stays byte-exact in it.
//
// Front matter is a block at the very start of the page (after an optional UTF-8 BOM): a line
// "---", YAML, and a closing line "---" or "...". It is cut out before libyaml sees it (libyaml
// would otherwise read the body as a second document). A page that does not start with "---"
// or never closes the block has no front matter; that is not an error.
//
// Links: `[[target]]`, `[[target|label]]`, `[[target#anchor]]` (wiki links: page names, kept as
// written) and relative Markdown links `[text](../other.md)` and reference definitions
// `[ref]: other.md`, resolved against the page's own path. Skipped: URLs with a scheme
// (`https:`, `mailto:`) or `//host`, `#anchor`-only links, images, links in fenced code blocks
// (at any indentation, as in list items) and in inline code spans (a span is looked for on its
// own line). Indented code blocks without a fence are scanned like text. A relative link that
// climbs above the wiki root is dropped. No I/O; all functions are reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zkwiki/result.h"

namespace zkwiki {

// The YAML between the delimiters. Real pages go past 64 KiB: cppdocs' arm-intrinsics.md has
// 99 KB of front matter (an f1_keywords list).
inline constexpr std::size_t kMaxFrontMatterBytes = 128 * 1024;
inline constexpr std::size_t kMaxPageLinks = 10'000;             // links of all kinds in one page

struct MetaField {
  std::string key;
  std::string value;  // the scalar as written, without quotes; "" for an empty value
  bool operator==(const MetaField&) const = default;
};

enum class LinkKind : std::uint8_t {
  wiki,      // [[target]]
  markdown,  // [text](target) or [ref]: target
};

struct PageLink {
  LinkKind kind = LinkKind::wiki;
  std::string target;  // wiki: the page name; markdown: the path resolved against the page's
                       // directory ("projects/roadmap.md"), percent-decoded, without ?query
  std::string anchor;  // the part after '#', or ""
  std::string label;   // wiki: the text after '|'; markdown: the link text; may be ""
  std::size_t line = 0;  // 1-based line in the page where the link starts
  bool operator==(const PageLink&) const = default;
};

enum class TitleSource : std::uint8_t { none, front_matter, heading };

struct MarkdownMeta {
  bool has_front_matter = false;
  std::size_t body_offset = 0;  // first byte after the closing delimiter line (0 without one)
  std::optional<std::string> title;
  TitleSource title_source = TitleSource::none;
  std::vector<std::string> tags;   // in order, without duplicates
  std::vector<MetaField> fields;   // other top-level keys with scalar values, in order
  std::vector<PageLink> links;     // in page order, duplicates kept

  // Distinct link targets in first-seen order: what a page records for backlinks.
  std::vector<std::string> link_targets() const;
};

// Reads `page` (Markdown, UTF-8) stored at `page_path` ("projects/alpha/notes.md").
// Title: front matter `title` if it is a non-empty string, else the first level-1 ATX heading
// (`# Title`) outside fenced code, else none. Tags: `tags` as a YAML sequence of scalars or a
// comma-separated string.
// Errors: malformed (invalid YAML, with its 1-based page line; front matter that is not a
// mapping; a title or tag that is not a scalar; a duplicate top-level key), too_large (front
// matter over kMaxFrontMatterBytes, more than kMaxPageLinks links, a title, tag or tag count
// over the limits of page.h).
Result<MarkdownMeta> parse_markdown_meta(std::string_view page_path, std::string_view page);

// Resolves a relative link target (no scheme, no fragment) against the directory of
// `page_path`; a leading '/' starts at the wiki root. "." and ".." segments and empty segments
// are folded. Returns nullopt when the path climbs above the root or resolves to the root.
std::optional<std::string> resolve_link_path(std::string_view page_path, std::string_view target);

}  // namespace zkwiki

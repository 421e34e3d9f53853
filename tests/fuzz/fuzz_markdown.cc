// The Markdown/front-matter reader (markdown_meta.h: YAML front matter through libyaml, links
// through md4c) and link resolution. Input: a page path up to the first NUL, then the page.
// Properties: the body offset lies inside the page; a title and tags that parse fit the page
// encoding's limits (so a page's metadata can always be written); resolved links are paths.
#include "fuzz_common.h"
#include "zkwiki/markdown_meta.h"
#include "zkwiki/page.h"

using namespace zkwiki;

ZKWIKI_FUZZ_INIT

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in = fuzz::text(data, size);
  std::string_view path = "projects/alpha/notes.md", page = in;
  if (auto nul = in.find('\0'); nul != std::string_view::npos && nul < 256) {
    path = in.substr(0, nul);
    page = in.substr(nul + 1);
  }
  auto m = parse_markdown_meta(path, page);
  if (!m.ok()) return 0;
  ZKWIKI_FUZZ_CHECK(m->body_offset <= page.size());
  ZKWIKI_FUZZ_CHECK(m->has_front_matter || m->body_offset == 0);
  if (validate_page_path(path).ok()) {
    PageContent p;
    p.meta.path = std::string(path);
    p.meta.title = m->title.value_or("");
    p.meta.tags = m->tags;
    auto targets = m->link_targets();
    p.meta.links.assign(targets.begin(), targets.begin() + static_cast<long>(std::min<std::size_t>(targets.size(), 64)));
    p.body = std::string(page.substr(0, std::min<std::size_t>(page.size(), 4096)));
    (void)encode_page(p);  // may refuse (too_large), never crash
  }
  for (const auto& l : m->links) {
    if (l.kind != LinkKind::markdown) continue;
    auto r = resolve_link_path(path, l.target);
    if (r) ZKWIKI_FUZZ_CHECK(!r->empty() && r->front() != '/');
  }
  return 0;
}

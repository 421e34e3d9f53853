#include "zkwiki/encoding.h"
#include "zkwiki/page.h"

#include <utf8proc.h>

#include "internal.h"
#include "zkwiki/envelope.h"

namespace zkwiki {


namespace {


constexpr std::string_view kMagic = "ZKWP";
constexpr std::uint8_t kVersion = 1;

Result<void> validate(const PageContent& p) {
  const PageMetadata& m = p.meta;
  if (p.body.size() > kMaxPlaintextBytes)
    return make_error(Errc::too_large, "page: the text is " + std::to_string(p.body.size()) +
                                           " bytes; a page holds at most " + std::to_string(kMaxPlaintextBytes >> 20) + " MiB");
  if (m.path.size() > kMaxPathBytes || m.title.size() > kMaxTitleBytes || m.tags.size() > kMaxTags ||
      m.links.size() > kMaxLinks)
    return make_error(Errc::too_large, "page: a field exceeds its limit");
  if (m.path.empty()) return make_error(Errc::malformed, "page: empty path");
  if (!valid_text(m.path) || !valid_text(m.title))
    return make_error(Errc::malformed, "page: path or title is not valid UTF-8 text");
  for (const auto& t : m.tags)
    if (t.size() > kMaxTagBytes || !valid_text(t)) return make_error(Errc::malformed, "page: a tag is not valid UTF-8 text of at most 256 bytes");
  for (const auto& l : m.links)
    if (l.size() > kMaxPathBytes || !valid_text(l)) return make_error(Errc::malformed, "page: a link is not valid UTF-8 text of at most 4096 bytes");
  return {};
}

}  // namespace

Result<void> validate_page_text(std::string_view body) {
  if (valid_text(body)) return {};
  return make_error(Errc::invalid_argument, "not UTF-8 text (or holds a NUL byte): pages are text; nothing written");
}

Result<void> validate_page_path(std::string_view path) {
  auto bad = [&](std::string why) { return make_error(Errc::invalid_argument, "not a page path (" + why + ")"); };
  if (path.empty()) return bad("empty");
  if (path.size() > kMaxPathBytes) return bad("over " + std::to_string(kMaxPathBytes) + " bytes");
  if (!valid_text(path)) return bad("not UTF-8 text");
  for (char c : path)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return bad("a control character such as a tab or newline");
  if (path.front() == '/') return bad("absolute: a page path is relative, like notes/todo.md");
  for (std::size_t start = 0;;) {
    std::size_t end = path.find('/', start);
    std::string_view seg = path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (seg.empty()) return bad("an empty segment: no '//' and no trailing '/'");
    if (seg == "." || seg == "..") return bad("a '.' or '..' segment");
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return {};
}

Result<std::vector<std::uint8_t>> encode_page(const PageContent& page) {
  ZKWIKI_TRY(validate(page));
  const PageMetadata& m = page.meta;
  internal::ByteWriter w(64 + m.path.size() + m.title.size() + page.body.size());
  w.bytes(internal::as_bytes(kMagic));
  w.u8(kVersion);
  w.u8(m.deleted ? 1 : 0);
  w.u64(static_cast<std::uint64_t>(m.created_ms));
  w.u64(static_cast<std::uint64_t>(m.modified_ms));
  w.var_string(m.path);
  w.var_string(m.title);
  w.u32(static_cast<std::uint32_t>(m.tags.size()));
  for (const auto& t : m.tags) w.var_string(t);
  w.u32(static_cast<std::uint32_t>(m.links.size()));
  for (const auto& l : m.links) w.var_string(l);
  w.var_string(page.body);
  return w.take();
}

Result<PageContent> decode_page(std::span<const std::uint8_t> bytes) {
  internal::ByteReader r(bytes);
  PageContent p;
  PageMetadata& m = p.meta;
  std::uint8_t flags = 0;
  if (internal::expect_magic(r, kMagic, kVersion, "page")) {
    flags = r.u8();
    m.created_ms = static_cast<std::int64_t>(r.u64());
    m.modified_ms = static_cast<std::int64_t>(r.u64());
    m.path = r.var_string(kMaxPathBytes);
    m.title = r.var_string(kMaxTitleBytes);
    std::uint32_t n = r.u32();
    if (n > kMaxTags) r.fail(Errc::too_large, "more than " + std::to_string(kMaxTags) + " tags");
    for (std::uint32_t i = 0; i < n && !r.failed(); ++i) m.tags.push_back(r.var_string(kMaxTagBytes));
    n = r.u32();
    if (n > kMaxLinks) r.fail(Errc::too_large, "more than " + std::to_string(kMaxLinks) + " links");
    for (std::uint32_t i = 0; i < n && !r.failed(); ++i) m.links.push_back(r.var_string(kMaxPathBytes));
    p.body = r.var_string(kMaxPlaintextBytes);
  }
  ZKWIKI_TRY(r.finish("page"));
  if (flags > 1) return make_error(Errc::malformed, "page: unknown flags");
  m.deleted = flags == 1;
  ZKWIKI_TRY(validate(p));
  return p;
}

}  // namespace zkwiki

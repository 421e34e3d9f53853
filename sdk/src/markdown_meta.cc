#include "zkwiki/markdown_meta.h"

#include <yaml.h>

#include <algorithm>
#include <string>
#include <unordered_set>

#include "zkwiki/page.h"

namespace zkwiki {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// The line starting at `pos` (without '\n') and the offset of the next line.
std::string_view line_at(std::string_view text, std::size_t pos, std::size_t* next) {
  std::size_t nl = text.find('\n', pos);
  if (nl == std::string_view::npos) {
    *next = text.size();
    return text.substr(pos);
  }
  *next = nl + 1;
  return text.substr(pos, nl - pos);
}

Error malformed_at(std::size_t line, std::string what) {
  return make_error(Errc::malformed, "front matter, line " + std::to_string(line) + ": " + what);
}

// ---- YAML ----

class YamlDoc {
 public:
  YamlDoc() { yaml_parser_initialize(&parser_); }
  ~YamlDoc() {
    if (loaded_) yaml_document_delete(&doc_);
    yaml_parser_delete(&parser_);
  }
  YamlDoc(const YamlDoc&) = delete;
  YamlDoc& operator=(const YamlDoc&) = delete;

  // `first_line`: the page line the YAML text starts on, for messages.
  Result<void> load(std::string_view yaml, std::size_t first_line) {
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(yaml.data()), yaml.size());
    if (!yaml_parser_load(&parser_, &doc_)) {
      // libyaml reports where it noticed the problem and where the construct it was reading began.
      std::string what = parser_.problem ? parser_.problem : "invalid YAML";
      if (parser_.context)
        what += " (" + std::string(parser_.context) + " at line " + std::to_string(first_line + parser_.context_mark.line) + ")";
      return malformed_at(first_line + parser_.problem_mark.line, what);
    }
    loaded_ = true;
    return {};
  }
  yaml_node_t* root() { return yaml_document_get_root_node(&doc_); }
  yaml_node_t* node(int index) { return yaml_document_get_node(&doc_, index); }

 private:
  yaml_parser_t parser_;
  yaml_document_t doc_;
  bool loaded_ = false;
};

std::string_view scalar(const yaml_node_t* n) {
  return {reinterpret_cast<const char*>(n->data.scalar.value), n->data.scalar.length};
}

bool is_null(const yaml_node_t* n) {
  if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return false;
  auto v = scalar(n);
  return v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL";
}

Result<void> add_tag(MarkdownMeta& m, std::string_view tag, std::size_t line) {
  tag = trim(tag);
  if (tag.empty()) return {};
  if (tag.size() > kMaxTagBytes)
    return make_error(Errc::too_large, "front matter, line " + std::to_string(line) + ": a tag is over " +
                                           std::to_string(kMaxTagBytes) + " bytes");
  if (std::find(m.tags.begin(), m.tags.end(), tag) != m.tags.end()) return {};
  if (m.tags.size() >= kMaxTags)
    return make_error(Errc::too_large, "front matter: more than " + std::to_string(kMaxTags) + " tags");
  m.tags.emplace_back(tag);
  return {};
}

Result<void> read_front_matter(std::string_view yaml, std::size_t first_line, MarkdownMeta& m) {
  YamlDoc doc;
  ZKWIKI_TRY(doc.load(yaml, first_line));
  yaml_node_t* root = doc.root();
  if (root == nullptr || is_null(root)) return {};
  if (root->type != YAML_MAPPING_NODE)
    return malformed_at(first_line + root->start_mark.line, "front matter is not a mapping of keys to values");
  std::unordered_set<std::string_view> seen;
  for (yaml_node_pair_t* p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; ++p) {
    yaml_node_t* k = doc.node(p->key);
    yaml_node_t* v = doc.node(p->value);
    if (k == nullptr || v == nullptr) return make_error(Errc::malformed, "front matter: a dangling YAML node");
    const std::size_t line = first_line + k->start_mark.line;
    if (k->type != YAML_SCALAR_NODE) return malformed_at(line, "a key that is not a scalar");
    std::string_view key = scalar(k);
    if (!seen.insert(key).second) return malformed_at(line, "duplicate key '" + std::string(key) + "'");
    if (key == "title") {
      if (v->type != YAML_SCALAR_NODE) return malformed_at(line, "title is not a string");
      if (is_null(v)) continue;
      std::string_view t = trim(scalar(v));
      if (t.size() > kMaxTitleBytes)
        return make_error(Errc::too_large, "front matter, line " + std::to_string(line) + ": title is over " +
                                               std::to_string(kMaxTitleBytes) + " bytes");
      if (!t.empty()) {
        m.title = std::string(t);
        m.title_source = TitleSource::front_matter;
      }
    } else if (key == "tags") {
      if (v->type == YAML_SCALAR_NODE) {
        if (is_null(v)) continue;
        std::string_view s = scalar(v);
        std::size_t pos = 0;
        for (;;) {
          std::size_t comma = s.find(',', pos);
          ZKWIKI_TRY(add_tag(m, s.substr(pos, comma == std::string_view::npos ? s.npos : comma - pos), line));
          if (comma == std::string_view::npos) break;
          pos = comma + 1;
        }
      } else if (v->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t* it = v->data.sequence.items.start; it < v->data.sequence.items.top; ++it) {
          yaml_node_t* item = doc.node(*it);
          if (item == nullptr || item->type != YAML_SCALAR_NODE)
            return malformed_at(item ? first_line + item->start_mark.line : line, "a tag that is not a string");
          if (is_null(item)) continue;
          ZKWIKI_TRY(add_tag(m, scalar(item), first_line + item->start_mark.line));
        }
      } else {
        return malformed_at(line, "tags is neither a list nor a comma-separated string");
      }
    } else if (v->type == YAML_SCALAR_NODE) {
      m.fields.push_back(MetaField{std::string(key), is_null(v) ? std::string() : std::string(scalar(v))});
    }
  }
  return {};
}

// ---- Markdown scanning ----

// Leading spaces and tabs. Fences are recognized at any indentation: inside list items they
// are indented past 3 columns (1,218 such fence lines in cppdocs-subset).
std::size_t indent(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  return i;
}

// A fence opener ("```", "~~~"): its character and length, else 0.
std::size_t fence_length(std::string_view line, char* fence_char) {
  std::size_t i = indent(line);
  if (i >= line.size() || (line[i] != '`' && line[i] != '~')) return 0;
  char c = line[i];
  std::size_t n = 0;
  while (i + n < line.size() && line[i + n] == c) ++n;
  if (n < 3) return 0;
  if (c == '`' && line.substr(i + n).find('`') != std::string_view::npos) return 0;  // inline code, not a fence
  *fence_char = c;
  return n;
}

bool closes_fence(std::string_view line, char c, std::size_t open_len) {
  std::size_t i = indent(line);
  std::size_t n = 0;
  while (i + n < line.size() && line[i + n] == c) ++n;
  return n >= open_len && trim(line.substr(i + n)).empty();
}

// "# Title" (level 1 ATX heading) → "Title"; nullopt for any other line.
std::optional<std::string_view> h1(std::string_view line) {
  std::size_t i = 0;
  while (i < 3 && i < line.size() && line[i] == ' ') ++i;
  if (i >= line.size() || line[i] != '#') return std::nullopt;
  ++i;
  if (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') return std::nullopt;
  std::string_view t = trim(line.substr(i));
  // Optional closing sequence: spaces then only '#'.
  std::size_t end = t.size();
  while (end > 0 && t[end - 1] == '#') --end;
  if (end == 0) return std::string_view{};
  if (end < t.size() && (t[end - 1] == ' ' || t[end - 1] == '\t')) t = trim(t.substr(0, end));
  return t;
}

bool is_ascii_punct(char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

bool has_scheme(std::string_view s) {
  if (s.empty() || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) return false;
  for (std::size_t i = 1; i < s.size(); ++i) {
    char c = s[i];
    if (c == ':') return true;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return false;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      char c = static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      if (c == '\0') return std::string(s);
      out += c;
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

class LinkCollector {
 public:
  LinkCollector(std::string_view page_path, MarkdownMeta& m) : page_path_(page_path), m_(m) {}

  Result<void> wiki(std::string_view inner, std::size_t line) {
    std::string_view target = inner, label;
    if (auto bar = inner.find('|'); bar != std::string_view::npos) {
      target = inner.substr(0, bar);
      label = trim(inner.substr(bar + 1));
    }
    std::string_view anchor;
    if (auto hash = target.find('#'); hash != std::string_view::npos) {
      anchor = trim(target.substr(hash + 1));
      target = target.substr(0, hash);
    }
    target = trim(target);
    if (target.empty()) return {};  // [[#anchor]]: this page
    return add(PageLink{LinkKind::wiki, std::string(target), std::string(anchor), std::string(label), line});
  }

  Result<void> markdown(std::string_view dest, std::string_view text, std::size_t line) {
    if (dest.empty() || dest[0] == '#' || has_scheme(dest) || dest.substr(0, 2) == "//") return {};
    std::string_view anchor;
    if (auto hash = dest.find('#'); hash != std::string_view::npos) {
      anchor = dest.substr(hash + 1);
      dest = dest.substr(0, hash);
    }
    if (auto q = dest.find('?'); q != std::string_view::npos) dest = dest.substr(0, q);
    if (dest.empty()) return {};
    auto resolved = resolve_link_path(page_path_, percent_decode(dest));
    if (!resolved) return {};
    return add(PageLink{LinkKind::markdown, std::move(*resolved), std::string(anchor), std::string(trim(text)), line});
  }

 private:
  Result<void> add(PageLink link) {
    if (m_.links.size() >= kMaxPageLinks)
      return make_error(Errc::too_large, "page: more than " + std::to_string(kMaxPageLinks) + " links");
    m_.links.push_back(std::move(link));
    return {};
  }
  std::string_view page_path_;
  MarkdownMeta& m_;
};

// Marks the bytes of `line` inside inline code spans (a run of N backticks up to the next run
// of exactly N backticks on the same line).
std::vector<bool> code_spans(std::string_view line) {
  std::vector<bool> code(line.size(), false);
  std::size_t i = 0;
  while (i < line.size()) {
    if (line[i] == '\\' && i + 1 < line.size() && is_ascii_punct(line[i + 1])) {
      i += 2;
      continue;
    }
    if (line[i] != '`') {
      ++i;
      continue;
    }
    std::size_t n = 0;
    while (i + n < line.size() && line[i + n] == '`') ++n;
    std::size_t j = i + n;
    std::size_t close = std::string_view::npos;
    while (j < line.size()) {
      if (line[j] != '`') {
        ++j;
        continue;
      }
      std::size_t m = 0;
      while (j + m < line.size() && line[j + m] == '`') ++m;
      if (m == n) {
        close = j;
        break;
      }
      j += m;
    }
    if (close == std::string_view::npos) {
      i += n;  // no closer: literal backticks
      continue;
    }
    std::fill(code.begin() + static_cast<std::ptrdiff_t>(i), code.begin() + static_cast<std::ptrdiff_t>(close + n), true);
    i = close + n;
  }
  return code;
}

// Reads an inline link destination after "](" at `i`; returns the destination and sets `*end`
// after the closing ')', or nullopt when this is not a link.
std::optional<std::string_view> link_destination(std::string_view line, std::size_t i, std::size_t* end) {
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  std::string_view dest;
  if (i < line.size() && line[i] == '<') {
    std::size_t close = line.find('>', i + 1);
    if (close == std::string_view::npos) return std::nullopt;
    dest = line.substr(i + 1, close - i - 1);
    i = close + 1;
  } else {
    std::size_t start = i;
    int depth = 0;
    while (i < line.size()) {
      char c = line[i];
      if (c == '\\' && i + 1 < line.size()) {
        i += 2;
        continue;
      }
      if (c == ' ' || c == '\t' || static_cast<unsigned char>(c) < 0x20) break;
      if (c == '(') ++depth;
      if (c == ')') {
        if (depth == 0) break;
        --depth;
      }
      ++i;
    }
    dest = line.substr(start, i - start);
  }
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  if (i < line.size() && (line[i] == '"' || line[i] == '\'' || line[i] == '(')) {
    char close = line[i] == '(' ? ')' : line[i];
    std::size_t c = line.find(close, i + 1);
    if (c == std::string_view::npos) return std::nullopt;
    i = c + 1;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  }
  if (i >= line.size() || line[i] != ')') return std::nullopt;
  *end = i + 1;
  return dest;
}

Result<void> scan_line(std::string_view line, std::size_t lineno, LinkCollector& links) {
  // Reference definition: "[label]: destination" (footnotes "[^1]:" are not links).
  {
    std::size_t i = 0;
    while (i < 3 && i < line.size() && line[i] == ' ') ++i;
    if (i + 1 < line.size() && line[i] == '[' && line[i + 1] != '^' && line[i + 1] != '[') {
      std::size_t close = line.find("]:", i + 1);
      if (close != std::string_view::npos && line.substr(i + 1, close - i - 1).find_first_of("[]") == std::string_view::npos) {
        std::string_view rest = trim(line.substr(close + 2));
        std::string_view dest = rest.substr(0, rest.find_first_of(" \t"));
        if (dest.size() >= 2 && dest.front() == '<' && dest.back() == '>') dest = dest.substr(1, dest.size() - 2);
        if (!dest.empty()) return links.markdown(dest, line.substr(i + 1, close - i - 1), lineno);
      }
    }
  }
  std::vector<bool> code = code_spans(line);
  struct Open {
    std::size_t pos;
    bool image;
  };
  std::vector<Open> opens;
  std::size_t i = 0;
  while (i < line.size()) {
    char c = line[i];
    if (code[i]) {
      ++i;
      continue;
    }
    if (c == '\\' && i + 1 < line.size() && is_ascii_punct(line[i + 1])) {
      i += 2;
      continue;
    }
    if (c == '[' && i + 1 < line.size() && line[i + 1] == '[') {
      std::size_t close = line.find("]]", i + 2);
      if (close != std::string_view::npos) {
        std::string_view inner = line.substr(i + 2, close - i - 2);
        // "[[text]](dest)" is a Markdown link whose text is "[text]", not a wiki link.
        bool markdown_link = close + 2 < line.size() && line[close + 2] == '(';
        if (inner.find_first_of("[]`") == std::string_view::npos && !code[close] && !markdown_link) {
          ZKWIKI_TRY(links.wiki(inner, lineno));
          i = close + 2;
          continue;
        }
      }
    }
    if (c == '[') {
      opens.push_back(Open{i, i > 0 && line[i - 1] == '!'});
    } else if (c == ']' && !opens.empty()) {
      Open o = opens.back();
      opens.pop_back();
      std::size_t end = 0;
      if (i + 1 < line.size() && line[i + 1] == '(') {
        if (auto dest = link_destination(line, i + 2, &end)) {
          if (!o.image) {
            ZKWIKI_TRY(links.markdown(*dest, line.substr(o.pos + 1, i - o.pos - 1), lineno));
            opens.clear();  // links do not contain links
          }
          i = end;
          continue;
        }
      }
    }
    ++i;
  }
  return {};
}

}  // namespace

std::optional<std::string> resolve_link_path(std::string_view page_path, std::string_view target) {
  std::vector<std::string_view> stack;
  auto push_segments = [&stack](std::string_view path, bool allow_climb) -> bool {
    std::size_t pos = 0;
    while (pos <= path.size()) {
      std::size_t slash = path.find('/', pos);
      std::string_view seg = path.substr(pos, slash == std::string_view::npos ? path.npos : slash - pos);
      if (seg == "..") {
        if (stack.empty()) return allow_climb;
        stack.pop_back();
      } else if (!seg.empty() && seg != ".") {
        stack.push_back(seg);
      }
      if (slash == std::string_view::npos) break;
      pos = slash + 1;
    }
    return true;
  };
  if (target.empty() || target.front() != '/') {
    std::size_t slash = page_path.rfind('/');
    if (slash != std::string_view::npos) push_segments(page_path.substr(0, slash), true);
  }
  if (!push_segments(target, false) || stack.empty()) return std::nullopt;
  std::string out;
  for (std::size_t k = 0; k < stack.size(); ++k) {
    if (k) out += '/';
    out += stack[k];
  }
  return out;
}

std::vector<std::string> MarkdownMeta::link_targets() const {
  std::vector<std::string> out;
  std::unordered_set<std::string_view> seen;
  for (const auto& l : links)
    if (seen.insert(l.target).second) out.push_back(l.target);
  return out;
}

Result<MarkdownMeta> parse_markdown_meta(std::string_view page_path, std::string_view page) {
  MarkdownMeta m;
  std::size_t pos = page.substr(0, kBom.size()) == kBom ? kBom.size() : 0;
  std::size_t lineno = 1;

  // Front matter: "---" on the first line, closed by "---" or "..." on a line of its own.
  std::size_t next = 0;
  if (trim(line_at(page, pos, &next)) == "---" && line_at(page, pos, &next).substr(0, 3) == "---") {
    std::size_t yaml_start = next, p = next, n = 2;
    while (p < page.size()) {
      std::size_t after = 0;
      std::string_view l = line_at(page, p, &after);
      std::string_view t = trim(l);
      if ((t == "---" || t == "...") && l.substr(0, 3) == t) {
        std::string_view yaml = page.substr(yaml_start, p - yaml_start);
        if (yaml.size() > kMaxFrontMatterBytes)
          return make_error(Errc::too_large, "front matter is over " + std::to_string(kMaxFrontMatterBytes) + " bytes");
        ZKWIKI_TRY(read_front_matter(yaml, 2, m));
        m.has_front_matter = true;
        m.body_offset = after;
        pos = after;
        lineno = n + 1;
        break;
      }
      p = after;
      ++n;
    }
  }

  LinkCollector links(page_path, m);
  bool in_fence = false;
  char fence_char = 0;
  std::size_t fence_len = 0;
  while (pos < page.size()) {
    std::size_t after = 0;
    std::string_view line = line_at(page, pos, &after);
    if (in_fence) {
      if (closes_fence(line, fence_char, fence_len)) in_fence = false;
    } else if (std::size_t n = fence_length(line, &fence_char); n != 0) {
      in_fence = true;
      fence_len = n;
    } else {
      if (!m.title) {
        if (auto t = h1(line); t && !t->empty()) {
          std::size_t len = t->size();
          if (len > kMaxTitleBytes) {  // cut on a UTF-8 boundary
            len = kMaxTitleBytes;
            while (len > 0 && (static_cast<unsigned char>((*t)[len]) & 0xC0) == 0x80) --len;
          }
          m.title = std::string(t->substr(0, len));
          m.title_source = TitleSource::heading;
        }
      }
      ZKWIKI_TRY(scan_line(line, lineno, links));
    }
    pos = after;
    ++lineno;
  }
  return m;
}

}  // namespace zkwiki

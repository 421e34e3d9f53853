// The search tokenizer (tokenizer.h): word segmentation, folding, Markdown through md4c.
#include "zkwiki/tokenizer.h"

#include <md4c.h>

#include <cstdint>
#include <utf8proc.h>

#include <cstring>

namespace zkwiki {
namespace {

bool ascii_alnum(unsigned char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Scripts written without spaces between words: indexed as character bigrams.
bool bigram_script(std::int32_t cp) noexcept {
  return (cp >= 0x0E00 && cp <= 0x0EFF)      // Thai, Lao
         || (cp >= 0x1000 && cp <= 0x109F)   // Myanmar
         || (cp >= 0x1100 && cp <= 0x11FF)   // Hangul jamo
         || (cp >= 0x1780 && cp <= 0x17FF)   // Khmer
         || (cp >= 0x2E80 && cp <= 0x2FDF)   // CJK radicals
         || (cp >= 0x3005 && cp <= 0x3007)   // 々 〆 〇
         || (cp >= 0x3040 && cp <= 0x31FF)   // kana, bopomofo, Hangul compatibility jamo
         || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA960 && cp <= 0xA97F) ||
         (cp >= 0xAC00 && cp <= 0xD7FF)      // Hangul syllables
         || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF66 && cp <= 0xFFDC) || (cp >= 0x20000 && cp <= 0x3FFFF);
}

// Bases whose combining marks are optional diacritics (removed when folding).
bool strips_marks(std::int32_t base) noexcept {
  return base < 0x0900 || (base >= 0x1E00 && base <= 0x1FFF) || (base >= 0x2C60 && base <= 0x2C7F) ||
         (base >= 0xA640 && base <= 0xA7FF);
}

bool is_mark(utf8proc_category_t c) noexcept {
  return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC || c == UTF8PROC_CATEGORY_ME;
}

// A character that belongs to a word: letters, digits, marks, the joiners (ZWNJ, ZWJ), and in
// code the connector punctuation ('_').
bool word_codepoint(std::int32_t cp, bool code) noexcept {
  if (cp < 0) return false;
  if (cp == 0x200C || cp == 0x200D) return true;
  auto c = utf8proc_category(cp);
  if (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_NO) return true;  // L*, M*, N*
  return code && c == UTF8PROC_CATEGORY_PC;
}

// Decodes one code point at `i`; invalid bytes decode as -1 with a length of 1.
std::int32_t decode_at(std::string_view s, std::size_t i, std::size_t& len) noexcept {
  std::int32_t cp = -1;
  auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i),
                            static_cast<utf8proc_ssize_t>(s.size() - i), &cp);
  if (n <= 0) {
    len = 1;
    return -1;
  }
  len = static_cast<std::size_t>(n);
  return cp;
}

// Cuts `s` to at most kMaxTermBytes at a character boundary.
void clamp_term(std::string& s) {
  if (s.size() <= kMaxTermBytes) return;
  std::size_t cut = kMaxTermBytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
}

}  // namespace

std::size_t term_characters(std::string_view term) noexcept {
  std::size_t n = 0;
  for (char c : term)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

void Tokenizer::fold(std::string_view word, std::string& out) {
  out.clear();
  bool ascii = true;
  for (char c : word)
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
  if (ascii) {
    out.resize(word.size());
    for (std::size_t i = 0; i < word.size(); ++i) {
      char c = word[i];
      out[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    }
    clamp_term(out);
    return;
  }
  // NFKD + case folding + default-ignorable removal, into a reusable code point buffer.
  const auto options = static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE |
                                                      UTF8PROC_CASEFOLD | UTF8PROC_IGNORE);
  if (codepoints_.size() < word.size() * 4 + 16) codepoints_.resize(word.size() * 4 + 16);
  utf8proc_ssize_t n = 0;
  while (true) {
    n = utf8proc_decompose_custom(reinterpret_cast<const utf8proc_uint8_t*>(word.data()),
                                  static_cast<utf8proc_ssize_t>(word.size()), codepoints_.data(),
                                  static_cast<utf8proc_ssize_t>(codepoints_.size()), options, nullptr, nullptr);
    if (n < 0) return;  // invalid UTF-8: no term
    if (static_cast<std::size_t>(n) <= codepoints_.size()) break;
    codepoints_.resize(static_cast<std::size_t>(n));
  }
  // Remove optional diacritics (marks on Latin, Greek, Cyrillic, Hebrew, Arabic bases).
  std::size_t kept = 0;
  std::int32_t base = 0;
  for (utf8proc_ssize_t i = 0; i < n; ++i) {
    std::int32_t cp = codepoints_[static_cast<std::size_t>(i)];
    auto cat = utf8proc_category(cp);
    if (is_mark(cat)) {
      if (cat != UTF8PROC_CATEGORY_MC && strips_marks(base)) continue;
    } else {
      base = cp;
    }
    codepoints_[kept++] = cp;
  }
  // Recompose (NFC), so that what is left compares the same however it was written.
  auto m = utf8proc_normalize_utf32(codepoints_.data(), static_cast<utf8proc_ssize_t>(kept),
                                    static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (m < 0) return;
  for (utf8proc_ssize_t i = 0; i < m; ++i) {
    utf8proc_uint8_t buf[4];
    auto len = utf8proc_encode_char(codepoints_[static_cast<std::size_t>(i)], buf);
    out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(len));
  }
  clamp_term(out);
}

void Tokenizer::emit_folded(std::string_view raw, std::size_t begin, std::size_t end, TokenField field,
                            TokenSink& sink, std::uint32_t position) {
  fold(raw, folded_);
  if (folded_.empty()) return;
  sink.on_token(Token{folded_, field, position, static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(end)});
}

// One run of word characters [begin, end) of `text`.
void Tokenizer::emit_word(std::string_view text, std::size_t begin, std::size_t end, TokenField field,
                          TokenSink& sink, std::uint32_t& position, bool code) {
  std::string_view word = text.substr(begin, end - begin);
  bool ascii = true;
  for (char c : word)
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
  if (ascii) {
    emit_folded(word, begin, end, field, sink, position);
    // A code identifier with underscores also gives its parts, at the same position.
    if (code && word.find('_') != std::string_view::npos) {
      std::size_t i = begin;
      while (i < end) {
        while (i < end && text[i] == '_') ++i;
        std::size_t j = i;
        while (j < end && text[j] != '_') ++j;
        if (j > i && j - i < word.size()) emit_folded(text.substr(i, j - i), i, j, field, sink, position);
        i = j;
      }
    }
    ++position;
    return;
  }
  // Mixed scripts: split into spaced-script parts (one term each) and bigram-script parts.
  std::size_t i = begin;
  while (i < end) {
    std::size_t len = 0;
    bool bigram = bigram_script(decode_at(text, i, len));
    std::size_t j = i;
    while (j < end) {
      std::size_t l = 0;
      std::int32_t c = decode_at(text, j, l);
      bool mark = j > i && is_mark(utf8proc_category(c));
      if (!mark && bigram_script(c) != bigram) break;
      j += l;
    }
    if (bigram) {
      emit_bigrams(text.substr(i, j - i), i, field, sink, position);
    } else {
      emit_folded(text.substr(i, j - i), i, j, field, sink, position);
      ++position;
    }
    i = j;
  }
}

// A run of a script written without spaces: overlapping pairs of characters (each with its
// marks), after NFC composition so that decomposed input (Hangul jamo) pairs the same way.
void Tokenizer::emit_bigrams(std::string_view part, std::size_t begin, TokenField field, TokenSink& sink,
                             std::uint32_t& position) {
  compose_.clear();
  auto n = utf8proc_decompose_custom(reinterpret_cast<const utf8proc_uint8_t*>(part.data()),
                                     static_cast<utf8proc_ssize_t>(part.size()), nullptr, 0,
                                     static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE), nullptr, nullptr);
  if (n > 0) {
    if (codepoints_.size() < static_cast<std::size_t>(n)) codepoints_.resize(static_cast<std::size_t>(n));
    n = utf8proc_decompose_custom(reinterpret_cast<const utf8proc_uint8_t*>(part.data()),
                                  static_cast<utf8proc_ssize_t>(part.size()), codepoints_.data(), n,
                                  static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE), nullptr, nullptr);
  }
  if (n > 0) n = utf8proc_normalize_utf32(codepoints_.data(), n, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n <= 0) return;
  for (utf8proc_ssize_t k = 0; k < n; ++k) {
    utf8proc_uint8_t buf[4];
    auto len = utf8proc_encode_char(codepoints_[static_cast<std::size_t>(k)], buf);
    compose_.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(len));
  }
  // Offsets are exact when composition changed nothing, else the whole run.
  const bool exact = compose_ == part;
  std::string_view s = compose_;
  units_.clear();
  for (std::size_t k = 0; k < s.size();) {
    std::size_t l = 0;
    std::int32_t c = decode_at(s, k, l);
    if (k == 0 || !is_mark(utf8proc_category(c))) units_.push_back(k);
    k += l;
  }
  units_.push_back(s.size());
  auto emit = [&](std::size_t a, std::size_t b) {
    std::string_view raw = s.substr(a, b - a);
    emit_folded(raw, exact ? begin + a : begin, exact ? begin + b : begin + part.size(), field, sink, position);
    ++position;
  };
  if (units_.size() == 2) {
    emit(0, s.size());
    return;
  }
  for (std::size_t u = 0; u + 2 < units_.size(); ++u) emit(units_[u], units_[u + 2]);
}

void Tokenizer::tokenize_text(std::string_view text, TokenField field, TokenSink& sink, std::uint32_t& position,
                              bool code) {
  std::size_t i = 0, n = text.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80 && !ascii_alnum(c) && !(code && c == '_')) {
      ++i;
      continue;
    }
    std::size_t len = 1;
    if (c >= 0x80 && !word_codepoint(decode_at(text, i, len), code)) {
      i += len;
      continue;
    }
    std::size_t start = i;
    while (i < n) {
      auto d = static_cast<unsigned char>(text[i]);
      if (d < 0x80) {
        if (!ascii_alnum(d) && !(code && d == '_')) break;
        ++i;
        continue;
      }
      std::size_t l = 1;
      if (!word_codepoint(decode_at(text, i, l), code)) break;
      i += l;
    }
    emit_word(text, start, i, field, sink, position, code);
  }
}

namespace {

// Offsets of tokens found in a piece of the document, relative to the whole document.
class OffsetSink final : public TokenSink {
 public:
  OffsetSink(TokenSink& inner, std::uint32_t base) : inner_(inner), base_(base) {}
  void on_token(const Token& t) override {
    Token u = t;
    u.begin += base_;
    u.end += base_;
    inner_.on_token(u);
  }

 private:
  TokenSink& inner_;
  std::uint32_t base_;
};

// The front matter block at the start of a page: [0, body) is the block, [values) its lines.
struct FrontMatter {
  std::size_t inner_begin = 0, inner_end = 0, body = 0;
};

bool delimiter_line(std::string_view line, std::string_view d) {
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t')) line.remove_suffix(1);
  return line == d;
}

FrontMatter find_front_matter(std::string_view md) {
  FrontMatter fm;
  std::size_t start = md.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  std::size_t eol = md.find('\n', start);
  if (eol == std::string_view::npos || !delimiter_line(md.substr(start, eol - start), "---")) return fm;
  std::size_t pos = eol + 1;
  while (pos < md.size()) {
    std::size_t e = md.find('\n', pos);
    std::size_t line_end = e == std::string_view::npos ? md.size() : e;
    std::string_view line = md.substr(pos, line_end - pos);
    if (delimiter_line(line, "---") || delimiter_line(line, "...")) {
      fm.inner_begin = eol + 1;
      fm.inner_end = pos;
      fm.body = e == std::string_view::npos ? md.size() : e + 1;
      return fm;
    }
    if (e == std::string_view::npos) break;
    pos = e + 1;
  }
  return FrontMatter{};
}

struct MdState {
  Tokenizer* tokenizer;
  TokenSink* sink;
  std::string* plain;  // plain-text mode when set
  const char* doc;
  std::size_t doc_size;
  std::uint32_t position;
  int heading = 0, code = 0, link = 0;
};

TokenField current_field(const MdState& s) {
  if (s.code) return TokenField::code;
  if (s.heading) return TokenField::heading;
  return TokenField::body;
}

// Offsets of words found in text md4c copied out of the document: an empty range at 0.
class PinnedSink final : public TokenSink {
 public:
  explicit PinnedSink(TokenSink& inner) : inner_(inner) {}
  void on_token(const Token& t) override {
    Token u = t;
    u.begin = u.end = 0;
    inner_.on_token(u);
  }

 private:
  TokenSink& inner_;
};

void md_tokens(MdState& s, const char* text, std::size_t size, TokenField field, bool code) {
  // md4c hands out pointers into the document, except for an attribute (a wiki link's target)
  // that it had to rebuild (one holding a NUL, an entity or an escape): its words are indexed
  // all the same, but they have no place in the source to point at.
  const auto at = reinterpret_cast<std::uintptr_t>(text), begin = reinterpret_cast<std::uintptr_t>(s.doc);
  if (at < begin || at - begin > s.doc_size || size > s.doc_size - (at - begin)) {
    PinnedSink pinned(*s.sink);
    s.tokenizer->tokenize_text(std::string_view(text, size), field, pinned, s.position, code);
    return;
  }
  OffsetSink offsets(*s.sink, static_cast<std::uint32_t>(at - begin));
  s.tokenizer->tokenize_text(std::string_view(text, size), field, offsets, s.position, code);
}

int on_enter_block(MD_BLOCKTYPE type, void*, void* user) {
  auto& s = *static_cast<MdState*>(user);
  if (type == MD_BLOCK_H) ++s.heading;
  if (type == MD_BLOCK_CODE) ++s.code;
  s.position += 1;  // phrases never span blocks
  return 0;
}

int on_leave_block(MD_BLOCKTYPE type, void*, void* user) {
  auto& s = *static_cast<MdState*>(user);
  if (type == MD_BLOCK_H) --s.heading;
  if (type == MD_BLOCK_CODE) --s.code;
  if (s.plain && !s.plain->empty() && s.plain->back() != '\n') s.plain->push_back('\n');
  s.position += 1;
  return 0;
}

int on_enter_span(MD_SPANTYPE type, void* detail, void* user) {
  auto& s = *static_cast<MdState*>(user);
  if (type == MD_SPAN_CODE) ++s.code;
  if (type == MD_SPAN_WIKILINK) {
    ++s.link;
    const auto* d = static_cast<const MD_SPAN_WIKILINK_DETAIL*>(detail);
    if (!s.plain && d->target.text && d->target.size > 0)
      md_tokens(s, d->target.text, d->target.size, TokenField::link, false);
  }
  return 0;
}

int on_leave_span(MD_SPANTYPE type, void*, void* user) {
  auto& s = *static_cast<MdState*>(user);
  if (type == MD_SPAN_CODE) --s.code;
  if (type == MD_SPAN_WIKILINK) --s.link;
  return 0;
}

int on_text(MD_TEXTTYPE type, const MD_CHAR* text, MD_SIZE size, void* user) {
  auto& s = *static_cast<MdState*>(user);
  switch (type) {
    case MD_TEXT_NORMAL:
    case MD_TEXT_LATEXMATH:
      if (s.plain) s.plain->append(text, size);
      else md_tokens(s, text, size, current_field(s), false);
      break;
    case MD_TEXT_CODE:
      if (s.plain) s.plain->append(text, size);
      else md_tokens(s, text, size, TokenField::code, true);
      break;
    case MD_TEXT_HTML: {
      // Raw HTML: the tags are syntax, the text between them is content.
      std::size_t i = 0;
      bool in_tag = false;
      std::size_t run = 0;
      for (; i <= size; ++i) {
        char c = i < size ? text[i] : '<';
        if (!in_tag && c == '<') {
          if (i > run) {
            if (s.plain) s.plain->append(text + run, i - run);
            else md_tokens(s, text + run, i - run, current_field(s), false);
          }
          in_tag = true;
        } else if (in_tag && c == '>') {
          in_tag = false;
          run = i + 1;
        }
      }
      break;
    }
    case MD_TEXT_SOFTBR:
    case MD_TEXT_BR:
      if (s.plain) s.plain->push_back(type == MD_TEXT_BR ? '\n' : ' ');
      break;
    case MD_TEXT_ENTITY:
      if (s.plain) {
        std::string_view e(text, size);
        if (e == "&amp;") s.plain->push_back('&');
        else if (e == "&lt;") s.plain->push_back('<');
        else if (e == "&gt;") s.plain->push_back('>');
        else if (e == "&quot;") s.plain->push_back('"');
        else s.plain->push_back(' ');
      }
      break;
    default:
      break;
  }
  return 0;
}

constexpr unsigned kMarkdownFlags = MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH | MD_FLAG_TASKLISTS | MD_FLAG_WIKILINKS |
                                    MD_FLAG_PERMISSIVEATXHEADERS;

void run_md4c(std::string_view md, MdState& state) {
  MD_PARSER parser{};
  parser.abi_version = 0;
  parser.flags = kMarkdownFlags;
  parser.enter_block = on_enter_block;
  parser.leave_block = on_leave_block;
  parser.enter_span = on_enter_span;
  parser.leave_span = on_leave_span;
  parser.text = on_text;
  md_parse(md.data(), static_cast<MD_SIZE>(md.size()), &parser, &state);
}

}  // namespace

std::uint32_t Tokenizer::tokenize_markdown(std::string_view markdown, TokenSink& sink, std::uint32_t position) {
  FrontMatter fm = find_front_matter(markdown);
  if (fm.body > 0) {
    // Front matter values ("key: value" and "- item" lines) as body text; keys are syntax.
    std::size_t pos = fm.inner_begin;
    while (pos < fm.inner_end) {
      std::size_t e = markdown.find('\n', pos);
      if (e == std::string_view::npos || e > fm.inner_end) e = fm.inner_end;
      std::string_view line = markdown.substr(pos, e - pos);
      std::size_t v = 0;
      while (v < line.size() && (line[v] == ' ' || line[v] == '\t')) ++v;
      if (v < line.size() && line[v] == '-') ++v;
      std::size_t k = v;
      while (k < line.size() && line[k] == ' ') ++k;
      std::size_t key_end = k;
      while (key_end < line.size() && (ascii_alnum(static_cast<unsigned char>(line[key_end])) ||
                                       line[key_end] == '_' || line[key_end] == '.' || line[key_end] == '-'))
        ++key_end;
      if (key_end > k && key_end < line.size() && line[key_end] == ':') v = key_end + 1;
      if (v < line.size()) {
        OffsetSink offsets(sink, static_cast<std::uint32_t>(pos + v));
        tokenize_text(line.substr(v), TokenField::body, offsets, position, false);
      }
      ++position;
      pos = e + 1;
    }
  }
  MdState state{this, &sink, nullptr, markdown.data(), markdown.size(), position};
  run_md4c(markdown.substr(fm.body), state);
  return state.position + 1;
}

void Tokenizer::markdown_plain_text(std::string_view markdown, std::string& out) {
  out.clear();
  FrontMatter fm = find_front_matter(markdown);
  class NoSink final : public TokenSink {
   public:
    void on_token(const Token&) override {}
  } none;
  MdState state{this, &none, &out, markdown.data(), markdown.size(), 0};
  run_md4c(markdown.substr(fm.body), state);
}

}  // namespace zkwiki

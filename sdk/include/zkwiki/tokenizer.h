// The search tokenizer: text to index terms, the same way for pages and for queries.
//
// Terms are folded so that spelling variants meet: Unicode case folding, compatibility
// decomposition (NFKD: "ﬁ" -> "fi", full-width -> ASCII) and, for scripts whose combining marks
// are optional diacritics (Latin, Greek, Cyrillic, Hebrew, Arabic), removal of those marks
// ("résumé" -> "resume"); the result is recomposed (NFC), so NFC and NFD input give the same
// terms. Marks that are letters' vowels (Devanagari, Bengali, Tamil, Thai, ...) are kept.
// Words are split at anything that is not a letter, digit or mark; runs of Han, Hiragana,
// Katakana, Hangul, Thai, Lao, Khmer and Myanmar characters, which are written without spaces,
// become overlapping two-character terms (bigrams). All through utf8proc 2.8 (the Unicode
// version the native and WASM builds share).
//
// Markdown goes through md4c: syntax is not indexed, code spans and blocks give code terms
// (identifiers keep their underscores, and also give their parts), headings, the title and tags
// are fields of their own (boosted by the index), `[[wiki links]]` give link terms. YAML front
// matter is skipped as syntax; its values are indexed as body text.
//
// No I/O, no allocation per token once the buffers have grown; reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zkwiki {

// Where a term was found. The index weighs fields (search.h); phrases never span two fields.
enum class TokenField : std::uint8_t { body = 0, code = 1, link = 2, heading = 3, tag = 4, title = 5 };

struct Token {
  std::string_view term;      // folded; valid only during the callback
  TokenField field = TokenField::body;
  std::uint32_t position = 0;  // word position; a gap of more than 1 at block boundaries
  std::uint32_t begin = 0;     // byte offsets of the raw token in the text that was tokenized
  std::uint32_t end = 0;
};

// Receives tokens as they are found.
class TokenSink {
 public:
  virtual ~TokenSink() = default;
  virtual void on_token(const Token& token) = 0;
};

// Longest term kept, in bytes (longer words are cut at a character boundary).
inline constexpr std::size_t kMaxTermBytes = 64;

class Tokenizer {
 public:
  // Plain text (a query, a title, a tag). Positions continue from `position`, which is updated.
  void tokenize_text(std::string_view text, TokenField field, TokenSink& sink, std::uint32_t& position,
                     bool code = false);
  // A Markdown page body (front matter included, if any). Returns the next free position.
  std::uint32_t tokenize_markdown(std::string_view markdown, TokenSink& sink, std::uint32_t position = 0);
  // The visible text of a Markdown page (syntax removed, blocks separated by newlines), for
  // snippets. `out` is replaced.
  void markdown_plain_text(std::string_view markdown, std::string& out);

  // The folded form of one word (no splitting): what a term is compared as.
  void fold(std::string_view word, std::string& out);

 private:
  void emit_word(std::string_view text, std::size_t begin, std::size_t end, TokenField field, TokenSink& sink,
                 std::uint32_t& position, bool code);
  void emit_bigrams(std::string_view part, std::size_t begin, TokenField field, TokenSink& sink,
                    std::uint32_t& position);
  void emit_folded(std::string_view raw, std::size_t begin, std::size_t end, TokenField field, TokenSink& sink,
                   std::uint32_t position);
  std::string folded_;
  std::string compose_;
  std::vector<std::int32_t> codepoints_;
  std::vector<std::size_t> units_;
};

// Number of Unicode characters in a folded term (for typo tolerance's length rule).
std::size_t term_characters(std::string_view term) noexcept;

}  // namespace zkwiki

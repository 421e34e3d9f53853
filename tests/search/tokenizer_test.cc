// The search tokenizer: folding, scripts, Markdown (tokenizer.h).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "zkwiki/tokenizer.h"

namespace zkwiki {
namespace {

struct Collected {
  std::string term;
  TokenField field;
  std::uint32_t position, begin, end;
};

class Collect final : public TokenSink {
 public:
  void on_token(const Token& t) override { tokens.push_back({std::string(t.term), t.field, t.position, t.begin, t.end}); }
  std::vector<std::string> terms() const {
    std::vector<std::string> out;
    for (const auto& t : tokens) out.push_back(t.term);
    return out;
  }
  std::vector<Collected> tokens;
};

std::vector<std::string> text_terms(std::string_view text, bool code = false) {
  Tokenizer tok;
  Collect c;
  std::uint32_t pos = 0;
  tok.tokenize_text(text, TokenField::body, c, pos, code);
  return c.terms();
}

std::vector<Collected> markdown_tokens(std::string_view md) {
  Tokenizer tok;
  Collect c;
  tok.tokenize_markdown(md, c);
  return c.tokens;
}

using Terms = std::vector<std::string>;

struct TextCase {
  const char* name;
  std::string text;
  Terms expected;
};

class TokenizeTextTest : public ::testing::TestWithParam<TextCase> {};

TEST_P(TokenizeTextTest, GivesTheFoldedTerms) { EXPECT_EQ(text_terms(GetParam().text), GetParam().expected); }

INSTANTIATE_TEST_SUITE_P(
    Scripts, TokenizeTextTest,
    ::testing::Values(
        TextCase{"AsciiLowercasedAndSplitAtPunctuation", "Copy files, don't MOVE them.", {"copy", "files", "don", "t", "move", "them"}},
        TextCase{"DigitsAreWords", "gzip -9 file2.tar", {"gzip", "9", "file2", "tar"}},
        TextCase{"LatinDiacriticsRemoved", "Résumé naïve Ångström", {"resume", "naive", "angstrom"}},
        TextCase{"DecomposedInputFoldsTheSame", "Re\xCC\x81sume\xCC\x81", {"resume"}},
        TextCase{"CaseFoldingBeyondAscii", "STRASSE Straße ΣΊΣΥΦΟΣ", {"strasse", "strasse", "σισυφοσ"}},
        TextCase{"CompatibilityForms", "ﬁle ＦＵＬＬ ①", {"file", "full", "1"}},
        TextCase{"Cyrillic", "Скопировать файлы", {"скопировать", "фаилы"}},
        TextCase{"GreekAccentsRemoved", "Αντιγραφή αρχείων", {"αντιγραφη", "αρχειων"}},
        TextCase{"ArabicHarakatRemoved", "نَسْخ الملفات", {"نسخ", "الملفات"}},
        TextCase{"DevanagariVowelSignsKept", "कॉपी करें", {"कॉपी", "करें"}},
        TextCase{"PersianZeroWidthNonJoinerIgnored", "می\u200cخواهم", {"میخواهم"}},
        TextCase{"ChineseBigrams", "复制文件", {"复制", "制文", "文件"}},
        TextCase{"SingleHanCharacter", "猫", {"猫"}},
        TextCase{"JapaneseMixedWithLatin", "gitのリポジトリ", {"git", "のリ", "リポ", "ポジ", "ジト", "トリ"}},
        TextCase{"ThaiBigramsKeepVowelMarks", "คัดลอก", {"คัด", "ดล", "ลอ", "อก"}},
        TextCase{"KoreanBigrams", "파일을 복사", {"파일", "일을", "복사"}},
        TextCase{"InvalidUtf8IsSkipped", std::string("ok\xff\xfe" "fine"), {"ok", "fine"}}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(TokenizerTest, NfcAndNfdGiveTheSameTermsInEveryScript) {
  // Precomposed vs decomposed: Latin, Greek, Vietnamese, Korean, Bengali YYA (NFC decomposes it).
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"caf\u00e9", "cafe\u0301"},
      {"\u03ac\u03bb\u03bc\u03b1", "\u03b1\u0301\u03bb\u03bc\u03b1"},
      {"Vi\u1ec7t", "Vie\u0323\u0302t"},
      {"\ud30c\uc77c", "\u1111\u1161\u110b\u1175\u11af"},
      {"\u09df\u09be", "\u09af\u09bc\u09be"},
  };
  for (const auto& [nfc, nfd] : pairs) EXPECT_EQ(text_terms(nfc), text_terms(nfd)) << nfc;
}

TEST(TokenizerTest, CodeKeepsIdentifiersWholeAndGivesTheirParts) {
  EXPECT_EQ(text_terms("printf_s(x)", true), (Terms{"printf_s", "printf", "s", "x"}));
  EXPECT_EQ(text_terms("printf_s(x)", false), (Terms{"printf", "s", "x"}));
}

TEST(TokenizerTest, LongWordsAreCutAtACharacterBoundary) {
  std::string word;
  for (int i = 0; i < 100; ++i) word += "é";  // 200 bytes, folded to 100
  auto terms = text_terms(word);
  ASSERT_EQ(terms.size(), 1u);
  EXPECT_LE(terms[0].size(), kMaxTermBytes);
  EXPECT_EQ(terms[0], std::string(kMaxTermBytes, 'e'));
}

TEST(TokenizerTest, MarkdownSyntaxIsNotIndexedAndFieldsAreKnown) {
  auto tokens = markdown_tokens(
      "---\ntitle: Ignored key\ndescription: front value\n---\n# Heading Word\n\n"
      "Some *emphasis* and a [link text](https://example.com/hidden) and `code_span`.\n\n"
      "```cpp\nint main_loop() {}\n```\n\nSee [[Other Page|label]].\n<div class=\"x\">html text</div>\n");
  auto field_of = [&](const std::string& term) -> int {
    for (const auto& t : tokens)
      if (t.term == term) return static_cast<int>(t.field);
    return -1;
  };
  EXPECT_EQ(field_of("front"), static_cast<int>(TokenField::body));
  EXPECT_EQ(field_of("description"), -1) << "front matter keys are syntax";
  EXPECT_EQ(field_of("heading"), static_cast<int>(TokenField::heading));
  EXPECT_EQ(field_of("emphasis"), static_cast<int>(TokenField::body));
  EXPECT_EQ(field_of("link"), static_cast<int>(TokenField::body));
  EXPECT_EQ(field_of("hidden"), -1) << "link URLs are not text";
  EXPECT_EQ(field_of("example"), -1);
  EXPECT_EQ(field_of("code_span"), static_cast<int>(TokenField::code));
  EXPECT_EQ(field_of("main_loop"), static_cast<int>(TokenField::code));
  EXPECT_EQ(field_of("cpp"), -1) << "the fence's info string is syntax";
  EXPECT_EQ(field_of("other"), static_cast<int>(TokenField::link));
  EXPECT_EQ(field_of("label"), static_cast<int>(TokenField::body));
  EXPECT_EQ(field_of("html"), static_cast<int>(TokenField::body));
  EXPECT_EQ(field_of("div"), -1) << "HTML tags are syntax";
  EXPECT_EQ(field_of("class"), -1);
}

TEST(TokenizerTest, MarkdownOffsetsPointIntoTheSource) {
  std::string md = "# Title\n\nSome **bold** words.\n";
  for (const auto& t : markdown_tokens(md)) {
    std::string raw = md.substr(t.begin, t.end - t.begin);
    Tokenizer tok;
    std::string folded;
    tok.fold(raw, folded);
    EXPECT_EQ(folded, t.term) << "offsets " << t.begin << ".." << t.end;
  }
}

// Found by the tokenizer fuzz target (tests/fuzz/fuzz_tokenizer.cc): md4c rebuilds a wiki link
// target holding a NUL (or an entity) in a buffer of its own, and its words came back with
// offsets computed against that buffer: far outside the page, so a snippet's highlight read
// past the text.
TEST(TokenizerTest, WordsOfARebuiltWikiLinkTargetKeepOffsetsInsideThePage) {
  for (std::string md : {std::string("See [[Beta launch\0checklist]] and more.\n", 41), std::string("[[a\0b]]", 7),
                         std::string("x [[caf&eacute; menu]] y\n")}) {
    auto tokens = markdown_tokens(md);
    ASSERT_FALSE(tokens.empty());
    bool link = false;
    for (const auto& t : tokens) {
      EXPECT_LE(t.begin, t.end) << t.term;
      EXPECT_LE(t.end, md.size()) << t.term;
      link = link || t.field == TokenField::link;
    }
    EXPECT_TRUE(link);  // the target's words are still indexed
  }
}

TEST(TokenizerTest, BlocksBreakPhrasePositions) {
  auto tokens = markdown_tokens("alpha\n\nbeta\n");
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_GT(tokens[1].position, tokens[0].position + 1);
  tokens = markdown_tokens("alpha beta\n");
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[1].position, tokens[0].position + 1);
}

TEST(TokenizerTest, PlainTextDropsSyntax) {
  Tokenizer tok;
  std::string plain;
  tok.markdown_plain_text("---\ntitle: x\n---\n# Head\n\nA [link](http://x.y) and `code`.\n", plain);
  EXPECT_EQ(plain, "Head\nA link and code.\n");
}

}  // namespace
}  // namespace zkwiki

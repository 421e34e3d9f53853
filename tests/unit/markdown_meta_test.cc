#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "support/test_paths.h"
#include "zkwiki/markdown_meta.h"
#include "zkwiki/page.h"

namespace zkwiki {
namespace {

MarkdownMeta parse_ok(std::string_view text, std::string_view path = "notes/page.md") {
  auto r = parse_markdown_meta(path, text);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r).value() : MarkdownMeta{};
}

std::vector<std::string> targets(const MarkdownMeta& m) { return m.link_targets(); }

TEST(MarkdownMeta, FrontMatterTitleTagsAndFields) {
  std::string page =
      "---\n"
      "title: \"Visual Studio C++ Samples\"\n"
      "description: Learn about samples\n"
      "ms.date: 03/25/2025\n"
      "tags: [cpp, samples, cpp]\n"
      "empty:\n"
      "nested: {a: 1}\n"
      "list: [1, 2]\n"
      "---\n"
      "# Heading that is not the title\n";
  auto m = parse_ok(page);
  EXPECT_TRUE(m.has_front_matter);
  EXPECT_EQ(m.title, "Visual Studio C++ Samples");
  EXPECT_EQ(m.title_source, TitleSource::front_matter);
  EXPECT_EQ(m.tags, (std::vector<std::string>{"cpp", "samples"}));
  EXPECT_EQ(m.fields, (std::vector<MetaField>{{"description", "Learn about samples"},
                                              {"ms.date", "03/25/2025"},
                                              {"empty", ""}}));
  EXPECT_EQ(page.substr(m.body_offset), "# Heading that is not the title\n");
}

TEST(MarkdownMeta, TagsAsCommaStringAndBlockSequence) {
  EXPECT_EQ(parse_ok("---\ntags: a, b ,, c\n---\n").tags, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(parse_ok("---\ntags:\n  - x\n  - 'y z'\n---\n").tags, (std::vector<std::string>{"x", "y z"}));
  EXPECT_TRUE(parse_ok("---\ntags:\n---\n").tags.empty());
}

TEST(MarkdownMeta, BodyAfterFrontMatterIsNotASecondDocument) {
  // libyaml would read "key: value" after the closing --- as a second document.
  auto m = parse_ok("---\ntitle: A\n---\nkey: value\n---\nmore: text\n");
  EXPECT_EQ(m.title, "A");
  EXPECT_TRUE(m.fields.empty());
}

TEST(MarkdownMeta, FrontMatterVariants) {
  struct Case {
    const char* name;
    std::string page;
    bool has_front_matter;
    std::optional<std::string> title;
  };
  const std::vector<Case> cases = {
      {"no front matter", "# Hello\n\ntext\n", false, "Hello"},
      {"empty front matter", "---\n---\n# T\n", true, "T"},
      {"comments only", "---\n# a comment\n---\nbody\n", true, std::nullopt},
      {"dots close", "---\ntitle: D\n...\nbody\n", true, "D"},
      {"crlf", "---\r\ntitle: C\r\n---\r\nbody\r\n", true, "C"},
      {"bom", "\xEF\xBB\xBF---\ntitle: B\n---\n", true, "B"},
      {"unclosed is a thematic break", "---\ntitle: not yaml\n\n# Real\n", false, "Real"},
      {"not at the start", "\n---\ntitle: X\n---\n", false, std::nullopt},
      {"empty title falls back", "---\ntitle: ''\n---\n# H\n", true, "H"},
      {"null title falls back", "---\ntitle: ~\n---\n# H\n", true, "H"},
      {"front matter at end of text", "---\ntitle: E\n---", true, "E"},
  };
  for (const auto& c : cases) {
    auto m = parse_ok(c.page);
    EXPECT_EQ(m.has_front_matter, c.has_front_matter) << c.name;
    EXPECT_EQ(m.title, c.title) << c.name;
  }
}

TEST(MarkdownMeta, TitleFromFirstLevelOneHeading) {
  struct Case {
    const char* page;
    std::optional<std::string> title;
  };
  const std::vector<Case> cases = {
      {"# git-add\n\n> Adds files.\n", "git-add"},
      {"## Sub\n# Top #\n", "Top"},
      {"   # Indented  \n", "Indented"},
      {"    # four spaces is code\n", std::nullopt},
      {"#NoSpace\n", std::nullopt},
      {"#\n# \n# Real\n", "Real"},
      {"```\n# in code\n```\n# After\n", "After"},
      {"~~~~\n# in code\n~~~\n# still code\n~~~~\n# Out\n", "Out"},
      {"# C# and F#\n", "C# and F#"},
      {"# Title ##\n", "Title"},
      {"text only\n", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& c : cases) {
    auto m = parse_ok(c.page);
    EXPECT_EQ(m.title, c.title) << c.page;
    EXPECT_EQ(m.title_source, c.title ? TitleSource::heading : TitleSource::none) << c.page;
  }
}

TEST(MarkdownMeta, WikiLinks) {
  auto m = parse_ok("See [[Other Page]], [[target|the label]] and [[Guide#Install|install]].\n[[#local]] [[ ]]\n"
                    "**`/arch`**[[+feature]](feature.md)\n");
  ASSERT_EQ(m.links.size(), 4u);
  EXPECT_EQ(m.links[0], (PageLink{LinkKind::wiki, "Other Page", "", "", 1}));
  EXPECT_EQ(m.links[1], (PageLink{LinkKind::wiki, "target", "", "the label", 1}));
  EXPECT_EQ(m.links[2], (PageLink{LinkKind::wiki, "Guide", "Install", "install", 1}));
  // "[[text]](dest)" is a Markdown link with the text "[text]" (cppdocs' arch-arm64.md).
  EXPECT_EQ(m.links[3], (PageLink{LinkKind::markdown, "notes/feature.md", "", "[+feature]", 3}));
}

TEST(MarkdownMeta, RelativeLinksResolveAgainstThePagePath) {
  std::string page =
      "[roadmap](../roadmap.md) and [same](./todo.md#today) and [deep](sub/dir/x.md?v=2)\n"
      "[root](/top.md) [spaces](<my page.md>) [enc](my%20page.md) [title](a.md \"A title\")\n"
      "[too far](../../../up.md) [web](https://example.com/x.md) [mail](mailto:a@b.c)\n"
      "[proto](//cdn.example.com/x) [anchor](#section) ![image](pic.png)\n"
      "[![badge](b.svg)](badge.md) [parens](a_(b).md)\n";
  auto m = parse_ok(page, "projects/alpha/notes.md");
  EXPECT_EQ(targets(m), (std::vector<std::string>{"projects/roadmap.md", "projects/alpha/todo.md",
                                                  "projects/alpha/sub/dir/x.md", "top.md",
                                                  "projects/alpha/my page.md", "projects/alpha/a.md",
                                                  "projects/alpha/badge.md", "projects/alpha/a_(b).md"}));
  EXPECT_EQ(m.links[1].anchor, "today");
  EXPECT_EQ(m.links[0].label, "roadmap");
  EXPECT_EQ(m.links[0].kind, LinkKind::markdown);
  EXPECT_EQ(m.links[3].line, 2u);
}

TEST(MarkdownMeta, ReferenceDefinitionsAreLinks) {
  auto m = parse_ok("Read [the guide][g].\n\n[g]: ../guide.md \"Guide\"\n[^1]: a footnote\n", "a/b.md");
  EXPECT_EQ(targets(m), (std::vector<std::string>{"guide.md"}));
}

TEST(MarkdownMeta, LinksInCodeAreSkipped) {
  std::string page =
      "`[[not a link]]` and `[x](no.md)` but [yes](yes.md)\n"
      "``code with ` [z](no2.md)`` [[Yes2]]\n"
      "```markdown\n[in fence](fence.md) [[Fence]]\n```\n"
      "1. A list item\n\n    ```cpp\n    auto f = [=](auto) {};\n    ```\n"
      "    [indented](indented.md)\n"
      "\\[escaped](no3.md) unclosed ` [after](after.md)\n";
  auto m = parse_ok(page, "p.md");
  EXPECT_EQ(targets(m), (std::vector<std::string>{"yes.md", "Yes2", "indented.md", "after.md"}));
}

TEST(MarkdownMeta, ResolveLinkPath) {
  struct Case {
    const char* page;
    const char* target;
    std::optional<std::string> want;
  };
  const std::vector<Case> cases = {
      {"projects/alpha/notes.md", "../roadmap.md", "projects/roadmap.md"},
      {"projects/alpha/notes.md", "../../top.md", "top.md"},
      {"projects/alpha/notes.md", "../../../above.md", std::nullopt},
      {"notes.md", "../x.md", std::nullopt},
      {"notes.md", "x.md", "x.md"},
      {"a/b.md", "./c//d/./e.md", "a/c/d/e.md"},
      {"a/b.md", "c/../../d.md", "d.md"},
      {"a/b.md", "/abs/x.md", "abs/x.md"},
      {"a/b.md", "..", std::nullopt},
      {"a/b.md", "sub/", "a/sub"},
  };
  for (const auto& c : cases) EXPECT_EQ(resolve_link_path(c.page, c.target), c.want) << c.page << " + " << c.target;
}

// One named test per invalid input: each is an error value, never a crash.
struct BadCase {
  const char* name;
  std::string page;
  Errc code;
  std::string message_part;
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class MarkdownMetaInvalid : public ::testing::TestWithParam<BadCase> {};

TEST_P(MarkdownMetaInvalid, Fails) {
  auto r = parse_markdown_meta("dir/page.md", GetParam().page);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, GetParam().code) << r.error().message;
  EXPECT_NE(r.error().message.find(GetParam().message_part), std::string::npos) << r.error().message;
}

std::string many_links(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += "[[p" + std::to_string(i) + "]]\n";
  return s;
}

INSTANTIATE_TEST_SUITE_P(
    MarkdownMeta, MarkdownMetaInvalid,
    ::testing::Values(
        BadCase{"UnclosedQuote", "---\ntitle: \"open\n---\n", Errc::malformed,
                "line 3: found unexpected end of stream (while scanning a quoted scalar at line 2)"},
        BadCase{"BadIndentation", "---\ntitle: a\n  b: c\nkey: [\n---\n", Errc::malformed, "front matter, line"},
        BadCase{"ErrorLineNumber", "---\na: 1\nb: 2\nc: [1, 2\nd: 4\n---\n", Errc::malformed,
                "line 5: did not find expected ',' or ']' (while parsing a flow sequence at line 4)"},
        BadCase{"TabIndentation", "---\nmap:\n\t- a\n---\n", Errc::malformed, "line 3"},
        BadCase{"ControlCharacter", std::string("---\ntitle: a\x01 b\n---\n"), Errc::malformed, "line 2"},
        BadCase{"NulByte", std::string("---\ntitle: a\0b\n---\n", 19), Errc::malformed, "front matter"},
        BadCase{"InvalidUtf8", "---\ntitle: \xff\xfe\n---\n", Errc::malformed, "front matter"},
        BadCase{"UndefinedAlias", "---\ntitle: *nope\n---\n", Errc::malformed, "line 2"},
        BadCase{"TopLevelScalar", "---\njust a string\n---\n", Errc::malformed, "not a mapping"},
        BadCase{"TopLevelSequence", "---\n- a\n- b\n---\n", Errc::malformed, "not a mapping"},
        BadCase{"TitleIsAMapping", "---\ntitle:\n  a: b\n---\n", Errc::malformed, "title is not a string"},
        BadCase{"TitleIsAList", "---\ntitle: [a, b]\n---\n", Errc::malformed, "title is not a string"},
        BadCase{"TagIsAMapping", "---\ntags:\n  - a\n  - {b: c}\n---\n", Errc::malformed, "line 4"},
        BadCase{"TagsIsAMapping", "---\ntags: {a: b}\n---\n", Errc::malformed, "tags is neither"},
        BadCase{"DuplicateKey", "---\ntitle: a\nauthor: x\ntitle: b\n---\n", Errc::malformed, "line 4: duplicate key 'title'"},
        BadCase{"ComplexKey", "---\n? [a, b]\n: c\n---\n", Errc::malformed, "not a scalar"},
        BadCase{"FrontMatterTooLarge", "---\nx: " + std::string(kMaxFrontMatterBytes, 'a') + "\n---\n", Errc::too_large,
                "front matter is over 131072 bytes"},
        BadCase{"TitleTooLong", "---\ntitle: " + std::string(kMaxTitleBytes + 1, 't') + "\n---\n", Errc::too_large, "title"},
        BadCase{"TagTooLong", "---\ntags: [" + std::string(kMaxTagBytes + 1, 'g') + "]\n---\n", Errc::too_large, "tag"},
        BadCase{"TooManyLinks", many_links(kMaxPageLinks + 1), Errc::too_large, "more than 10000 links"}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(MarkdownMeta, LimitsAreInclusive) {
  auto fm = "---\nx: " + std::string(kMaxFrontMatterBytes - 8, 'a') + "\n---\n";  // exactly 64 KiB of YAML
  EXPECT_TRUE(parse_markdown_meta("p.md", fm).ok());
  auto r = parse_markdown_meta("p.md", many_links(kMaxPageLinks));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->links.size(), kMaxPageLinks);
}

TEST(MarkdownMeta, HostileYamlIsBounded) {
  // Deep nesting and an alias fan-out ("billion laughs") inside the 64 KiB limit.
  std::string deep = "---\nx: " + std::string(20000, '[') + std::string(20000, ']') + "\n---\n";
  auto r1 = parse_markdown_meta("p.md", deep);
  EXPECT_TRUE(r1.ok() || r1.error().code == Errc::malformed);
  std::string laughs = "---\na: &a [x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'z'; ++c)
    laughs += std::string(1, c) + ": &" + c + " [*" + char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) + "]\n";
  laughs += "title: ok\n---\n";
  auto r2 = parse_markdown_meta("p.md", laughs);
  ASSERT_TRUE(r2.ok()) << r2.error().message;
  EXPECT_EQ(r2->title, "ok");
}

TEST(MarkdownMeta, BodyIsReadOnlyAndFrontMatterStaysInIt) {
  std::string page = "---\ntitle: T\n---\nbody\n";
  std::string copy = page;
  auto m = parse_ok(page);
  EXPECT_EQ(page, copy);
  EXPECT_EQ(m.body_offset, 17u);
}

// Random damage to pages with front matter, links and code: always a value or a typed error.
TEST(MarkdownMeta, MutatedPagesAreValuesOrErrors) {
  const std::string seed =
      "---\ntitle: \"Seed\"\ntags: [a, b]\nms.date: 01/02/2023\nlist:\n  - x\n---\n"
      "# Heading\n\nSee [[Other|label]] and [rel](../x/y.md#a) `[[code]]`\n```\n[[fenced]]\n```\n[r]: z.md\n";
  const std::vector<std::string> pieces = {"---\n", "[[", "]]", "](", "`", "```\n", "\n", "#", ":", "- ", "&a ", "*a",
                                           "{", "[", "\t", std::string(1, '\0'), "\xff", "\xc3", "..", "/", "|", "%"};
  std::mt19937 rng(9);
  for (int n = 0; n < 20000; ++n) {
    std::string page = seed;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits; ++k) {
      std::size_t at = page.empty() ? 0 : rng() % (page.size() + 1);
      switch (rng() % 3) {
        case 0: page.insert(at, pieces[rng() % pieces.size()]); break;
        case 1: page.erase(at, rng() % 8); break;
        case 2: if (at < page.size()) page[at] = static_cast<char>(rng()); break;
      }
    }
    auto r = parse_markdown_meta("a/b.md", page);
    if (r.ok()) {
      for (const auto& l : r->links) EXPECT_FALSE(l.target.empty());
      EXPECT_LE(r->body_offset, page.size());
    } else {
      EXPECT_TRUE(r.error().code == Errc::malformed || r.error().code == Errc::too_large) << r.error().message;
    }
  }
}

// Every cppdocs page has YAML front matter with a title.
TEST(MarkdownMeta, CppdocsCorpusParsesWithTitles) {
  ZKWIKI_REQUIRE_SHARED(dir, "corpus/cppdocs-subset");
  std::size_t pages = 0, links = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().extension() != ".md") continue;
    std::string rel = std::filesystem::relative(e.path(), dir).generic_string();
    std::string text = test::read_file(e.path());
    auto r = parse_markdown_meta(rel, text);
    ASSERT_TRUE(r.ok()) << rel << ": " << r.error().message;
    EXPECT_TRUE(r->has_front_matter) << rel;
    EXPECT_EQ(r->title_source, TitleSource::front_matter) << rel;
    EXPECT_TRUE(r->title && !r->title->empty()) << rel;
    for (const auto& t : r->link_targets()) EXPECT_FALSE(t.empty()) << rel;
    ++pages;
    links += r->links.size();
  }
  EXPECT_EQ(pages, 3000u);
  RecordProperty("links", static_cast<int>(links));
}

// tldr pages have no front matter: their titles come from "# command".
TEST(MarkdownMeta, TldrCorpusTitlesFromHeadings) {
  ZKWIKI_REQUIRE_SHARED(dir, "corpus/tldr-en");
  std::size_t pages = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().extension() != ".md") continue;
    std::string rel = std::filesystem::relative(e.path(), dir).generic_string();
    auto r = parse_markdown_meta(rel, test::read_file(e.path()));
    ASSERT_TRUE(r.ok()) << rel << ": " << r.error().message;
    EXPECT_FALSE(r->has_front_matter) << rel;
    ASSERT_EQ(r->title_source, TitleSource::heading) << rel;
    EXPECT_FALSE(r->title->empty()) << rel;
    ++pages;
  }
  EXPECT_EQ(pages, 7425u);
}

}  // namespace
}  // namespace zkwiki

// SearchIndex: ranking, query syntax, incremental changes, segments and merging (search.h).
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "zkwiki/search.h"

namespace zkwiki {
namespace {

struct Page {
  std::string path, title;
  std::vector<std::string> tags;
  std::string body;
};

PageId id_for(std::string_view path) {
  PageId id;
  for (std::size_t i = 0; i < path.size(); ++i) id.bytes[i % 16] = static_cast<std::uint8_t>(id.bytes[i % 16] * 31 + path[i]);
  return id;
}

// A small wiki of the project's own (no ../shared needed).
const std::vector<Page>& wiki() {
  static const std::vector<Page> pages = {
      {"tools/tar.md", "tar", {"archive"}, "# tar\n\nArchiving utility.\n\n- Create an archive: `tar -cf target.tar file1`\n- Extract files: `tar -xf source.tar`\n"},
      {"tools/gzip.md", "gzip", {"compression"}, "# gzip\n\nCompress files with the gzip algorithm.\n\n- Compress a file: `gzip file.txt`\n- Decompress: `gzip -d file.txt.gz`\n"},
      {"tools/zip.md", "zip", {"archive", "compression"}, "# zip\n\nPackage and compress files into a zip archive.\n"},
      {"tools/cp.md", "cp", {}, "# cp\n\nCopy files and directories.\n\n- Copy a file to another location: `cp path/to/source path/to/target`\n"},
      {"notes/cv.md", "Curriculum vitae", {"personal"}, "# Curriculum vitae\n\nMy résumé, updated for 2026. Skills: archives of old projects.\n"},
      {"notes/meeting.md", "Meeting notes", {"work"}, "---\ntitle: Meeting notes\ntags: [work]\n---\nWe discussed the quick brown fox and the lazy dog.\n\nThe brown lazy fox stayed home.\n"},
      {"notes/code.md", "Snippets", {}, "# Snippets\n\n```c\nint printf_s(const char* fmt);\n```\n\nSee [[tar]] and [[Meeting notes]].\n"},
      {"ja/file.md", "ファイル", {}, "# ファイル\n\nファイルを圧縮します。\n"},
  };
  return pages;
}

void put_all(SearchIndex& index, const std::vector<Page>& pages, std::uint64_t revision = 1) {
  for (const auto& p : pages)
    ASSERT_TRUE(index.put(SearchDocument{id_for(p.path), revision, p.path, p.title, p.tags, p.body}).ok());
}

std::vector<std::string> paths(SearchIndex& index, std::string_view q, SearchOptions o = {}) {
  auto r = index.search(q, o);
  EXPECT_TRUE(r.ok()) << q;
  std::vector<std::string> out;
  if (r.ok())
    for (const auto& h : *r) out.emplace_back(h.path);
  return out;
}

using Paths = std::vector<std::string>;

class SearchIndexTest : public ::testing::Test {
 protected:
  void SetUp() override { put_all(index_, wiki()); }
  SearchIndex index_;
};

struct QueryCase {
  const char* name;
  const char* query;
  SearchOptions options;
  Paths expected;  // exactly these, in this order
};

class QuerySyntaxTest : public SearchIndexTest, public ::testing::WithParamInterface<QueryCase> {};

TEST_P(QuerySyntaxTest, FindsExactlyTheExpectedPages) {
  EXPECT_EQ(paths(index_, GetParam().query, GetParam().options), GetParam().expected);
}

SearchOptions prefix() {
  SearchOptions o;
  o.prefix_last = true;
  return o;
}
SearchOptions typos() {
  SearchOptions o;
  o.typos = true;
  return o;
}

INSTANTIATE_TEST_SUITE_P(
    Queries, QuerySyntaxTest,
    ::testing::Values(
        QueryCase{"TitleRanksFirst", "tar", {}, {"tools/tar.md", "notes/code.md"}},
        QueryCase{"AndByDefault", "compress files", {}, {"tools/gzip.md", "tools/zip.md"}},
        QueryCase{"Or", "gzip OR cp", {}, {"tools/gzip.md", "tools/cp.md"}},
        QueryCase{"Exclusion", "archive -zip", {}, {"tools/tar.md"}},
        QueryCase{"ExcludedPhrase", "compress -\"zip archive\"", {}, {"tools/gzip.md"}},
        QueryCase{"DiacriticsFolded", "resume", {}, {"notes/cv.md"}},
        QueryCase{"DiacriticsInTheQueryFolded", "RÉSUMÉ", {}, {"notes/cv.md"}},
        QueryCase{"PrefixStar", "archiv*", {}, {"tools/tar.md", "tools/zip.md", "notes/cv.md"}},
        QueryCase{"PrefixLast", "copy direc", prefix(), {"tools/cp.md"}},
        QueryCase{"NoPrefixWithoutTheOption", "copy direc", {}, {}},
        QueryCase{"TitleFilter", "title:zip", {}, {"tools/zip.md"}},
        QueryCase{"TitleFilterIsNotBody", "title:archive", {}, {}},
        QueryCase{"TagFilter", "tag:compression", {}, {"tools/zip.md", "tools/gzip.md"}},
        QueryCase{"TagFilterWithWords", "tag:archive files", {}, {"tools/zip.md", "tools/tar.md"}},
        QueryCase{"PathFilter", "path:notes/ fox", {}, {"notes/meeting.md"}},
        QueryCase{"PathFilterAlone", "path:tools/g", {}, {"tools/gzip.md"}},
        QueryCase{"CodeIdentifier", "printf_s", {}, {"notes/code.md"}},
        QueryCase{"CodeIdentifierPart", "printf", {}, {"notes/code.md"}},
        QueryCase{"WikiLinkTarget", "meeting", {}, {"notes/meeting.md", "notes/code.md"}},
        QueryCase{"CjkBigrams", "ファイル", {}, {"ja/file.md"}},
        QueryCase{"CjkInsideText", "圧縮", {}, {"ja/file.md"}},
        QueryCase{"TypoFound", "arhcive", typos(), {"tools/zip.md", "tools/tar.md"}},
        QueryCase{"TypoNotWithoutTheOption", "arhcive", {}, {}},
        QueryCase{"TypoNotForShortWords", "cpp", typos(), {}},
        QueryCase{"OnlyExclusionsFindNothing", "-tar", {}, {}},
        QueryCase{"EmptyQuery", "   ", {}, {}},
        QueryCase{"UnknownWord", "kubernetes", {}, {}}),
    [](const auto& p) { return std::string(p.param.name); });

TEST_F(SearchIndexTest, LimitKeepsTheBest) {
  SearchOptions o;
  o.limit = 1;
  auto all = paths(index_, "files");
  ASSERT_GE(all.size(), 2u);
  EXPECT_EQ(paths(index_, "files", o), Paths{all[0]});
}

// The first L results for a limit L are the first L of all results, whatever L (a short sorted
// list serves small limits, a heap larger ones), and pages with equal scores come in path order.
TEST(SearchRankingTest, EveryLimitGivesAPrefixOfTheFullRanking) {
  SearchIndex index;
  std::mt19937 rng(7);
  const std::vector<std::string> words = {"alpha", "beta", "gamma", "delta"};
  std::vector<std::string> bodies;
  for (int i = 0; i < 60; ++i) {
    std::string body;
    // Every third page repeats an earlier body word for word: same score, another path.
    if (i % 3 == 2) {
      body = bodies[static_cast<std::size_t>(i) - 1];
    } else {
      for (unsigned n = 1 + rng() % 6; n > 0; --n) body += words[rng() % words.size()] + " ";
    }
    bodies.push_back(body);
    std::string path = "p/" + std::to_string(1000 - i) + ".md";  // path order is not insertion order
    ASSERT_TRUE(index.put(SearchDocument{id_for(path), 1, path, "", {}, body}));
  }
  SearchOptions all;
  all.limit = 1000;
  for (const char* q : {"alpha", "beta OR gamma", "alpha delta"}) {
    auto full = index.search(q, all);
    ASSERT_TRUE(full.ok());
    ASSERT_GT(full->size(), 20u) << q;
    for (std::size_t i = 1; i < full->size(); ++i) {
      const auto &a = (*full)[i - 1], &b = (*full)[i];
      EXPECT_TRUE(a.score > b.score || (a.score == b.score && a.path < b.path)) << q << ": " << a.path << ", " << b.path;
    }
    for (std::size_t limit = 1; limit <= 40; ++limit) {
      SearchOptions o;
      o.limit = limit;
      auto some = index.search(q, o);
      ASSERT_TRUE(some.ok());
      ASSERT_EQ(some->size(), std::min(limit, full->size())) << q;
      for (std::size_t i = 0; i < some->size(); ++i) EXPECT_EQ((*some)[i].path, (*full)[i].path) << q << " limit " << limit;
    }
  }
}

// Every page matches the first clause, several times over (a prefix of many terms in each):
// the accumulator's bookkeeping must hold when all pages are touched and postings keep coming
// (a one-past-the-end write the fuzzer found, seen under ASan).
TEST(SearchAccumulatorTest, EveryPageTouchedByManyPostings) {
  SearchIndex index;
  const std::vector<std::string> paths = {"a.md", "b.md", "c.md"};
  for (std::size_t i = 0; i < paths.size(); ++i)
    ASSERT_TRUE(index.put(SearchDocument{id_for(paths[i]), 1, paths[i], "", {},
                                         "note notes noted noting notable notation " + std::to_string(i)}));
  SearchOptions o;
  o.prefix_last = true;
  std::vector<SearchHit> hits;
  ASSERT_TRUE(index.search("not", o, hits));
  ASSERT_EQ(hits.size(), 3u);
  ASSERT_TRUE(index.search("notes OR noted OR noting OR notation", SearchOptions{}, hits));
  EXPECT_EQ(hits.size(), 3u);
  ASSERT_TRUE(index.search("0 OR notable", SearchOptions{}, hits));
  EXPECT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].path, "a.md");  // it holds both words
}

class Texts final : public DocumentTexts {
 public:
  std::optional<std::string> body(const PageId& page, std::uint64_t) const override {
    for (const auto& p : wiki())
      if (id_for(p.path) == page) return p.body;
    return std::nullopt;
  }
};

TEST_F(SearchIndexTest, PhrasesAreCheckedAgainstTheText) {
  Texts texts;
  auto r = index_.search("\"brown fox\"", {}, &texts);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].path, "notes/meeting.md");
  EXPECT_FALSE((*r)[0].phrase_unverified);
  // The words in another order are not the phrase.
  r = index_.search("\"fox brown\"", {}, &texts);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST_F(SearchIndexTest, PhrasesWithoutTextsAreMarkedUnverified) {
  auto r = index_.search("\"fox brown\"");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_TRUE((*r)[0].phrase_unverified);
}

struct BadQuery {
  const char* name;
  std::string query;
};

class BadQueryTest : public SearchIndexTest, public ::testing::WithParamInterface<BadQuery> {};

TEST_P(BadQueryTest, FailsWithInvalidArgument) {
  auto r = index_.search(GetParam().query);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
}

std::string many_words(int n) {
  std::string q;
  for (int i = 0; i < n; ++i) q += "w" + std::to_string(i) + " ";
  return q;
}

INSTANTIATE_TEST_SUITE_P(Queries, BadQueryTest,
                         ::testing::Values(BadQuery{"InvalidUtf8Fails", "tar \xff"},
                                           BadQuery{"TooLongFails", std::string(kMaxQueryBytes + 1, 'a')},
                                           BadQuery{"TooManyClausesFails", many_words(33)}),
                         [](const auto& p) { return std::string(p.param.name); });

TEST_F(SearchIndexTest, EditsReplaceTheOldTextAndDeletesDisappear) {
  const auto& cp = wiki()[3];
  EXPECT_EQ(paths(index_, "directories"), Paths{"tools/cp.md"});
  ASSERT_TRUE(index_.put(SearchDocument{id_for(cp.path), 2, cp.path, cp.title, cp.tags, "# cp\n\nDuplicate things.\n"}).ok());
  EXPECT_EQ(paths(index_, "directories"), Paths{}) << "the old revision's text must not match";
  EXPECT_EQ(paths(index_, "duplicate"), Paths{"tools/cp.md"});
  EXPECT_EQ(index_.revision_of(id_for(cp.path)), 2u);
  // An older revision arriving late changes nothing.
  auto stale = index_.put(SearchDocument{id_for(cp.path), 1, cp.path, cp.title, cp.tags, cp.body});
  ASSERT_TRUE(stale.ok());
  EXPECT_FALSE(*stale);
  EXPECT_EQ(paths(index_, "directories"), Paths{});

  index_.remove(id_for(cp.path), 3);
  EXPECT_EQ(paths(index_, "duplicate"), Paths{});
  EXPECT_EQ(index_.revision_of(id_for(cp.path)), std::nullopt);
  EXPECT_EQ(index_.deleted_revision(id_for(cp.path)), 3u);
  EXPECT_EQ(index_.documents(), wiki().size() - 1);
  // Re-created later: found again.
  ASSERT_TRUE(index_.put(SearchDocument{id_for(cp.path), 4, cp.path, cp.title, cp.tags, cp.body}).ok());
  EXPECT_EQ(paths(index_, "directories"), Paths{"tools/cp.md"});
}

TEST(SearchIndexPutTest, RejectsBadDocuments) {
  SearchIndex index;
  EXPECT_EQ(index.put(SearchDocument{PageId{}, 0, "a.md", "", {}, ""}).error().code, Errc::invalid_argument);
  EXPECT_EQ(index.put(SearchDocument{PageId{}, 1, "", "", {}, ""}).error().code, Errc::invalid_argument);
  EXPECT_EQ(index.put(SearchDocument{PageId{}, 1, "a\xff.md", "", {}, ""}).error().code, Errc::invalid_argument);
}

// Everything a query set sees of an index.
std::vector<std::vector<std::pair<std::string, double>>> answers(SearchIndex& index) {
  std::vector<std::vector<std::pair<std::string, double>>> out;
  for (const char* q : {"tar", "files", "compress files", "archiv*", "title:zip", "tag:archive", "path:notes/",
                        "gzip OR cp", "archive -zip", "fox", "resume", "ファイル", "brown OR quick", "copy"}) {
    auto r = index.search(q);
    EXPECT_TRUE(r.ok());
    std::vector<std::pair<std::string, double>> one;
    for (const auto& h : *r) one.emplace_back(std::string(h.path), h.score);
    out.push_back(std::move(one));
  }
  return out;
}

TEST(SearchIncrementalTest, IncrementalBuildsAnswerLikeOneShotBuilds) {
  // One shot: the final state of every page at once.
  std::mt19937 rng(7);
  std::map<std::string, std::pair<std::uint64_t, bool>> final_state;  // revision, deleted
  SearchIndex incremental;
  MergePolicy policy{2, 3};
  // Many small segments: random edits, deletes, re-creations, with merges along the way.
  for (int round = 0; round < 40; ++round) {
    const Page& p = wiki()[rng() % wiki().size()];
    auto& st = final_state[p.path];
    ++st.first;
    if (rng() % 4 == 0 && st.first > 1) {
      incremental.remove(id_for(p.path), st.first);
      st.second = true;
    } else {
      std::string body = round % 3 == 0 ? p.body + "\nrevised text round " + std::to_string(round) + "\n" : p.body;
      ASSERT_TRUE(incremental.put(SearchDocument{id_for(p.path), st.first, p.path, p.title, p.tags, body}).ok());
      st.second = false;
    }
    if (round % 2 == 0) incremental.flush();
    while (incremental.merge_step(policy)) {
    }
  }
  // Replay the final state once.
  SearchIndex once;
  std::mt19937 replay(7);
  std::map<std::string, std::string> final_body;
  {
    std::map<std::string, std::uint64_t> rev;
    for (int round = 0; round < 40; ++round) {
      const Page& p = wiki()[replay() % wiki().size()];
      auto& r = rev[p.path];
      ++r;
      if (replay() % 4 == 0 && r > 1) {
        final_body.erase(p.path);
      } else {
        final_body[p.path] = round % 3 == 0 ? p.body + "\nrevised text round " + std::to_string(round) + "\n" : p.body;
      }
    }
  }
  for (const auto& [path, st] : final_state) {
    if (st.second) continue;
    const Page* p = nullptr;
    for (const auto& w : wiki())
      if (w.path == path) p = &w;
    ASSERT_TRUE(once.put(SearchDocument{id_for(path), st.first, path, p->title, p->tags, final_body.at(path)}).ok());
  }
  ASSERT_GT(incremental.segments().size(), 1u) << "the test must exercise several segments";
  EXPECT_EQ(answers(incremental), answers(once));
  incremental.compact();
  EXPECT_EQ(incremental.segments().size(), 1u);
  EXPECT_EQ(incremental.segments()[0].tombstones, 0u) << "a full merge drops deletion records";
  EXPECT_EQ(answers(incremental), answers(once));
}

TEST_F(SearchIndexTest, SegmentsRoundTripThroughTheirBytes) {
  index_.remove(id_for("tools/zip.md"), 9);
  index_.flush();
  std::vector<std::vector<std::uint8_t>> bytes;
  for (std::size_t i = 0; i < index_.segments().size(); ++i)
    bytes.emplace_back(index_.segment_bytes(i).begin(), index_.segment_bytes(i).end());
  SearchIndex loaded;
  ASSERT_TRUE(loaded.set_segments(bytes).ok());
  EXPECT_EQ(answers(loaded), answers(index_));
  EXPECT_EQ(loaded.live_pages(), index_.live_pages());
}

TEST(SearchMergeTest, SizeTieredPolicyMergesRunsOfSimilarSegments) {
  SearchIndex index;
  MergePolicy policy{4, 100};
  for (int i = 0; i < 4; ++i) {
    const Page& p = wiki()[static_cast<std::size_t>(i)];
    ASSERT_TRUE(index.put(SearchDocument{id_for(p.path), 1, p.path, p.title, p.tags, p.body}).ok());
    index.flush();
  }
  ASSERT_EQ(index.segments().size(), 4u);
  EXPECT_TRUE(index.merge_step(policy));
  EXPECT_EQ(index.segments().size(), 1u);
  EXPECT_EQ(index.segments()[0].documents, 4u);
  EXPECT_FALSE(index.merge_step(policy));
  // A new small segment beside a bigger one: different tiers, no merge.
  const Page& p = wiki()[5];
  ASSERT_TRUE(index.put(SearchDocument{id_for(p.path), 1, p.path, p.title, p.tags, p.body}).ok());
  index.flush();
  EXPECT_FALSE(index.merge_step(policy));
  EXPECT_EQ(index.segments().size(), 2u);
  // Too many segments: the smallest neighbours merge.
  EXPECT_TRUE(index.merge_step(MergePolicy{4, 1}));
  EXPECT_EQ(index.segments().size(), 1u);
}

TEST(SnippetTest, HighlightsTheMatchedWords) {
  std::string body = "# Meeting\n\nA long introduction that goes on and on about nothing in particular, for quite "
                     "a while, before the part that matters. The **quick** brown fox jumps. Then more text follows.";
  Snippet s = make_snippet(body, "quick fox", {}, 60);
  EXPECT_LE(s.text.size(), 60u);
  ASSERT_EQ(s.highlights.size(), 2u);
  EXPECT_EQ(s.text.substr(s.highlights[0].first, s.highlights[0].second - s.highlights[0].first), "quick");
  EXPECT_EQ(s.text.substr(s.highlights[1].first, s.highlights[1].second - s.highlights[1].first), "fox");
  EXPECT_EQ(s.text.find("**"), std::string::npos) << "Markdown syntax is not shown";
}

TEST(SnippetTest, FoldedMatchesAreHighlightedInTheOriginalSpelling) {
  Snippet s = make_snippet("Mon résumé est prêt.", "resume");
  ASSERT_EQ(s.highlights.size(), 1u);
  EXPECT_EQ(s.text.substr(s.highlights[0].first, s.highlights[0].second - s.highlights[0].first), "résumé");
}

TEST(SnippetTest, WithoutAMatchShowsTheStart) {
  Snippet s = make_snippet("# Title\n\nFirst words here.", "absent");
  EXPECT_EQ(s.text.rfind("Title First words here.", 0), 0u) << s.text;
  EXPECT_TRUE(s.highlights.empty());
}

}  // namespace
}  // namespace zkwiki

// Known-answer relevance over the shared corpora (../shared/corpus): the expected pages were
// chosen by reading them. Skipped, saying so, where ../shared is absent.
#include <gtest/gtest.h>

#include <utf8proc.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "support/test_paths.h"
#include "zkwiki/markdown_meta.h"
#include "zkwiki/search.h"

namespace zkwiki {
namespace {

namespace fs = std::filesystem;

// Indexes every .md file under `root` as the client would (title and tags from the page).
void index_corpus(SearchIndex& index, const fs::path& root, const std::string& prefix = {}) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file() && e.path().extension() == ".md") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::uint64_t n = 0;
  for (const auto& f : files) {
    std::string path = prefix + fs::relative(f, root).generic_string();
    std::string body = test::read_file(f);
    auto meta = parse_markdown_meta(path, body);
    std::string title = meta && meta->title ? *meta->title : f.stem().string();
    std::vector<std::string> tags = meta ? meta->tags : std::vector<std::string>{};
    PageId id;
    ++n;
    for (int b = 0; b < 8; ++b) id.bytes[b] = static_cast<std::uint8_t>(n >> (8 * b));
    ASSERT_TRUE(index.put(SearchDocument{id, 1, path, title, tags, body}).ok()) << path;
  }
  index.flush();
}

std::vector<std::string> top(SearchIndex& index, std::string_view q, std::size_t k) {
  SearchOptions o;
  o.limit = k;
  auto r = index.search(q, o);
  EXPECT_TRUE(r.ok()) << q;
  std::vector<std::string> out;
  if (r.ok())
    for (const auto& h : *r) out.emplace_back(h.path);
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += "\n  " + x;
  return s;
}

struct Known {
  const char* query;
  const char* page;  // expected among the first `within` results
  std::size_t within;
};

void expect_known(SearchIndex& index, const std::vector<Known>& cases) {
  for (const auto& k : cases) {
    auto got = top(index, k.query, k.within);
    EXPECT_NE(std::find(got.begin(), got.end(), k.page), got.end())
        << "query \"" << k.query << "\": expected " << k.page << " in the first " << k.within << ", got" << joined(got);
  }
}

TEST(SearchRelevanceTest, TldrKnownAnswers) {
  ZKWIKI_REQUIRE_SHARED(root, "corpus/tldr-en/pages");
  SearchIndex index;
  index_corpus(index, root);
  EXPECT_EQ(index.documents(), 7425u);
  expect_known(index, {
                          {"tar", "common/tar.md", 1},
                          {"copy files directories", "common/cp.md", 3},
                          {"change access permissions", "common/chmod.md", 3},
                          {"grep find patterns", "common/grep.md", 1},
                          {"ssh keygen", "common/ssh-keygen.md", 1},
                          {"git commit", "common/git-commit.md", 1},
                          {"estimate file space usage", "common/du.md", 3},
                          {"docker logs", "common/docker-logs.md", 3},
                          {"gzip", "common/gzip.md", 1},
                      });
}

TEST(SearchRelevanceTest, CppdocsKnownAnswers) {
  ZKWIKI_REQUIRE_SHARED(root, "corpus/cppdocs-subset/docs");
  SearchIndex index;
  index_corpus(index, root);
  EXPECT_EQ(index.documents(), 3000u);
  expect_known(index, {
                          {"malloc", "c-runtime-library/reference/malloc.md", 1},
                          {"map class", "standard-library/map-class.md", 1},
                          {"lambda expression syntax", "cpp/lambda-expression-syntax.md", 3},
                          {"create use unique_ptr instances", "cpp/how-to-create-and-use-unique-ptr-instances.md", 1},
                          {"range-based for statement", "cpp/range-based-for-statement-cpp.md", 3},
                          {"double free", "sanitizers/error-double-free.md", 3},
                          {"container overflow", "sanitizers/error-container-overflow.md", 3},
                          {"asan shadow bytes", "sanitizers/asan-shadow-bytes.md", 3},
                      });
}

TEST(SearchRelevanceTest, QueryMatchCountsFollowTheQuerySets) {
  // The bench's query sets carry reference match counts (a simpler tokenizer): ours, on the
  // same pages, must find at least one page for every query and agree on most counts.
  ZKWIKI_REQUIRE_SHARED(root, "corpus/tldr-en/pages");
  ZKWIKI_REQUIRE_SHARED(qfile, "bench/queries-tldr.json");
  SearchIndex index;
  index_corpus(index, root);
  std::string text = test::read_file(qfile);
  // A light scan of {"q": "...", "df": N} pairs of the one-term queries.
  std::size_t at = text.find("\"queries\"");
  ASSERT_NE(at, std::string::npos);
  std::size_t found = 0, agree = 0, total = 0;
  SearchOptions all;
  all.limit = 100000;
  for (std::size_t pos = text.find("\"q\": \"", at); pos != std::string::npos && total < 200;
       pos = text.find("\"q\": \"", pos + 1)) {
    std::size_t start = pos + 6, end = text.find('"', start);
    std::string q = text.substr(start, end - start);
    std::size_t df_at = text.find("\"df\": ", end);
    std::size_t next_q = text.find("\"q\": \"", end);
    if (df_at == std::string::npos || (next_q != std::string::npos && df_at > next_q)) break;
    std::size_t df = std::stoul(text.substr(df_at + 6));
    auto r = index.search(q, all);
    ASSERT_TRUE(r.ok());
    ++total;
    found += !r->empty();
    agree += r->size() == df;
  }
  EXPECT_EQ(total, 200u);
  EXPECT_EQ(found, total) << "every one-term query finds a page";
  EXPECT_GE(agree * 10, total * 9) << agree << " of " << total << " match counts agree with the reference";
}

std::string nfd(const std::string& s) {
  utf8proc_uint8_t* out = nullptr;
  utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()), static_cast<utf8proc_ssize_t>(s.size()), &out,
               static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE));
  std::string r(reinterpret_cast<char*>(out));
  std::free(out);
  return r;
}

TEST(SearchRelevanceTest, MultilingualQueriesFindTheirPagesInNfcAndNfd) {
  ZKWIKI_REQUIRE_SHARED(root, "corpus/multilingual");
  SearchIndex index;
  index_corpus(index, root);
  EXPECT_EQ(index.documents(), 309u);
  const std::vector<Known> cases = {
      {"تغيير مجلد العمل", "pages.ar/common/cd.md", 3},
      {"كمپرेशन", "", 0},  // placeholder removed below
  };
  std::vector<Known> known = {
      {"تغيير مجلد العمل", "pages.ar/common/cd.md", 3},
      {"ফাইল আর্কাইভার 7zr", "pages.bn/common/7zr.md", 1},
      {"Kopiere Dateien Verzeichnisse", "pages.de/common/cp.md", 1},
      {"Λίστα περιεχομένων καταλόγου", "pages.el/common/ls.md", 1},
      {"چاپ ترکیب فایل", "pages.fa/common/cat.md", 3},
      {"copie des fichiers répertoires", "pages.fr/common/cp.md", 1},
      {"निर्देशिकाओं प्रतिलिपि", "pages.hi/common/cp.md", 1},
      {"ディレクトリをコピー", "pages.ja/common/cp.md", 1},
      {"디렉터리를 복사", "pages.ko/common/cp.md", 1},
      {"Копировать файлы каталоги", "pages.ru/common/cp.md", 1},
      {"path:pages.ta/ diff", "pages.ta/common/docker-container-diff.md", 3},
      {"อีกชื่อหนึ่งของคำสั่ง rename", "pages.th/common/docker-container-rename.md", 3},
      {"复制文件和目录", "pages.zh/common/cp.md", 1},
  };
  expect_known(index, known);
  for (const auto& k : known) {
    std::string d = nfd(k.query);
    EXPECT_EQ(top(index, k.query, 10), top(index, d, 10)) << k.query;
  }
  // Unaccented spellings find accented text (French "répertoires").
  EXPECT_EQ(top(index, "copie des fichiers repertoires", 1), top(index, "copie des fichiers répertoires", 1));
}

}  // namespace
}  // namespace zkwiki

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "support/test_paths.h"
#include "zkwiki/diff.h"

namespace zkwiki {
namespace {

// The comparisons with git need a git binary; without one they skip, saying so.
#define REQUIRE_GIT()                                                                 \
  do {                                                                                \
    if (std::system("git --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "skipped: no git on PATH"; \
  } while (0)


// Rebuilds the new text from the old one and the structured hunks: the hunks are complete.
std::string rebuild(std::string_view old_text, const LineDiff& d) {
  std::vector<std::string_view> lines;
  for (std::size_t pos = 0; pos < old_text.size();) {
    std::size_t nl = old_text.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? old_text.size() : nl + 1;
    lines.push_back(old_text.substr(pos, end - pos));
    pos = end;
  }
  std::string out;
  std::size_t next = 0;  // 0-based old line
  for (const auto& h : d.hunks) {
    std::size_t first = h.old_count == 0 ? h.old_start : h.old_start - 1;
    for (; next < first; ++next) out += lines[next];
    for (const auto& l : h.lines) {
      if (l.op == DiffOp::removed) {
        EXPECT_EQ(lines[next], l.text + (l.no_newline ? "" : "\n"));
        ++next;
        continue;
      }
      out += l.text;
      if (!l.no_newline) out += '\n';
      if (l.op == DiffOp::context) ++next;
    }
  }
  for (; next < lines.size(); ++next) out += lines[next];
  return out;
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/zkwiki-diff-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string write(const char* name, std::string_view text) const {
    std::ofstream(path / name, std::ios::binary) << text;
    return (path / name).string();
  }
};

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

// git's unified diff from the first "@@" on (git diff without the indent heuristic: the
// placement rule this module follows).
std::string git_hunks(std::string_view a, std::string_view b) {
  TempDir t;
  auto pa = t.write("a", a), pb = t.write("b", b);
  std::string out = run("git -c core.quotepath=off diff --no-index --no-color --no-indent-heuristic -U3 " + pa + " " + pb);
  auto at = out.find("@@");
  if (at == std::string::npos) return {};
  out = out.substr(at);
  // Drop git's function-name context after a hunk header ("@@ -1,2 +1,2 @@ line 13").
  for (std::size_t pos = 0; (pos = out.find("@@ -", pos)) != std::string::npos;) {
    std::size_t close = out.find(" @@", pos + 4);
    std::size_t eol = out.find('\n', close);
    out.erase(close + 3, eol - close - 3);
    pos = close + 3;
  }
  return out;
}

std::string my_hunks(std::string_view a, std::string_view b) {
  auto r = unified_diff(a, b, "p");
  EXPECT_TRUE(r.ok());
  if (!r.ok()) return {};
  auto at = r->find("@@");
  return at == std::string::npos ? std::string() : r->substr(at);
}

TEST(Diff, IdenticalTextsHaveNoHunks) {
  auto d = diff_lines("a\nb\n", "a\nb\n");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->hunks.empty());
  EXPECT_EQ(*unified_diff("a\nb\n", "a\nb\n", "x.md"), "");
  EXPECT_EQ(*unified_diff("", "", "x.md"), "");
}

TEST(Diff, UnifiedFormat) {
  auto r = unified_diff("one\ntwo\nthree\n", "one\n2\nthree\n", "notes.md");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r,
            "--- a/notes.md\n+++ b/notes.md\n"
            "@@ -1,3 +1,3 @@\n one\n-two\n+2\n three\n");
}

TEST(Diff, NoNewlineAtEndOfFile) {
  EXPECT_EQ(*unified_diff("a\nb", "a\nb\n", "f"),
            "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n");
  EXPECT_EQ(*unified_diff("", "x", "f"), "--- a/f\n+++ b/f\n@@ -0,0 +1 @@\n+x\n\\ No newline at end of file\n");
}

TEST(Diff, StructuredHunksCarryLineNumbers) {
  auto d = diff_lines("a\nb\nc\nd\n", "a\nB\nc\nd\ne\n", DiffOptions{.context = 0, .limits = {}});
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->hunks.size(), 2u);
  EXPECT_EQ(d->hunks[0].old_start, 2u);
  EXPECT_EQ(d->hunks[0].lines[0], (DiffLine{DiffOp::removed, 2, 0, "b", false}));
  EXPECT_EQ(d->hunks[0].lines[1], (DiffLine{DiffOp::added, 0, 2, "B", false}));
  EXPECT_EQ(d->hunks[1].old_start, 4u);  // count 0: the line before
  EXPECT_EQ(d->hunks[1].old_count, 0u);
  EXPECT_EQ(d->hunks[1].lines[0], (DiffLine{DiffOp::added, 0, 5, "e", false}));
  EXPECT_EQ(d->lines_added, 2u);
  EXPECT_EQ(d->lines_removed, 1u);
}

// Hand-written cases, checked against git diff byte for byte (hunk part).
TEST(Diff, MatchesGitDiffOnHandWrittenCases) {
  REQUIRE_GIT();
  struct Case {
    const char* name;
    std::string a, b;
  };
  std::string ten;
  for (int i = 1; i <= 20; ++i) ten.append("line ").append(std::to_string(i)).append("\n");
  std::string ten_edited = ten;
  ten_edited.replace(ten_edited.find("line 3\n"), 7, "LINE 3\n");
  ten_edited.replace(ten_edited.find("line 17\n"), 8, "");
  std::string ten_close = ten;
  ten_close.replace(ten_close.find("line 5\n"), 7, "five\n");
  ten_close.replace(ten_close.find("line 11\n"), 8, "eleven\n");
  const std::vector<Case> cases = {
      {"empty to text", "", "a\nb\n"},
      {"text to empty", "a\nb\n", ""},
      {"insert at top", "a\nb\nc\n", "new\na\nb\nc\n"},
      {"append", "a\nb\nc\n", "a\nb\nc\nd\n"},
      {"two far hunks", ten, ten_edited},
      {"hunks 6 apart merge", ten, ten_close},
      {"ambiguous blank line insert", "a\n\nb\n\nc\n", "a\n\nb\n\n\nc\n"},
      {"ambiguous repeated block", "x\n}\n\ny\n}\n\nz\n", "x\n}\n\ny\n}\n\nw\n}\n\nz\n"},
      {"delete duplicate", "a\nb\nb\nb\nc\n", "a\nb\nc\n"},
      {"no newline both", "a\nb", "a\nc"},
      {"add newline", "a", "a\n"},
      {"crlf", "a\r\nb\r\n", "a\r\nB\r\n"},
      {"replace all", "a\nb\nc\n", "x\ny\n"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(my_hunks(c.a, c.b), git_hunks(c.a, c.b)) << c.name;
    auto d = diff_lines(c.a, c.b);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(rebuild(c.a, *d), c.b) << c.name;
  }
}

// Random line edits of real pages: hunks rebuild the new page, and agree with git.
TEST(Diff, RandomEditsOfTldrPagesRoundTripAndMatchGit) {
  const bool have_git = std::system("git --version >/dev/null 2>&1") == 0;
  ZKWIKI_REQUIRE_SHARED(dir, "corpus/tldr-en");
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::mt19937 rng(4);
  std::size_t compared = 0, same_as_git = 0;
  for (int n = 0; n < 300; ++n) {
    std::string a = test::read_file(files[rng() % files.size()]);
    std::vector<std::string> lines;
    for (std::size_t pos = 0; pos < a.size();) {
      std::size_t nl = a.find('\n', pos);
      std::size_t end = nl == std::string::npos ? a.size() : nl + 1;
      lines.push_back(a.substr(pos, end - pos));
      pos = end;
    }
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits && !lines.empty(); ++k) {
      std::size_t at = rng() % lines.size();
      switch (rng() % 4) {
        case 0: lines.erase(lines.begin() + static_cast<long>(at)); break;
        case 1: lines.insert(lines.begin() + static_cast<long>(at), "inserted " + std::to_string(rng()) + "\n"); break;
        case 2: lines[at] = "replaced " + std::to_string(rng()) + "\n"; break;
        case 3: lines.insert(lines.begin() + static_cast<long>(at), lines[rng() % lines.size()]); break;
      }
    }
    std::string b;
    for (const auto& l : lines) b += l;
    auto d = diff_lines(a, b);
    ASSERT_TRUE(d.ok());
    ASSERT_EQ(rebuild(a, *d), b);
    if (have_git && n % 3 == 0) {
      ++compared;
      same_as_git += my_hunks(a, b) == git_hunks(a, b);
    }
  }
  // Both diffs are minimal; where several minimal diffs exist, dtl's and git's Myers may pick
  // different lines (moved duplicate lines), so a few may legitimately differ.
  EXPECT_GE(same_as_git * 100, compared * 95) << same_as_git << " of " << compared;
  std::printf("[ measured ] random tldr edits: %zu of %zu unified diffs byte-identical to git's\n", same_as_git, compared);
}

TEST(Diff, TooManyLinesFails) {
  std::string big(kMaxDiffLines + 1, '\n');
  auto r = diff_lines(big, "x\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::too_large);
  EXPECT_NE(r.error().message.find("lines"), std::string::npos);
}

TEST(Diff, TooManyBytesFails) {
  std::string big(kMaxDiffBytes + 1, 'x');
  auto r = diff_lines("x\n", big);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::too_large);
  EXPECT_NE(r.error().message.find("bytes"), std::string::npos);
}

TEST(Diff, WorkBudgetExceededFails) {
  // Reversing 20,000 lines drawn from 100 values: a huge edit distance over repeated lines.
  std::string a, b;
  for (int i = 0; i < 20000; ++i) a.append("v").append(std::to_string(i % 100)).append("\n");
  for (int i = 19999; i >= 0; --i) b.append("v").append(std::to_string((i * 7) % 100)).append("\n");
  DiffOptions o;
  o.limits.max_work = 1'000'000;
  auto r = diff_lines(a, b, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::too_large);
  EXPECT_NE(r.error().message.find("differ too much"), std::string::npos);
}

// dtl 1.20 gives wrong common pairs once its path passes 2,000,000 points; however large the
// caller's work limit, the search stops before that and the answer is right or too_large.
TEST(Diff, HugeWorkLimitStillAvoidsDtlsRestartPath) {
  std::string a, b;
  for (int i = 0; i < 10000; ++i) a.append("v").append(std::to_string(i % 3000)).append("\n");
  for (int i = 9999; i >= 0; --i) b.append("v").append(std::to_string(i % 3000)).append("\n");
  DiffOptions o;
  o.limits.max_work = UINT64_MAX;
  auto r = diff_lines(a, b, o);
  if (r.ok()) {
    EXPECT_EQ(rebuild(a, *r), b);
  } else {
    EXPECT_EQ(r.error().code, Errc::too_large) << r.error().message;
  }
  o.limits.max_work = kMaxDiffWork;
  auto small = diff_lines("x\na\nb\n", "a\nb\ny\n", o);
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(rebuild("x\na\nb\n", *small), "a\nb\ny\n");
}

TEST(Diff, WorstCaseWithinDefaultLimitsIsBounded) {
  std::string a, b;
  for (int i = 0; i < static_cast<int>(kMaxDiffLines); ++i) a.append("v").append(std::to_string(i % 1000)).append("\n");
  for (int i = static_cast<int>(kMaxDiffLines) - 1; i >= 0; --i) b.append("v").append(std::to_string((i * 7) % 1000)).append("\n");
  auto t0 = std::chrono::steady_clock::now();
  auto r = diff_lines(a, b);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(r.ok() || r.error().code == Errc::too_large);
  std::printf("[ measured ] 200,000-line shuffled worst case: %s in %.0f ms\n", r.ok() ? "diffed" : "too_large", ms);
  RecordProperty("worst_case_ms", static_cast<int>(ms));
}

TEST(Diff, CompletelyDifferentLargeTextsAreCheap) {
  std::string a, b;
  for (int i = 0; i < static_cast<int>(kMaxDiffLines); ++i) a.append("old ").append(std::to_string(i)).append("\n"), b.append("new ").append(std::to_string(i)).append("\n");
  auto r = diff_lines(a, b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->lines_removed, static_cast<std::size_t>(kMaxDiffLines));
  EXPECT_EQ(rebuild(a, *r), b);
}

// The largest cppdocs page: an edit every ~50 lines, and the page against its reverse.
TEST(Diff, LargestCppdocsPageTiming) {
  ZKWIKI_REQUIRE_SHARED(dir, "corpus/cppdocs-subset/docs/standard-library/algorithm-functions.md");
  std::string a = test::read_file(dir);
  std::string b;
  std::size_t n = 0;
  for (std::size_t pos = 0; pos < a.size(); ++n) {
    std::size_t end = a.find('\n', pos);
    end = end == std::string::npos ? a.size() : end + 1;
    if (n % 50 == 7) b.append("edited line ").append(std::to_string(n)).append("\n");
    else if (n % 50 != 30) b += a.substr(pos, end - pos);
    pos = end;
  }
  auto t0 = std::chrono::steady_clock::now();
  auto r = unified_diff(a, b, "algorithm-functions.md");
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(r.ok());
  std::vector<std::string> lines;
  for (std::size_t pos = 0; pos < a.size();) {
    std::size_t end = a.find('\n', pos);
    end = end == std::string::npos ? a.size() : end + 1;
    lines.push_back(a.substr(pos, end - pos));
    pos = end;
  }
  std::string rev;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) rev += *it;
  auto t1 = std::chrono::steady_clock::now();
  auto r2 = diff_lines(a, rev);
  double ms2 = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count();
  EXPECT_TRUE(r2.ok() || r2.error().code == Errc::too_large);
  std::printf("[ measured ] algorithm-functions.md (%zu bytes, %zu lines): edited %.1f ms, reversed %.1f ms (%s)\n",
              a.size(), n, ms, ms2, r2.ok() ? "diffed" : "too_large");
  RecordProperty("edited_ms", static_cast<int>(ms));
}

}  // namespace
}  // namespace zkwiki

// merge3 against `git merge-file -p` on the same three texts.
//
// What is compared: clean/conflict status always; the exact text of clean merges always; the
// exact text with markers in --diff3 style (git does not refine diff3 conflicts, nor do we);
// the exact text with markers in the default style for the hand-written cases.
//
// Where we legitimately differ from git:
// - In the default style git re-diffs the two sides of a conflict and splits it around common
//   lines inside it; we only move common leading and trailing lines out. Conflict markers can
//   then enclose more lines than git's (status and clean text are unaffected).
// - When both sides' changes overlap and together come to the same text without being the same
//   single hunk, git --diff3 still shows a conflict; we take it as one identical change.
// - Where a line diff has several minimal solutions that sliding cannot reconcile (duplicated,
//   moved or repeated lines), dtl and git's Myers may pick different ones, which can change
//   which edits touch, hence the status or the text. The randomized test checks that every
//   disagreement is of this kind (same diff sizes as git, other hunks): 8 of 600 merges.
// None of the other three shows in the hand-written or randomized cases.
// - git also writes "\r\n" after markers in CRLF files; we always write "\n".
#include <gtest/gtest.h>

#include <sys/wait.h>

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


struct GitMerge {
  int conflicts = -1;  // git's exit status: the number of conflicts
  std::string text;
};

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/zkwiki-merge-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string write(const char* name, std::string_view text) const {
    std::ofstream(path / name, std::ios::binary) << text;
    return (path / name).string();
  }
};

GitMerge git_merge(std::string_view base, std::string_view ours, std::string_view theirs, MergeStyle style) {
  TempDir t;
  auto b = t.write("base", base), o = t.write("ours", ours), th = t.write("theirs", theirs);
  std::string cmd = "git merge-file -p ";
  if (style == MergeStyle::diff3) cmd += "--diff3 ";
  cmd += "-L ours -L base -L theirs " + o + " " + b + " " + th;
  GitMerge g;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return g;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) g.text.append(buf, n);
  int status = ::pclose(p);
  g.conflicts = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return g;
}

MergeResult mine(std::string_view base, std::string_view ours, std::string_view theirs, MergeStyle style) {
  MergeOptions o;
  o.style = style;
  auto r = merge3(base, ours, theirs, o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r).value() : MergeResult{};
}

struct Case {
  const char* name;
  std::string base, ours, theirs;
  bool clean;
};

std::vector<Case> hand_cases() {
  const std::string b = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
  return {
      {"non-overlapping edits", b, "1\nTWO\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\n5\n6\n7\nEIGHT\n9\n", true},
      {"edits two lines apart", b, "1\nTWO\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\nFOUR\n5\n6\n7\n8\n9\n", true},
      {"adjacent edits conflict", b, "1\nTWO\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\nTHREE\n4\n5\n6\n7\n8\n9\n", false},
      {"overlapping edits", b, "1\nTWO\nTHREE\n4\n5\n6\n7\n8\n9\n", "1\n2\nthree\nfour\n5\n6\n7\n8\n9\n", false},
      {"same edit both sides", b, "1\n2\nX\n4\n5\n6\n7\n8\n9\n", "1\n2\nX\n4\n5\n6\n7\n8\n9\n", true},
      {"delete versus edit", b, "1\n2\n4\n5\n6\n7\n8\n9\n", "1\n2\nTHREE\n4\n5\n6\n7\n8\n9\n", false},
      {"edit versus delete", b, "1\n2\nTHREE\n4\n5\n6\n7\n8\n9\n", "1\n2\n4\n5\n6\n7\n8\n9\n", false},
      {"both delete the same", b, "1\n2\n4\n5\n6\n7\n8\n9\n", "1\n2\n4\n5\n6\n7\n8\n9\n", true},
      {"both delete overlapping", b, "1\n2\n5\n6\n7\n8\n9\n", "1\n2\n3\n6\n7\n8\n9\n", false},
      {"insert at the same place", b, "1\n2\nours\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\ntheirs\n3\n4\n5\n6\n7\n8\n9\n", false},
      {"same insert at the same place", b, "1\n2\nnew\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\nnew\n3\n4\n5\n6\n7\n8\n9\n", true},
      {"insert next to an edit", b, "1\n2\nnew\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\nTHREE\n4\n5\n6\n7\n8\n9\n", false},
      {"inserts at both ends", b, "top\n" + b, b + "bottom\n", true},
      {"all empty", "", "", "", true},
      {"empty base, both add", "", "a\n", "b\n", false},
      {"empty base, one adds", "", "a\nb\n", "", true},
      {"one side empties the file", b, "", b, true},
      {"empty versus edit", b, "", "1\n2\n3\nFOUR\n5\n6\n7\n8\n9\n", false},
      {"no trailing newline, edit elsewhere", "a\nb\nc\nd\ne", "A\nb\nc\nd\ne", "a\nb\nc\nd\ne\n", true},
      {"no trailing newline, both edit last", "a\nb\nc", "a\nb\nC", "a\nb\nc!", false},
      {"no trailing newline in conflict", "a\nb\nc\n", "a\nb\nX", "a\nb\nY", false},
      {"common lines trimmed from a conflict", b, "1\n2\nA\nsame\nB\n4\n5\n6\n7\n8\n9\n", "1\n2\nC\nsame\nD\n4\n5\n6\n7\n8\n9\n", false},
      {"conflicts two lines apart join", b, "1\nX\n3\n4\nY\n6\n7\n8\n9\n", "1\nx\n3\n4\ny\n6\n7\n8\n9\n", false},
      {"conflicts far apart stay apart", b, "X\n2\n3\n4\n5\n6\n7\n8\nY\n", "x\n2\n3\n4\n5\n6\n7\n8\ny\n", false},
      {"one side only", b, "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", b, true},
  };
}

TEST(Merge, HandWrittenCasesMatchGitMergeFile) {
  REQUIRE_GIT();
  for (const auto& c : hand_cases()) {
    for (MergeStyle style : {MergeStyle::merge, MergeStyle::diff3}) {
      auto m = mine(c.base, c.ours, c.theirs, style);
      auto g = git_merge(c.base, c.ours, c.theirs, style);
      const char* s = style == MergeStyle::merge ? "merge" : "diff3";
      EXPECT_EQ(m.clean(), c.clean) << c.name << " (" << s << ")";
      EXPECT_EQ(m.clean(), g.conflicts == 0) << c.name << " (" << s << ")";
      EXPECT_EQ(m.text, g.text) << c.name << " (" << s << ")";
      if (g.conflicts > 0) {
        EXPECT_EQ(m.conflicts.size(), static_cast<std::size_t>(g.conflicts)) << c.name << " (" << s << ")";
      }
    }
  }
}

TEST(Merge, ConflictRegionsPointAtTheirMarkers) {
  const std::string b = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
  auto m = mine(b, "1\n2\n4\n5\n6\n7\n8\n9\n", "1\n2\nTHREE\n4\n5\n6\n7\n8\n9\n", MergeStyle::diff3);
  ASSERT_EQ(m.conflicts.size(), 1u);
  const auto& c = m.conflicts[0];
  EXPECT_EQ(c.base, (LineRange{2, 1}));
  EXPECT_EQ(c.ours, (LineRange{2, 0}));
  EXPECT_EQ(c.theirs, (LineRange{2, 1}));
  EXPECT_EQ(c.marker_line, 3u);
  EXPECT_EQ(m.text, "1\n2\n<<<<<<< ours\n||||||| base\n3\n=======\nTHREE\n>>>>>>> theirs\n4\n5\n6\n7\n8\n9\n");
}

TEST(Merge, DeleteVersusEditIsNeverSilent) {
  // dtl's own Diff3 lets the edit win here; we must not.
  auto m = mine("keep\nline\nkeep2\n", "keep\nkeep2\n", "keep\nline edited\nkeep2\n", MergeStyle::merge);
  EXPECT_FALSE(m.clean());
  EXPECT_NE(m.text.find("line edited"), std::string::npos);
}

// Properties on random texts over a few distinct lines (many repeats, so diffs are ambiguous).
TEST(Merge, IdentitiesAndSymmetryHold) {
  std::mt19937 rng(5);
  auto random_text = [&rng] {
    std::string t;
    int n = static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) t += std::string(1, static_cast<char>('a' + rng() % 4)) + "\n";
    if (rng() % 5 == 0) t += "z";
    return t;
  };
  for (int n = 0; n < 3000; ++n) {
    std::string b = random_text(), o = random_text(), t = random_text();
    auto only_ours = mine(b, o, b, MergeStyle::merge);
    EXPECT_TRUE(only_ours.clean());
    EXPECT_EQ(only_ours.text, o);
    auto only_theirs = mine(b, b, t, MergeStyle::merge);
    EXPECT_TRUE(only_theirs.clean());
    EXPECT_EQ(only_theirs.text, t);
    auto same = mine(b, o, o, MergeStyle::diff3);
    EXPECT_TRUE(same.clean());
    EXPECT_EQ(same.text, o);
    auto ot = mine(b, o, t, MergeStyle::diff3), to = mine(b, t, o, MergeStyle::diff3);
    ASSERT_EQ(ot.clean(), to.clean()) << b << "|" << o << "|" << t;
    if (ot.clean()) {
      EXPECT_EQ(ot.text, to.text);
    }
    EXPECT_EQ(ot.conflicts.size(), to.conflicts.size());
    EXPECT_EQ(mine(b, o, t, MergeStyle::merge).clean(), ot.clean());
  }
}

TEST(Merge, LimitsApply) {
  std::string big(kMaxDiffLines + 1, '\n');
  auto r = merge3(big, "", "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::too_large);
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  for (std::size_t pos = 0; pos < s.size();) {
    std::size_t nl = s.find('\n', pos);
    std::size_t end = nl == std::string::npos ? s.size() : nl + 1;
    out.push_back(s.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

// 1..max_edits random line edits: deletions (of up to 4 lines), insertions, replacements, the
// same replacement on both sides, blank lines, duplicated and moved lines (the last three make
// line diffs ambiguous), and now and then a missing final newline.
std::string random_edit(const std::string& text, std::mt19937& rng, const char* who, int max_edits) {
  auto lines = split(text);
  int edits = 1 + static_cast<int>(rng() % static_cast<unsigned>(max_edits));
  for (int k = 0; k < edits; ++k) {
    std::size_t at = lines.empty() ? 0 : rng() % lines.size();
    unsigned op = lines.empty() ? 1 : rng() % 8;
    auto it = lines.begin() + static_cast<long>(at);
    switch (op) {
      case 0: lines.erase(it); break;
      case 1: lines.insert(it, std::string(who) + " inserted " + std::to_string(rng() % 3) + "\n"); break;
      case 2: *it = std::string(who) + " replaced " + std::to_string(rng() % 3) + "\n"; break;
      case 3: *it = "common edit\n"; break;
      case 4: lines.insert(it, "\n"); break;
      case 5: lines.insert(it, lines[rng() % lines.size()]); break;
      case 6: lines.erase(it, it + static_cast<long>(std::min<std::size_t>(1 + rng() % 4, lines.size() - at))); break;
      case 7: {
        std::string moved = *it;
        lines.erase(it);
        lines.insert(lines.begin() + static_cast<long>(rng() % (lines.size() + 1)), moved);
        break;
      }
    }
  }
  std::string out;
  for (const auto& l : lines) out += l;
  if (rng() % 20 == 0 && !out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

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

// A line diff as its -U0 hunk headers plus its size (lines added + removed), ours and git's.
struct DiffShape {
  std::string headers;
  std::size_t size = 0;
};

DiffShape my_shape(std::string_view a, std::string_view b) {
  DiffOptions o;
  o.context = 0;
  auto d = diff_lines(a, b, o);
  DiffShape s;
  if (!d.ok()) return s;
  std::string text = format_unified_diff(*d, "x", "y");
  for (std::size_t pos = 0; (pos = text.find("\n@@ ", pos)) != std::string::npos; ++pos)
    s.headers += text.substr(pos + 1, text.find('\n', pos + 1) - pos);
  s.size = d->lines_added + d->lines_removed;
  return s;
}

DiffShape git_shape(std::string_view a, std::string_view b) {
  TempDir t;
  auto x = t.write("x", a), y = t.write("y", b);
  DiffShape s;
  std::string out = run("git diff --no-index --no-indent-heuristic -U0 " + x + " " + y);
  for (std::size_t pos = 0; (pos = out.find("\n@@ ", pos)) != std::string::npos; ++pos) {
    std::size_t close = out.find(" @@", pos + 4);
    s.headers += out.substr(pos + 1, close + 3 - pos - 1) + "\n";
  }
  std::string numstat = run("git diff --no-index --numstat " + x + " " + y);
  unsigned long added = 0, removed = 0;
  if (std::sscanf(numstat.c_str(), "%lu %lu", &added, &removed) == 2) s.size = added + removed;
  return s;
}

// When our merge and git's disagree, the reason must be that a line diff had several minimal
// solutions and dtl chose another one than git's Myers: one side's hunks differ from git's
// while both sides' diffs have exactly git's size.
bool explained_by_equal_size_diffs(const std::string& base, const std::string& ours, const std::string& theirs) {
  bool differs = false;
  for (const std::string* side : {&ours, &theirs}) {
    DiffShape m = my_shape(base, *side), g = git_shape(base, *side);
    if (m.size != g.size) return false;
    differs = differs || m.headers != g.headers;
  }
  return differs;
}

TEST(Merge, RandomEditsOfTldrPagesMatchGitMergeFile) {
  REQUIRE_GIT();
  ZKWIKI_REQUIRE_SHARED(dir, "corpus/tldr-en");
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::mt19937 rng(11);
  const int total = 600;
  int clean = 0, differs = 0;
  for (int n = 0; n < total; ++n) {
    std::string base = test::read_file(files[rng() % files.size()]);
    int max_edits = n % 3 == 2 ? 8 : 3;
    std::string ours = random_edit(base, rng, "ours", max_edits);
    std::string theirs = random_edit(base, rng, "theirs", max_edits);
    MergeStyle style = n % 2 ? MergeStyle::diff3 : MergeStyle::merge;
    auto m = mine(base, ours, theirs, style);
    auto g = git_merge(base, ours, theirs, style);
    clean += m.clean();
    bool status_differs = m.clean() != (g.conflicts == 0);
    // Default-style conflict text is compared in the hand-written cases only (see the top).
    bool text_differs = (m.clean() || style == MergeStyle::diff3) && m.text != g.text;
    if (!status_differs && !text_differs) continue;
    ++differs;
    EXPECT_TRUE(explained_by_equal_size_diffs(base, ours, theirs))
        << (status_differs ? "status" : "text") << " differs from git, not explained by an equally small diff\n"
        << "--- base\n" << base << "--- ours\n" << ours << "--- theirs\n" << theirs << "--- mine\n" << m.text
        << "--- git\n" << g.text;
  }
  // Measured: 1-2% of these merges, all explained; far fewer with light edits only.
  EXPECT_LE(differs * 100, total * 4);
  std::printf("[ measured ] %d random merges (%d clean): %d differ from git merge-file, each explained by an "
              "equally small but different line diff\n", total, clean, differs);
}

}  // namespace
}  // namespace zkwiki

// merge3 against `git merge-file -p` on the same three texts.
//
// What is compared: clean/conflict status always; the exact text of clean merges always; the
// exact text with markers in --diff3 style (git does not refine diff3 conflicts, nor do we);
// the exact text with markers in the default style for the hand-written cases.
//
// Where we legitimately differ from git (none of it shows in the cases below):
// - In the default style git re-diffs the two sides of a conflict and splits it around common
//   lines inside it; we only move common leading and trailing lines out. Conflict markers can
//   then enclose more lines than git's (status and clean text are unaffected).
// - When both sides' changes overlap and together come to the same text without being the same
//   single hunk, git --diff3 still shows a conflict; we take it as one identical change.
// - Where several minimal line diffs exist that sliding cannot reconcile (moved duplicate
//   lines), dtl and git's Myers may choose differently, which can change which edits touch.
//   The randomized test counts such cases and allows a small share.
// - git also writes "\r\n" after markers in CRLF files; we always write "\n".
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "support/test_paths.h"
#include "zkwiki/diff.h"

namespace zkwiki {
namespace {

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

std::string random_edit(const std::string& text, std::mt19937& rng, const char* who) {
  auto lines = split(text);
  int edits = 1 + static_cast<int>(rng() % 3);
  for (int k = 0; k < edits; ++k) {
    std::size_t at = lines.empty() ? 0 : rng() % lines.size();
    unsigned op = lines.empty() ? 1 : rng() % 5;
    switch (op) {
      case 0: lines.erase(lines.begin() + static_cast<long>(at)); break;
      case 1: lines.insert(lines.begin() + static_cast<long>(at), std::string(who) + " inserted " + std::to_string(rng() % 4) + "\n"); break;
      case 2: lines[at] = std::string(who) + " replaced " + std::to_string(rng() % 4) + "\n"; break;
      case 3: lines[at] = "common edit\n"; break;  // the same change on both sides, sometimes
      case 4: lines.insert(lines.begin() + static_cast<long>(at), "\n"); break;  // an ambiguous blank line
    }
  }
  std::string out;
  for (const auto& l : lines) out += l;
  if (rng() % 20 == 0 && !out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

TEST(Merge, RandomEditsOfTldrPagesMatchGitMergeFile) {
  ZKWIKI_REQUIRE_SHARED(dir, "corpus/tldr-en");
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::mt19937 rng(11);
  int total = 0, clean = 0, status_diff = 0, text_diff = 0;
  for (int n = 0; n < 400; ++n) {
    std::string base = test::read_file(files[rng() % files.size()]);
    std::string ours = random_edit(base, rng, "ours");
    std::string theirs = random_edit(base, rng, "theirs");
    MergeStyle style = n % 2 ? MergeStyle::diff3 : MergeStyle::merge;
    auto m = mine(base, ours, theirs, style);
    auto g = git_merge(base, ours, theirs, style);
    ++total;
    clean += m.clean();
    if (m.clean() != (g.conflicts == 0)) {
      ++status_diff;
      ADD_FAILURE() << "status differs from git\n--- base\n" << base << "--- ours\n" << ours << "--- theirs\n" << theirs
                    << "--- mine\n" << m.text << "--- git\n" << g.text;
    } else if ((m.clean() || style == MergeStyle::diff3) && m.text != g.text) {
      ++text_diff;
      ADD_FAILURE() << "text differs from git\n--- base\n" << base << "--- ours\n" << ours << "--- theirs\n" << theirs
                    << "--- mine\n" << m.text << "--- git\n" << g.text;
    }
  }
  std::printf("[ measured ] %d random merges: %d clean, %d conflicted; status differs from git in %d, text in %d\n", total,
              clean, total - clean, status_diff, text_diff);
}

}  // namespace
}  // namespace zkwiki

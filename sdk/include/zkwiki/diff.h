// Line-based diff and three-way merge of page plaintext, computed on the client.
//
// Texts are split into lines after each '\n'; a final line without '\n' is a line of its own
// ("x" and "x\n" differ, as in git). The longest common subsequence comes from dtl (O(NP)),
// run on interned line ids after trimming the common prefix and suffix and setting aside lines
// that occur on one side only; change groups are then slid like git's xdiff does (down as far
// as possible, or up to line up with a change on the other side), so ambiguous hunks land where
// `git diff` and `git merge-file` put them.
//
// Bounds: each input is limited in bytes and lines, and the LCS search in work (comparisons,
// roughly (M+N) x edit distance). Past any limit the functions return Errc::too_large with a
// message naming the limit — never a partial or wrong diff. Callers show "files differ (too
// large to diff)" in that case. No I/O, no threads; all functions are reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "zkwiki/result.h"

namespace zkwiki {

inline constexpr std::size_t kMaxDiffBytes = 16u * 1024 * 1024;  // per input text
inline constexpr std::size_t kMaxDiffLines = 200'000;            // per input text
// Line comparisons in the LCS search; also always kept below dtl's 2,000,000 path points minus
// the lines searched (about 48 MB of path at most, ~40 ms natively when exhausted).
inline constexpr std::uint64_t kMaxDiffWork = 1'500'000;

struct DiffLimits {
  std::size_t max_bytes = kMaxDiffBytes;
  std::size_t max_lines = kMaxDiffLines;
  std::uint64_t max_work = kMaxDiffWork;
};

enum class DiffOp : std::uint8_t { context, removed, added };

struct DiffLine {
  DiffOp op = DiffOp::context;
  std::size_t old_line = 0;  // 1-based line number in the old text; 0 for added lines
  std::size_t new_line = 0;  // 1-based line number in the new text; 0 for removed lines
  std::string text;          // the line without its '\n'
  bool no_newline = false;   // last line of its text, with no '\n' ("\ No newline at end of file")
  bool operator==(const DiffLine&) const = default;
};

// One "@@ -old_start,old_count +new_start,new_count @@" hunk. Starts are 1-based; when a count
// is 0 the start is the line before the hunk (0 at the top), exactly as in the header.
struct DiffHunk {
  std::size_t old_start = 0, old_count = 0;
  std::size_t new_start = 0, new_count = 0;
  std::vector<DiffLine> lines;
};

struct LineDiff {
  std::vector<DiffHunk> hunks;  // empty when the texts are identical
  std::size_t lines_added = 0;
  std::size_t lines_removed = 0;
};

struct DiffOptions {
  std::size_t context = 3;  // unchanged lines around each change; hunks closer than 2x merge
  DiffLimits limits;
};

// Structured hunks of the line diff from `old_text` to `new_text` (for the web app).
// Errors: too_large (an input over limits.max_bytes or max_lines, or the search over max_work);
// internal (dtl returned an edit script that does not hold; checked on every call, never seen).
Result<LineDiff> diff_lines(std::string_view old_text, std::string_view new_text,
                            const DiffOptions& options = {});

// `diff -u` / git text of a LineDiff: "--- OLD_LABEL\n+++ NEW_LABEL\n" then the hunks; an empty
// string when there are no hunks. Labels are used as given ("a/notes.md").
std::string format_unified_diff(const LineDiff& diff, std::string_view old_label,
                                std::string_view new_label);

// diff_lines + format_unified_diff with labels "a/PATH" and "b/PATH".
// Errors: as diff_lines.
Result<std::string> unified_diff(std::string_view old_text, std::string_view new_text,
                                 std::string_view path, const DiffOptions& options = {});

// ---- three-way merge ----

enum class MergeStyle : std::uint8_t {
  merge,  // <<<<<<< / ======= / >>>>>>>; lines common to both sides at the start and end of a
          // conflict are moved out of it, and conflicts at most 3 lines apart (or separated by
          // lines without letters or digits) are joined, as git's default does
  diff3,  // adds "||||||| base" and the base lines; conflicts are left as found (git --diff3)
};

struct MergeOptions {
  MergeStyle style = MergeStyle::merge;
  std::string_view ours_label = "ours";
  std::string_view base_label = "base";
  std::string_view theirs_label = "theirs";
  DiffLimits limits;
};

struct LineRange {
  std::size_t start = 0;  // 0-based first line
  std::size_t count = 0;
  bool operator==(const LineRange&) const = default;
};

// One conflict region: the lines of each input it covers, and where its "<<<<<<<" marker line
// is in the merged text (1-based). `ours` and `theirs` are exactly the lines between the
// markers; `base` spans the base lines of the changes involved (in MergeStyle::merge it is not
// narrowed when common lines are moved out).
struct MergeConflict {
  LineRange base, ours, theirs;
  std::size_t marker_line = 0;
  bool operator==(const MergeConflict&) const = default;
};

struct MergeResult {
  std::string text;                      // the merge; with markers when there are conflicts
  std::vector<MergeConflict> conflicts;  // in text order
  bool clean() const noexcept { return conflicts.empty(); }
};

// Three-way merge of `ours` and `theirs`, both derived from `base`. Changes of one side apply
// cleanly. Changes of both sides to the same or adjacent base lines (touching ranges, including
// an insertion right before or after the other side's change, and delete-versus-edit) conflict,
// unless both sides made the same change, which is taken once. A conflict is never resolved
// silently: it is written with markers and listed in `conflicts`.
// Labels are written after the markers as given. Lines are compared byte for byte ("\r\n" and
// "\n" differ); markers always end in "\n", and a side's last line gets a '\n' before a marker.
// Errors: too_large (as diff_lines, for either diff against the base). The client must then
// treat the pages as conflicting and keep both versions: a failed merge is never a silent win.
Result<MergeResult> merge3(std::string_view base, std::string_view ours, std::string_view theirs,
                           const MergeOptions& options = {});

}  // namespace zkwiki

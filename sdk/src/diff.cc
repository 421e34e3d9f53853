#include "zkwiki/diff.h"

#include <dtl/dtl.hpp>

#include <algorithm>
#include <charconv>
#include <unordered_map>
#include <utility>

namespace zkwiki {
namespace {

using Lines = std::vector<std::string_view>;

// Lines end after '\n'; a last line without '\n' is kept as is.
Lines split_lines(std::string_view text) {
  Lines out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    out.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

Result<Lines> split_checked(std::string_view text, const DiffLimits& limits, const char* which) {
  if (text.size() > limits.max_bytes)
    return make_error(Errc::too_large, std::string("diff: ") + which + " text is over " +
                                           std::to_string(limits.max_bytes) + " bytes");
  Lines lines = split_lines(text);
  if (lines.size() > limits.max_lines)
    return make_error(Errc::too_large, std::string("diff: ") + which + " text has more than " +
                                           std::to_string(limits.max_lines) + " lines");
  return lines;
}

// dtl comparator that counts comparisons. Past the budget it reports every pair as equal, which
// ends dtl's search in O(M+N); the caller then discards that result.
struct BudgetState {
  std::uint64_t left = 0;
  bool exhausted = false;
};
class BudgetCompare {
 public:
  BudgetCompare() = default;
  explicit BudgetCompare(BudgetState* s) : s_(s) {}
  bool impl(const std::uint32_t& a, const std::uint32_t& b) const {
    if (s_->exhausted) return true;
    if (s_->left == 0) {
      s_->exhausted = true;
      return true;
    }
    --s_->left;
    return a == b;
  }

 private:
  BudgetState* s_ = nullptr;
};

// Which lines of each side are not part of the common subsequence. Index i+1 holds line i;
// indices 0 and n+1 are always false (sentinels for the group walks below).
struct Changes {
  std::vector<std::uint32_t> ids_a, ids_b;  // interned line ids
  std::vector<char> ca, cb;
  std::size_t na = 0, nb = 0;
};

class Interner {
 public:
  std::uint32_t id(std::string_view s) {
    auto [it, inserted] = map_.try_emplace(s, static_cast<std::uint32_t>(map_.size()));
    return it->second;
  }
  std::size_t size() const { return map_.size(); }
  void reserve(std::size_t n) { map_.reserve(n); }

 private:
  std::unordered_map<std::string_view, std::uint32_t> map_;
};

// A run of changed lines in one side; for an empty group, start == end is the unchanged line
// it sits above. Moves over `changed` (with sentinels) of a side with n lines.
struct Group {
  std::size_t start = 0, end = 0;
};

class Side {
 public:
  Side(std::vector<char>& changed, const std::vector<std::uint32_t>& ids) : c_(changed), ids_(ids), n_(ids.size()) {}
  bool changed(std::size_t i) const { return c_[i + 1] != 0; }  // valid for i in [0, n]
  bool changed_before(std::size_t i) const { return c_[i] != 0; }  // line i-1; false for i == 0
  void set(std::size_t i, bool v) { c_[i + 1] = v ? 1 : 0; }

  Group first() const {
    Group g;
    while (changed(g.end)) ++g.end;
    return g;
  }
  bool next(Group& g) const {
    if (g.end == n_) return false;
    g.start = g.end + 1;
    g.end = g.start;
    while (changed(g.end)) ++g.end;
    return true;
  }
  bool previous(Group& g) const {
    if (g.start == 0) return false;
    g.end = g.start - 1;
    g.start = g.end;
    while (changed_before(g.start)) --g.start;
    return true;
  }
  // Slides g one line down if its first line equals the line after it (absorbing a group it meets).
  bool slide_down(Group& g) {
    if (g.end >= n_ || ids_[g.start] != ids_[g.end]) return false;
    set(g.start++, false);
    set(g.end++, true);
    while (changed(g.end)) ++g.end;
    return true;
  }
  bool slide_up(Group& g) {
    if (g.start == 0 || ids_[g.start - 1] != ids_[g.end - 1]) return false;
    set(--g.start, true);
    set(--g.end, false);
    while (changed_before(g.start)) --g.start;
    return true;
  }

 private:
  std::vector<char>& c_;
  const std::vector<std::uint32_t>& ids_;
  std::size_t n_;
};

// Slides each change group of `side` down as far as it goes, or back up to line up with the
// last change group of `other` it can align with — the placement git's xdiff chooses (without
// the indent heuristic), so hunks and merges agree with git where the LCS leaves a choice.
void compact(Side side, const Side& other) {
  Group g = side.first();
  Group go = other.first();
  for (;;) {
    if (g.end != g.start) {
      std::size_t size = 0, earliest_end = 0;
      bool matches_other = false;
      do {
        size = g.end - g.start;
        matches_other = false;
        while (side.slide_up(g)) other.previous(go);
        earliest_end = g.end;
        if (go.end > go.start) matches_other = true;
        while (side.slide_down(g)) {
          other.next(go);
          if (go.end > go.start) matches_other = true;
        }
      } while (size != g.end - g.start);
      if (g.end != earliest_end && matches_other) {
        while (go.end == go.start) {
          side.slide_up(g);
          other.previous(go);
        }
      }
    }
    if (!side.next(g)) break;
    other.next(go);
  }
}

Result<Changes> compute_changes(const Lines& a, const Lines& b, const DiffLimits& limits) {
  Changes ch;
  ch.na = a.size();
  ch.nb = b.size();
  ch.ca.assign(a.size() + 2, 0);
  ch.cb.assign(b.size() + 2, 0);
  Interner interner;
  interner.reserve(a.size() + b.size());
  ch.ids_a.reserve(a.size());
  ch.ids_b.reserve(b.size());
  for (auto s : a) ch.ids_a.push_back(interner.id(s));
  for (auto s : b) ch.ids_b.push_back(interner.id(s));

  // Common prefix and suffix never enter the search.
  std::size_t pre = 0;
  while (pre < a.size() && pre < b.size() && ch.ids_a[pre] == ch.ids_b[pre]) ++pre;
  std::size_t suf = 0;
  while (suf < a.size() - pre && suf < b.size() - pre &&
         ch.ids_a[a.size() - 1 - suf] == ch.ids_b[b.size() - 1 - suf])
    ++suf;
  const std::size_t a_end = a.size() - suf, b_end = b.size() - suf;
  for (std::size_t i = pre; i < a_end; ++i) ch.ca[i + 1] = 1;
  for (std::size_t j = pre; j < b_end; ++j) ch.cb[j + 1] = 1;

  // Lines present on one side only can never match: leave them out of the search.
  std::vector<std::uint32_t> count_a(interner.size(), 0), count_b(interner.size(), 0);
  for (std::size_t i = pre; i < a_end; ++i) ++count_a[ch.ids_a[i]];
  for (std::size_t j = pre; j < b_end; ++j) ++count_b[ch.ids_b[j]];
  std::vector<std::uint32_t> fa, fb;
  std::vector<std::size_t> map_a, map_b;
  for (std::size_t i = pre; i < a_end; ++i)
    if (count_b[ch.ids_a[i]] != 0) fa.push_back(ch.ids_a[i]), map_a.push_back(i);
  for (std::size_t j = pre; j < b_end; ++j)
    if (count_a[ch.ids_b[j]] != 0) fb.push_back(ch.ids_b[j]), map_b.push_back(j);

  if (!fa.empty() && !fb.empty()) {
    // dtl records one path point per snake and, past MAX_CORDINATES_SIZE points, restarts on the
    // rest of the texts; in dtl 1.20 that path reports wrong common pairs (measured on a
    // 10,256-line page against its reverse: 1,491 of 2,478 pairs unequal or out of order).
    // Every snake except those of the last round makes a comparison, so a budget below the
    // cap minus (M+N) keeps dtl off that path.
    const std::uint64_t cap = dtl::MAX_CORDINATES_SIZE - (fa.size() + fb.size()) - 16;
    const std::uint64_t budget_limit = std::min<std::uint64_t>(limits.max_work, cap);
    BudgetState budget{budget_limit, false};
    dtl::Diff<std::uint32_t, std::vector<std::uint32_t>, BudgetCompare> d(fa, fb, BudgetCompare(&budget));
    d.compose();
    if (budget.exhausted)
      return make_error(Errc::too_large, "diff: the texts differ too much to diff within " +
                                             std::to_string(budget_limit) + " line comparisons");
    // Common pairs must be equal lines in increasing order on both sides; anything else would
    // desynchronize the walks below, so it is checked, never assumed.
    long long last_a = 0, last_b = 0;
    for (const auto& [elem, info] : d.getSes().getSequence()) {
      if (info.type != dtl::SES_COMMON) continue;
      if (info.beforeIdx <= last_a || info.afterIdx <= last_b || info.beforeIdx > static_cast<long long>(fa.size()) ||
          info.afterIdx > static_cast<long long>(fb.size()) ||
          fa[static_cast<std::size_t>(info.beforeIdx - 1)] != fb[static_cast<std::size_t>(info.afterIdx - 1)])
        return make_error(Errc::internal, "diff: dtl returned an inconsistent edit script");
      last_a = info.beforeIdx;
      last_b = info.afterIdx;
      std::size_t i = map_a[static_cast<std::size_t>(info.beforeIdx - 1)];
      std::size_t j = map_b[static_cast<std::size_t>(info.afterIdx - 1)];
      ch.ca[i + 1] = 0;
      ch.cb[j + 1] = 0;
    }
  }
  compact(Side(ch.ca, ch.ids_a), Side(ch.cb, ch.ids_b));
  compact(Side(ch.cb, ch.ids_b), Side(ch.ca, ch.ids_a));
  return ch;
}

// One change: lines [a0, a0+an) of the old side replaced by [b0, b0+bn) of the new side.
struct Edit {
  std::size_t a0, an, b0, bn;
};

std::vector<Edit> build_script(const Changes& ch) {
  std::vector<Edit> out;
  std::size_t i = 0, j = 0;
  while (i < ch.na || j < ch.nb) {
    if (ch.ca[i + 1] || ch.cb[j + 1]) {
      Edit e{i, 0, j, 0};
      while (i < ch.na && ch.ca[i + 1]) ++i, ++e.an;
      while (j < ch.nb && ch.cb[j + 1]) ++j, ++e.bn;
      out.push_back(e);
    } else {
      ++i, ++j;
    }
  }
  return out;
}

bool ends_with_newline(std::string_view line) { return !line.empty() && line.back() == '\n'; }

DiffLine make_line(DiffOp op, std::size_t old_line, std::size_t new_line, std::string_view text) {
  DiffLine l;
  l.op = op;
  l.old_line = old_line;
  l.new_line = new_line;
  l.no_newline = !ends_with_newline(text);
  if (!l.no_newline) text.remove_suffix(1);
  l.text.assign(text);
  return l;
}

void append_number(std::string& out, std::size_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_range(std::string& out, std::size_t start, std::size_t count) {
  append_number(out, start);
  if (count != 1) {
    out += ',';
    append_number(out, count);
  }
}

// Whether n lines of x from xs equal n lines of y from ys.
bool same_lines(const Lines& x, std::size_t xs, const Lines& y, std::size_t ys, std::size_t n) {
  for (std::size_t k = 0; k < n; ++k)
    if (x[xs + k] != y[ys + k]) return false;
  return true;
}

bool has_alnum(std::string_view s) {
  for (unsigned char c : s)
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return false;
}

}  // namespace

Result<LineDiff> diff_lines(std::string_view old_text, std::string_view new_text, const DiffOptions& options) {
  ZKWIKI_ASSIGN(Lines a, split_checked(old_text, options.limits, "old"));
  ZKWIKI_ASSIGN(Lines b, split_checked(new_text, options.limits, "new"));
  ZKWIKI_ASSIGN(Changes ch, compute_changes(a, b, options.limits));
  std::vector<Edit> edits = build_script(ch);

  LineDiff out;
  const std::size_t ctx = options.context;
  std::size_t e = 0;
  while (e < edits.size()) {
    // Edits closer than 2*context unchanged lines share a hunk.
    std::size_t last = e;
    while (last + 1 < edits.size() &&
           edits[last + 1].a0 - (edits[last].a0 + edits[last].an) <= 2 * ctx)
      ++last;
    const Edit& first_edit = edits[e];
    const Edit& last_edit = edits[last];
    std::size_t lead = std::min(ctx, first_edit.a0);
    std::size_t a_begin = first_edit.a0 - lead, b_begin = first_edit.b0 - lead;
    std::size_t a_stop = std::min(a.size(), last_edit.a0 + last_edit.an + ctx);
    std::size_t trail = a_stop - (last_edit.a0 + last_edit.an);
    std::size_t b_stop = last_edit.b0 + last_edit.bn + trail;

    DiffHunk h;
    h.old_count = a_stop - a_begin;
    h.new_count = b_stop - b_begin;
    h.old_start = h.old_count == 0 ? a_begin : a_begin + 1;
    h.new_start = h.new_count == 0 ? b_begin : b_begin + 1;
    std::size_t i = a_begin, j = b_begin;
    for (std::size_t k = e; k <= last; ++k) {
      const Edit& ed = edits[k];
      for (; i < ed.a0; ++i, ++j) h.lines.push_back(make_line(DiffOp::context, i + 1, j + 1, a[i]));
      for (std::size_t n = 0; n < ed.an; ++n, ++i) h.lines.push_back(make_line(DiffOp::removed, i + 1, 0, a[i]));
      for (std::size_t n = 0; n < ed.bn; ++n, ++j) h.lines.push_back(make_line(DiffOp::added, 0, j + 1, b[j]));
      out.lines_removed += ed.an;
      out.lines_added += ed.bn;
    }
    for (; i < a_stop; ++i, ++j) h.lines.push_back(make_line(DiffOp::context, i + 1, j + 1, a[i]));
    out.hunks.push_back(std::move(h));
    e = last + 1;
  }
  return out;
}

std::string format_unified_diff(const LineDiff& diff, std::string_view old_label, std::string_view new_label) {
  std::string out;
  if (diff.hunks.empty()) return out;
  std::size_t size = 32 + old_label.size() + new_label.size();
  for (const auto& h : diff.hunks)
    for (const auto& l : h.lines) size += l.text.size() + 2;
  out.reserve(size);
  out.append("--- ").append(old_label).append("\n+++ ").append(new_label).append("\n");
  for (const auto& h : diff.hunks) {
    out += "@@ -";
    append_range(out, h.old_start, h.old_count);
    out += " +";
    append_range(out, h.new_start, h.new_count);
    out += " @@\n";
    for (const auto& l : h.lines) {
      out += l.op == DiffOp::context ? ' ' : l.op == DiffOp::removed ? '-' : '+';
      out += l.text;
      out += '\n';
      if (l.no_newline) out += "\\ No newline at end of file\n";
    }
  }
  return out;
}

Result<std::string> unified_diff(std::string_view old_text, std::string_view new_text, std::string_view path,
                                 const DiffOptions& options) {
  ZKWIKI_ASSIGN(LineDiff d, diff_lines(old_text, new_text, options));
  std::string a_label = "a/", b_label = "b/";
  a_label += path;
  b_label += path;
  return format_unified_diff(d, a_label, b_label);
}

// ---- merge3 ----

namespace {

struct SideEdit {
  std::size_t b0, b1;  // base range [b0, b1)
  std::size_t s0, s1;  // side range [s0, s1)
  int side;            // 0 ours, 1 theirs
};

// A stretch of the merge, in text order.
enum class Kind : std::uint8_t {
  common,         // lines equal in all that matter: emitted from `ours`
  ours_change,    // a change of ours alone: emitted from `ours`
  theirs_change,  // a change of theirs alone: emitted from `theirs`
  conflict,
};
struct Region {
  Kind kind = Kind::common;
  LineRange base, ours, theirs;
};

void append_lines(std::string& out, const Lines& lines, std::size_t start, std::size_t count, bool add_nl) {
  for (std::size_t k = 0; k < count; ++k) out.append(lines[start + k]);
  if (add_nl && count > 0 && !ends_with_newline(lines[start + count - 1])) out += '\n';
}

void append_marker(std::string& out, char c, std::string_view label) {
  out.append(7, c);
  if (!label.empty()) out.append(" ").append(label);
  out += '\n';
}

std::size_t count_newlines(std::string_view s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

}  // namespace

Result<MergeResult> merge3(std::string_view base_text, std::string_view ours_text, std::string_view theirs_text,
                           const MergeOptions& options) {
  ZKWIKI_ASSIGN(Lines base, split_checked(base_text, options.limits, "base"));
  ZKWIKI_ASSIGN(Lines ours, split_checked(ours_text, options.limits, "ours"));
  ZKWIKI_ASSIGN(Lines theirs, split_checked(theirs_text, options.limits, "theirs"));
  ZKWIKI_ASSIGN(Changes c_ours, compute_changes(base, ours, options.limits));
  ZKWIKI_ASSIGN(Changes c_theirs, compute_changes(base, theirs, options.limits));

  std::vector<SideEdit> edits;
  for (const Edit& e : build_script(c_ours)) edits.push_back({e.a0, e.a0 + e.an, e.b0, e.b0 + e.bn, 0});
  for (const Edit& e : build_script(c_theirs)) edits.push_back({e.a0, e.a0 + e.an, e.b0, e.b0 + e.bn, 1});
  std::stable_sort(edits.begin(), edits.end(), [](const SideEdit& x, const SideEdit& y) { return x.b0 < y.b0; });

  // Group edits whose base ranges overlap or touch; walk base, ours and theirs in step.
  std::vector<Region> regions;
  std::size_t bpos = 0;
  long long d_ours = 0, d_theirs = 0;  // side line index minus base line index outside changes
  auto shift = [](std::size_t v, long long d) { return static_cast<std::size_t>(static_cast<long long>(v) + d); };
  auto unchanged_upto = [&](std::size_t upto) {
    if (upto > bpos) {
      LineRange b{bpos, upto - bpos};
      regions.push_back(Region{Kind::common, b, {shift(bpos, d_ours), b.count}, {shift(bpos, d_theirs), b.count}});
    }
  };
  for (std::size_t k = 0; k < edits.size();) {
    std::size_t lo = edits[k].b0, hi = edits[k].b1;
    std::size_t last = k;
    bool touched[2] = {false, false};
    long long grow[2] = {0, 0};
    for (; last < edits.size() && (last == k || edits[last].b0 <= hi); ++last) {
      const SideEdit& e = edits[last];
      hi = std::max(hi, e.b1);
      touched[e.side] = true;
      grow[e.side] += static_cast<long long>(e.s1 - e.s0) - static_cast<long long>(e.b1 - e.b0);
    }
    unchanged_upto(lo);
    Region r;
    r.base = {lo, hi - lo};
    r.ours = {shift(lo, d_ours), shift(hi - lo, grow[0])};
    r.theirs = {shift(lo, d_theirs), shift(hi - lo, grow[1])};
    if (touched[0] && touched[1]) {
      bool same = r.ours.count == r.theirs.count && same_lines(ours, r.ours.start, theirs, r.theirs.start, r.ours.count);
      r.kind = same ? Kind::common : Kind::conflict;  // the same change on both sides is taken once
    } else {
      r.kind = touched[0] ? Kind::ours_change : Kind::theirs_change;
    }
    regions.push_back(r);
    d_ours += grow[0];
    d_theirs += grow[1];
    bpos = hi;
    k = last;
  }
  unchanged_upto(base.size());

  const bool merge_style = options.style == MergeStyle::merge;
  if (merge_style) {
    // Lines both sides agree on at either end of a conflict are not part of it.
    std::vector<Region> refined;
    for (const Region& r : regions) {
      if (r.kind != Kind::conflict) {
        refined.push_back(r);
        continue;
      }
      Region c = r;
      std::size_t pre = 0;
      while (pre < c.ours.count && pre < c.theirs.count && ours[c.ours.start + pre] == theirs[c.theirs.start + pre]) ++pre;
      std::size_t suf = 0;
      while (suf < c.ours.count - pre && suf < c.theirs.count - pre &&
             ours[c.ours.start + c.ours.count - 1 - suf] == theirs[c.theirs.start + c.theirs.count - 1 - suf])
        ++suf;
      if (pre > 0) refined.push_back(Region{Kind::common, {}, {c.ours.start, pre}, {c.theirs.start, pre}});
      c.ours = {c.ours.start + pre, c.ours.count - pre - suf};
      c.theirs = {c.theirs.start + pre, c.theirs.count - pre - suf};
      refined.push_back(c);
      if (suf > 0)
        refined.push_back(Region{Kind::common, {}, {c.ours.start + c.ours.count, suf}, {c.theirs.start + c.theirs.count, suf}});
    }
    // Conflicts separated only by common lines, at most 3 of them or none with a letter or
    // digit, become one conflict (those lines then appear on both sides of it).
    std::vector<Region> joined;
    for (const Region& r : refined) {
      if (r.kind == Kind::conflict) {
        std::size_t p = joined.size();
        while (p > 0 && joined[p - 1].kind == Kind::common) --p;
        if (p > 0 && joined[p - 1].kind == Kind::conflict) {
          std::size_t between = 0;
          bool alnum = false;
          for (std::size_t q = p; q < joined.size(); ++q) {
            between += joined[q].ours.count;
            for (std::size_t n = 0; n < joined[q].ours.count; ++n) alnum = alnum || has_alnum(ours[joined[q].ours.start + n]);
          }
          if (between <= 3 || !alnum) {
            joined.resize(p);
            Region& c = joined.back();
            c.ours.count = r.ours.start + r.ours.count - c.ours.start;
            c.theirs.count = r.theirs.start + r.theirs.count - c.theirs.start;
            c.base.count = r.base.start + r.base.count - c.base.start;
            continue;
          }
        }
      }
      joined.push_back(r);
    }
    regions = std::move(joined);
  }

  MergeResult result;
  std::string& out = result.text;
  out.reserve(std::max(ours_text.size(), theirs_text.size()) + 64);
  std::size_t line = 0;  // lines written so far
  for (const Region& r : regions) {
    if (r.kind != Kind::conflict) {
      bool from_theirs = r.kind == Kind::theirs_change;
      const LineRange& range = from_theirs ? r.theirs : r.ours;
      std::size_t before = out.size();
      append_lines(out, from_theirs ? theirs : ours, range.start, range.count, false);
      line += count_newlines(std::string_view(out).substr(before));
      continue;
    }
    // A line without '\n' before a marker gets one, as git does.
    if (!out.empty() && out.back() != '\n') out += '\n', ++line;
    MergeConflict c{r.base, r.ours, r.theirs, line + 1};
    std::size_t before = out.size();
    append_marker(out, '<', options.ours_label);
    append_lines(out, ours, r.ours.start, r.ours.count, true);
    if (!merge_style) {
      append_marker(out, '|', options.base_label);
      append_lines(out, base, r.base.start, r.base.count, true);
    }
    append_marker(out, '=', {});
    append_lines(out, theirs, r.theirs.start, r.theirs.count, true);
    append_marker(out, '>', options.theirs_label);
    line += count_newlines(std::string_view(out).substr(before));
    result.conflicts.push_back(c);
  }
  return result;
}

}  // namespace zkwiki

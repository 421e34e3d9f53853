// Query parsing and snippets (search.h).
#include <algorithm>
#include <cctype>
#include <cstdint>

#include "search_internal.h"

namespace zkwiki {
namespace search_internal {
namespace {

class CollectSink final : public TokenSink {
 public:
  explicit CollectSink(std::vector<std::string>& out) : out_(out) {}
  void on_token(const Token& t) override {
    // Parts of a code identifier share its position: a query word gives each term once.
    if (!out_.empty() && t.position == last_ && have_) return;
    out_.emplace_back(t.term);
    last_ = t.position;
    have_ = true;
  }

 private:
  std::vector<std::string>& out_;
  std::uint32_t last_ = 0;
  bool have_ = false;
};

bool starts_with_ci(std::string_view s, std::string_view p) {
  if (s.size() < p.size()) return false;
  for (std::size_t i = 0; i < p.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != p[i]) return false;
  return true;
}

}  // namespace

Result<void> parse_query(std::string_view query, const SearchOptions& options, Tokenizer& tokenizer,
                         std::vector<Clause>& out) {
  out.clear();
  if (query.size() > kMaxQueryBytes)
    return make_error(Errc::invalid_argument, "query longer than " + std::to_string(kMaxQueryBytes) + " bytes");
  if (!valid_text(query)) return make_error(Errc::invalid_argument, "query is not valid UTF-8 text");
  std::vector<std::string> terms;
  bool pending_or = false;
  std::size_t last_plain = SIZE_MAX;  // the clause of the last plain word, for prefix_last
  auto add_alt = [&](Alternative alt, bool negated) {
    if (pending_or && !negated && !out.empty() && !out.back().negated) {
      out.back().alts.push_back(std::move(alt));
    } else {
      Clause c;
      c.negated = negated;
      c.alts.push_back(std::move(alt));
      out.push_back(std::move(c));
    }
    pending_or = false;
  };
  std::size_t i = 0;
  while (i < query.size()) {
    char c = query[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    bool negated = false;
    if (c == '-' && i + 1 < query.size() && query[i + 1] != ' ') {
      negated = true;
      ++i;
    }
    bool phrase = false;
    std::string_view raw;
    if (query[i] == '"') {
      std::size_t close = query.find('"', i + 1);
      std::size_t e = close == std::string_view::npos ? query.size() : close;
      raw = query.substr(i + 1, e - i - 1);
      i = close == std::string_view::npos ? query.size() : close + 1;
      phrase = true;
    } else {
      std::size_t e = i;
      while (e < query.size() && query[e] != ' ' && query[e] != '\t' && query[e] != '\n' && query[e] != '\r') ++e;
      raw = query.substr(i, e - i);
      i = e;
    }
    if (!phrase && !negated && raw == "OR") {
      pending_or = !out.empty();
      continue;
    }
    Alternative alt;
    if (!phrase && starts_with_ci(raw, "path:") && raw.size() > 5) {
      alt.kind = AltKind::path;
      alt.path = std::string(raw.substr(5));
      add_alt(std::move(alt), negated);
      continue;
    }
    AltKind field_kind = AltKind::term;
    if (!phrase && starts_with_ci(raw, "title:") && raw.size() > 6) {
      field_kind = AltKind::title;
      raw.remove_prefix(6);
    } else if (!phrase && starts_with_ci(raw, "tag:") && raw.size() > 4) {
      field_kind = AltKind::tag;
      raw.remove_prefix(4);
    }
    bool star = !phrase && raw.size() > 1 && raw.back() == '*';
    if (star) raw.remove_suffix(1);
    terms.clear();
    CollectSink sink(terms);
    std::uint32_t pos = 0;
    tokenizer.tokenize_text(raw, TokenField::body, sink, pos);
    if (terms.empty()) {
      pending_or = false;
      continue;
    }
    if (field_kind != AltKind::term) {
      for (auto& t : terms) {
        Alternative a;
        a.kind = field_kind;
        a.terms.push_back(std::move(t));
        add_alt(std::move(a), negated);
      }
      continue;
    }
    if (terms.size() > 1) {
      alt.kind = AltKind::phrase;
      alt.terms = terms;
      if (star) {
        // "foo-ba*": the words, the last as a prefix; no phrase check.
        alt.kind = AltKind::term;
        alt.terms.clear();
        for (std::size_t k = 0; k + 1 < terms.size(); ++k) {
          Alternative a;
          a.terms.push_back(terms[k]);
          add_alt(std::move(a), negated);
        }
        alt.kind = AltKind::prefix;
        alt.terms.push_back(terms.back());
      }
    } else {
      alt.kind = star ? AltKind::prefix : AltKind::term;
      alt.terms.push_back(std::move(terms[0]));
    }
    bool plain = !phrase && !negated && alt.kind == AltKind::term;
    add_alt(std::move(alt), negated);
    last_plain = plain ? out.size() - 1 : SIZE_MAX;
    if (out.size() > kMaxQueryClauses)
      return make_error(Errc::invalid_argument, "query has more than " + std::to_string(kMaxQueryClauses) + " clauses");
  }
  if (out.size() > kMaxQueryClauses)
    return make_error(Errc::invalid_argument, "query has more than " + std::to_string(kMaxQueryClauses) + " clauses");
  // Type-ahead: the word being typed (the query's last plain word) matches as a prefix.
  if (options.prefix_last && last_plain != SIZE_MAX && last_plain + 1 == out.size() &&
      out.back().alts.back().kind == AltKind::term)
    out.back().alts.back().kind = AltKind::prefix;
  return {};
}

}  // namespace search_internal

using namespace search_internal;

namespace {

class SnippetSink final : public TokenSink {
 public:
  SnippetSink(const std::vector<Clause>& clauses, const SearchOptions& options) : clauses_(clauses), options_(options) {}
  void on_token(const Token& t) override {
    int which = 0;
    for (const Clause& c : clauses_) {
      if (c.negated) continue;
      for (const Alternative& a : c.alts) {
        for (const auto& q : a.terms) {
          ++which;
          bool hit = t.term == q || (a.kind == AltKind::prefix && t.term.starts_with(q)) ||
                     (options_.typos && a.kind == AltKind::term && term_characters(q) >= 5 && within_one_edit(q, t.term));
          if (hit) {
            matches.push_back({t.begin, t.end, which});
            return;
          }
        }
      }
    }
  }
  struct Match {
    std::uint32_t begin, end;
    int term;
  };
  std::vector<Match> matches;

 private:
  const std::vector<Clause>& clauses_;
  const SearchOptions& options_;
};

bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

Snippet make_snippet(std::string_view body, std::string_view query, const SearchOptions& options,
                     std::size_t max_bytes) {
  Snippet out;
  Tokenizer tokenizer;
  std::string plain;
  tokenizer.markdown_plain_text(body, plain);
  for (char& c : plain)
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  std::vector<Clause> clauses;
  SnippetSink sink(clauses, options);
  if (parse_query(query, options, tokenizer, clauses)) {
    std::uint32_t pos = 0;
    tokenizer.tokenize_text(plain, TokenField::body, sink, pos);
  }
  // The window that starts at a match and holds the most distinct matched words.
  std::size_t best = 0, best_count = 0;
  for (std::size_t a = 0; a < sink.matches.size(); ++a) {
    std::vector<int> seen;
    for (std::size_t b = a; b < sink.matches.size() && sink.matches[b].end - sink.matches[a].begin <= max_bytes; ++b)
      if (std::find(seen.begin(), seen.end(), sink.matches[b].term) == seen.end()) seen.push_back(sink.matches[b].term);
    if (seen.size() > best_count) best_count = seen.size(), best = a;
  }
  std::size_t start = 0;
  if (best_count > 0) {
    // A little context before the first match, starting at a word.
    std::size_t m = sink.matches[best].begin;
    start = m > max_bytes / 4 ? m - max_bytes / 4 : 0;
    while (start > 0 && start < m && plain[start - 1] != ' ') ++start;
  }
  while (start < plain.size() && plain[start] == ' ') ++start;
  std::size_t end = std::min(plain.size(), start + max_bytes);
  if (end < plain.size()) {
    std::size_t space = plain.rfind(' ', end);
    if (space != std::string::npos && space > start + max_bytes / 2) end = space;
    while (end > start && continuation(plain[end])) --end;
  }
  out.text = plain.substr(start, end - start);
  for (const auto& m : sink.matches)
    if (m.begin >= start && m.end <= end)
      out.highlights.emplace_back(static_cast<std::uint32_t>(m.begin - start), static_cast<std::uint32_t>(m.end - start));
  return out;
}

}  // namespace zkwiki

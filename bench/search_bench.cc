// zkwiki-bench search QUERIES.json [--json]: the search index over the corpus a query set names
// (`root`, `spec.docOrder`, `spec.title`), replaying its one-term, AND and prefix queries
// (top 10). Prints build time, encoded and sealed size, load time (open the sealed segment and
// decode it), and p50/p95 per query kind. bench/search_compare.mjs runs this beside MiniSearch
// and FlexSearch on the same corpus and queries and prints the ratios.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "zkwiki/envelope.h"
#include "zkwiki/keyset.h"
#include "zkwiki/search.h"

namespace zkwiki::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

struct Page {
  std::string path, title, body;
  PageId id;
};

// The query set's rules: every *.md under root, sorted by relative path (byte order); the title
// is the text after "# " on the first line that starts so, else the file name without ".md".
std::vector<Page> load_corpus(const fs::path& root) {
  std::vector<Page> pages;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || e.path().extension() != ".md") continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    Page p;
    p.path = fs::relative(e.path(), root).generic_string();
    p.body = s.str();
    std::size_t pos = 0;
    while (pos < p.body.size()) {
      std::size_t eol = p.body.find('\n', pos);
      if (eol == std::string::npos) eol = p.body.size();
      std::string_view line(p.body.data() + pos, eol - pos);
      if (line.starts_with("# ")) {
        line.remove_prefix(2);
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
        while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t')) line.remove_suffix(1);
        p.title = std::string(line);
        break;
      }
      pos = eol + 1;
    }
    if (p.title.empty()) p.title = e.path().stem().string();
    pages.push_back(std::move(p));
  }
  std::sort(pages.begin(), pages.end(), [](const Page& a, const Page& b) { return a.path < b.path; });
  for (std::size_t i = 0; i < pages.size(); ++i) {
    // Deterministic ids, so runs are comparable.
    for (std::size_t b = 0; b < 8; ++b) pages[i].id.bytes[b] = static_cast<std::uint8_t>((i + 1) >> (8 * b));
  }
  return pages;
}

struct Latency {
  double p50 = 0, p95 = 0, mean = 0;
  std::uint64_t hits = 0;
};

Latency replay(SearchIndex& index, const json& queries, bool prefix) {
  std::vector<double> us;
  std::vector<SearchHit> out;
  SearchOptions options;
  options.limit = 10;
  options.prefix_last = prefix;
  Latency l;
  for (const auto& q : queries) {
    std::string text = q["q"];
    auto t = Clock::now();
    auto r = index.search(text, options, out);
    double d = std::chrono::duration<double, std::micro>(Clock::now() - t).count();
    if (!r) {
      std::fprintf(stderr, "query %s: %s\n", text.c_str(), r.error().message.c_str());
      continue;
    }
    us.push_back(d);
    l.hits += out.size();
  }
  std::sort(us.begin(), us.end());
  if (!us.empty()) {
    l.p50 = us[us.size() / 2];
    l.p95 = us[std::min(us.size() - 1, us.size() * 95 / 100)];
    for (double d : us) l.mean += d;
    l.mean /= static_cast<double>(us.size());
  }
  return l;
}

}  // namespace

int run_search(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: zkwiki-bench search QUERIES.json [--json]\n");
    return 2;
  }
  bool as_json = argc > 2 && std::string(argv[2]) == "--json";
  std::ifstream qin(argv[1]);
  json qs = json::parse(qin, nullptr, false);
  if (qs.is_discarded()) {
    std::fprintf(stderr, "zkwiki-bench search: %s is not JSON\n", argv[1]);
    return 1;
  }
  fs::path root = qs["root"].get<std::string>();
  if (!fs::is_directory(root)) {
    std::fprintf(stderr, "zkwiki-bench search: corpus %s not found (run from the repository root)\n", root.c_str());
    return 1;
  }
  auto pages = load_corpus(root);

  // Build: every page, then one flush (the tokenizer, the dictionary, the encoding).
  auto t0 = Clock::now();
  SearchIndex index;
  for (const auto& p : pages) {
    auto r = index.put(SearchDocument{p.id, 1, p.path, p.title, {}, p.body});
    if (!r) {
      std::fprintf(stderr, "put %s: %s\n", p.path.c_str(), r.error().message.c_str());
      return 1;
    }
  }
  index.flush();
  double build_ms = ms_since(t0);
  auto infos = index.segments();
  std::vector<std::uint8_t> encoded(index.segment_bytes(0).begin(), index.segment_bytes(0).end());

  // Seal as the client does (one envelope per segment), then load: open + decode.
  WorkspaceId ws = WorkspaceId::random();
  CollectionId c = CollectionId::random();
  Keyset keys = Keyset::create(KeyScope::for_collection(ws, c));
  EnvelopeContext ctx{ContentKind::index_segment, ws, c, PageId{}, 1, Hash256{}};
  auto sealed = seal_envelope(ctx, keys, encoded);
  if (!sealed) return 1;
  double load_ms = 1e9;
  SearchIndex loaded;
  for (int round = 0; round < 5; ++round) {
    auto t1 = Clock::now();
    auto plain = open_envelope(ctx, keys, *sealed);
    if (!plain) return 1;
    SearchIndex fresh;
    if (auto r = fresh.add_segment(std::move(plain).value()); !r) {
      std::fprintf(stderr, "load: %s\n", r.error().message.c_str());
      return 1;
    }
    load_ms = std::min(load_ms, ms_since(t1));
    loaded = std::move(fresh);
  }

  // Queries on the loaded index: warm up, then each kind.
  for (const char* kind : {"one", "and", "prefix"}) replay(loaded, qs["warmup"][kind], std::string(kind) == "prefix");
  Latency one = replay(loaded, qs["queries"]["one"], false);
  Latency both = replay(loaded, qs["queries"]["and"], false);
  Latency prefix = replay(loaded, qs["queries"]["prefix"], true);

  if (as_json) {
    json out = {{"library", "zkwiki"},
                {"docs", pages.size()},
                {"build_ms", build_ms},
                {"serialized_bytes", encoded.size()},
                {"sealed_bytes", sealed->size()},
                {"load_ms", load_ms},
                {"terms_segments", infos.size()}};
    for (auto [name, l] : {std::pair{"one", one}, std::pair{"and", both}, std::pair{"prefix", prefix}})
      out["queries"][name] = {{"p50_us", l.p50}, {"p95_us", l.p95}, {"mean_us", l.mean}, {"hits", l.hits}};
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  std::printf("corpus %s: %zu pages\n", root.c_str(), pages.size());
  std::printf("build %.0f ms; segment %zu bytes, sealed %zu bytes; load %.1f ms\n", build_ms, encoded.size(),
              sealed->size(), load_ms);
  for (auto [name, l] : {std::pair{"one", one}, std::pair{"and", both}, std::pair{"prefix", prefix}})
    std::printf("%-6s p50 %7.1f us  p95 %7.1f us  mean %7.1f us  (%llu hits)\n", name, l.p50, l.p95, l.mean,
                static_cast<unsigned long long>(l.hits));
  return 0;
}

}  // namespace zkwiki::bench

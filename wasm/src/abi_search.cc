// The C ABI's local search index (abi.h): a zkwiki::SearchIndex behind a handle, with no keys
// and no I/O. It searches segments built anywhere (natively, by another device) byte for byte
// as the client does, and lets benchmarks time the query path alone.
#include <charconv>
#include <cstring>
#include <map>
#include <memory>
#include <string_view>
#include <vector>

#include "abi.h"
#include "abi_common.h"
#include "zkwiki/search.h"

using namespace zkwiki;
using namespace zkwiki::wasm;

namespace {

std::map<std::int32_t, std::unique_ptr<SearchIndex>>& indexes() {
  static std::map<std::int32_t, std::unique_ptr<SearchIndex>> m;
  return m;
}

SearchIndex* index_of(std::int32_t h) {
  auto it = indexes().find(h);
  return it == indexes().end() ? nullptr : it->second.get();
}

// A query's results as JSON text, written by hand: building them as nlohmann values was 80%
// of a query's time here (a CPU profile of bench/wasm_bench.cjs), and so were std::string's
// appends after that (libc++ instantiates basic_string<char> in the library, out of line: a
// few calls per character); a vector's are inlined.
class JsonText {
 public:
  void clear() { b_.clear(); }
  void raw(std::string_view s) { b_.insert(b_.end(), s.begin(), s.end()); }
  void raw(char c) { b_.push_back(c); }
  template <class Int>
  void number(Int v) {
    char n[24];
    b_.insert(b_.end(), n, std::to_chars(n, n + sizeof n, v).ptr);
  }
  void string(std::string_view s) {
    static const char* const kHex = "0123456789abcdef";
    raw('"');
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      auto c = static_cast<unsigned char>(s[i]);
      if (c != '"' && c != '\\' && c >= 0x20) continue;
      raw(s.substr(run, i - run));
      run = i + 1;
      if (c >= 0x20) {
        raw('\\');
        raw(static_cast<char>(c));
      } else {
        raw(std::string_view{"\\u00"});
        raw(kHex[c >> 4]);
        raw(kHex[c & 15]);
      }
    }
    raw(s.substr(run));
    raw('"');
  }
  std::string_view text() const { return {b_.data(), b_.size()}; }

 private:
  std::vector<char> b_;
};

std::int32_t no_index() { return fail(Errc::invalid_argument, "no such search index (freed, or never made)"); }

}  // namespace

extern "C" {

int32_t zkw_index_new(void) {
  static std::int32_t next = 1;
  std::int32_t h = next++;
  indexes()[h] = std::make_unique<SearchIndex>();
  set_out(std::to_string(h));
  return 0;
}

int32_t zkw_index_free(int32_t h) { return indexes().erase(h) == 1 ? 0 : no_index(); }

int32_t zkw_index_put(int32_t h, const uint8_t* doc, size_t doc_len) {
  SearchIndex* index = index_of(h);
  if (index == nullptr) return no_index();
  json d = parse_json(in_text(doc, doc_len));
  std::string page_hex, path, title, body;
  std::uint64_t revision = 0;
  std::vector<std::string> tags;
  if (!d.is_object() || !get_string(d, "page", page_hex) || !get_uint(d, "revision", revision) ||
      !get_string(d, "path", path) || !get_string(d, "body", body) ||
      (d.contains("title") && !get_string(d, "title", title)) || (d.contains("tags") && !get_strings(d, "tags", tags)))
    return fail(Errc::invalid_argument, "a document is {page, revision, path, title?, tags?, body}");
  auto page = PageId::from_hex(page_hex);
  if (!page) return fail(Errc::invalid_argument, "page: " + page.error().message);
  return finish(index->put(SearchDocument{*page, revision, path, title, tags, body}),
                [](bool added) { set_out(added ? std::string_view("true") : std::string_view("false")); });
}

int32_t zkw_index_remove(int32_t h, const uint8_t* page, size_t page_len, double revision) {
  SearchIndex* index = index_of(h);
  if (index == nullptr) return no_index();
  auto id = PageId::from_hex(in_text(page, page_len));
  if (!id) return fail(Errc::invalid_argument, "page: " + id.error().message);
  // A whole number from 1 to 2^53 - 1 (what a JS number holds exactly); 1.5 is refused, not cut.
  if (!(revision >= 1) || revision > 9007199254740991.0 || revision != static_cast<double>(static_cast<std::uint64_t>(revision)))
    return fail(Errc::invalid_argument, "revision: a whole number, at least 1");
  index->remove(*id, static_cast<std::uint64_t>(revision));
  return 0;
}

int32_t zkw_index_flush(int32_t h) {
  SearchIndex* index = index_of(h);
  if (index == nullptr) return no_index();
  index->flush();
  json out = json::array();
  for (const auto& s : index->segments())
    out.push_back({{"seq", s.seq}, {"documents", s.documents}, {"tombstones", s.tombstones}, {"live", s.live},
                   {"bytes", s.bytes}});
  set_out_json(out);
  return 0;
}

int32_t zkw_index_segment(int32_t h, uint32_t i) {
  SearchIndex* index = index_of(h);
  if (index == nullptr) return no_index();
  if (i >= index->segments().size()) return fail(Errc::not_found, "no such segment");
  set_out(index->segment_bytes(i));
  return 0;
}

int32_t zkw_index_add_segment(int32_t h, const uint8_t* bytes, size_t len) {
  SearchIndex* index = index_of(h);
  if (index == nullptr) return no_index();
  auto b = in_bytes(bytes, len);
  return finish(index->add_segment(std::vector<std::uint8_t>(b.begin(), b.end())));
}

int32_t zkw_index_search(int32_t h, const uint8_t* query, size_t query_len, uint32_t limit, int32_t flags) {
  SearchIndex* index = index_of(h);
  if (index == nullptr) return no_index();
  if (limit == 0 || limit > 1000) return fail(Errc::invalid_argument, "limit: from 1 to 1000");
  SearchOptions o;
  o.limit = limit;
  o.prefix_last = (flags & 1) != 0;
  o.typos = (flags & 2) != 0;
  static std::vector<SearchHit> hits;  // its capacity is reused from query to query
  auto r = index->search(in_text(query, query_len), o, hits);
  if (!r) return fail(r.error());
  // Each hit as [page, revision, score bits, path, title, phrase unverified]: an array parses
  // faster than an object in JS, and the wrapper (js/api.js) names the fields. The score is a
  // float (SearchIndex ranks in float) sent as its bits, which the wrapper turns back into the
  // same number: printf's %g goes through musl's long double arithmetic, emulated in software
  // on wasm32.
  static JsonText out;
  out.clear();
  out.raw('[');
  for (const auto& hit : hits) {
    if (&hit != hits.data()) out.raw(',');
    out.raw('[');
    out.string(hit.page.hex());
    out.raw(',');
    out.number(hit.revision);
    out.raw(',');
    const float score = static_cast<float>(hit.score);
    std::uint32_t bits;
    std::memcpy(&bits, &score, sizeof bits);
    out.number(bits);
    out.raw(',');
    out.string(hit.path);
    out.raw(',');
    out.string(hit.title);
    out.raw(hit.phrase_unverified ? std::string_view{",1]"} : std::string_view{",0]"});
  }
  out.raw(']');
  set_out(out.text());
  return 0;
}

}  // extern "C"

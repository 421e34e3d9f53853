// The search tokenizer (Markdown and plain text, NFC folding through utf8proc) and the query
// parser behind SearchIndex::search, over a small index built from the input itself.
// Properties: every token's byte range lies inside the text it came from and its term is
// non-empty; a page the index accepted is found by its own words without error.
#include "fuzz_common.h"
#include "zkwiki/search.h"
#include "zkwiki/tokenizer.h"

using namespace zkwiki;

ZKWIKI_FUZZ_INIT

namespace {
struct CheckingSink final : TokenSink {
  std::size_t text_size = 0, tokens = 0;
  std::string first;
  void on_token(const Token& t) override {
    ZKWIKI_FUZZ_CHECK(t.begin <= t.end && t.end <= text_size);
    ZKWIKI_FUZZ_CHECK(!t.term.empty());
    if (tokens++ == 0) first = std::string(t.term);
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::text(data, size);
  Tokenizer tok;
  CheckingSink md;
  md.text_size = text.size();
  (void)tok.tokenize_markdown(text, md);
  CheckingSink plain;
  plain.text_size = text.size();
  std::uint32_t pos = 0;
  tok.tokenize_text(text, TokenField::title, plain, pos);
  std::string out;
  tok.markdown_plain_text(text, out);

  SearchIndex index;
  SearchDocument doc;
  doc.page = fuzz::page();
  doc.revision = 1;
  doc.path = "fuzz.md";
  doc.title = text.substr(0, std::min<std::size_t>(text.size(), 64));
  doc.body = text;
  auto put = index.put(doc);
  SearchOptions o;
  o.prefix_last = true;
  o.typos = true;
  (void)index.search(text.substr(0, std::min<std::size_t>(text.size(), 512)), o);  // the input as a query
  if (put.ok() && *put && !md.first.empty()) {
    index.flush();
    auto hits = index.search(md.first, o);
    ZKWIKI_FUZZ_CHECK(hits.ok());
  }
  (void)make_snippet(text, text.substr(0, std::min<std::size_t>(text.size(), 32)));
  return 0;
}

// Search index segments ("ZKWI"): inspect_segment validates one; SearchIndex::add_segment
// takes one into an index that is then searched, merged and flushed. Properties: the two
// agree; an accepted segment never makes a search, a merge or a compaction fail or crash, and
// what an index holds survives writing its segments out and reading them back.
#include "fuzz_common.h"
#include "zkwiki/search.h"

using namespace zkwiki;

ZKWIKI_FUZZ_INIT

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> seg(data, data + size);
  auto info = inspect_segment(seg);
  SearchIndex index;
  auto added = index.add_segment(seg);
  ZKWIKI_FUZZ_CHECK(info.ok() == added.ok());
  if (!added.ok()) {
    ZKWIKI_FUZZ_CHECK(index.documents() == 0);
    return 0;
  }
  for (const char* q : {"tar", "archive files", "\"out tar\"", "ta", "zzz", "code"}) {
    SearchOptions o;
    o.prefix_last = true;
    o.typos = true;
    ZKWIKI_FUZZ_CHECK(index.search(q, o).ok());
  }
  const std::size_t docs = index.documents();
  ZKWIKI_FUZZ_CHECK(index.add_segment(seg).ok());  // the same segment twice: newer wins, no crash
  index.compact();
  ZKWIKI_FUZZ_CHECK(index.documents() == docs);
  SearchIndex copy;
  for (std::size_t i = 0; i < index.segments().size(); ++i) {
    auto b = index.segment_bytes(i);
    ZKWIKI_FUZZ_CHECK(copy.add_segment(std::vector<std::uint8_t>(b.begin(), b.end())).ok());
  }
  ZKWIKI_FUZZ_CHECK(copy.documents() == docs);
  return 0;
}

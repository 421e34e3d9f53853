// Search manifests ("ZKWM"). Property: a manifest that decodes re-encodes to exactly its bytes.
#include "fuzz_common.h"
#include "zkwiki/search_manifest.h"

using namespace zkwiki;

ZKWIKI_FUZZ_INIT

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto m = SearchManifest::decode(fuzz::bytes(data, size));
  if (!m.ok()) return 0;
  auto enc = m->encode();
  ZKWIKI_FUZZ_CHECK(enc.size() == size && std::equal(enc.begin(), enc.end(), data));
  return 0;
}

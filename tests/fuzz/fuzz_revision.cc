// Revision records ("ZKWR"): decode verifies the signature. Properties: a record that decodes
// re-encodes to exactly its bytes (one encoding per record), and chain checks against itself
// never crash.
#include "fuzz_common.h"
#include "zkwiki/revision.h"

using namespace zkwiki;

ZKWIKI_FUZZ_INIT

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto rec = RevisionRecord::decode(fuzz::bytes(data, size));
  if (!rec.ok()) return 0;
  auto enc = rec->encode();
  ZKWIKI_FUZZ_CHECK(enc.size() == size && std::equal(enc.begin(), enc.end(), data));
  (void)verify_chain(*rec, *rec);
  (void)rec->envelope_context();
  return 0;
}

// Revision records ("ZKWR") and workspace records ("ZKWS"): decode verifies the signature.
// Properties: a record that decodes re-encodes to exactly its bytes (one encoding per record),
// and chain checks against itself never crash.
#include "fuzz_common.h"
#include "zkwiki/revision.h"
#include "zkwiki/workspace_record.h"

using namespace zkwiki;

ZKWIKI_FUZZ_INIT

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (auto ws = WorkspaceRecord::decode(fuzz::bytes(data, size)); ws.ok()) {
    auto enc = ws->encode();
    ZKWIKI_FUZZ_CHECK(enc.size() == size && std::equal(enc.begin(), enc.end(), data));
  }
  auto rec = RevisionRecord::decode(fuzz::bytes(data, size));
  if (!rec.ok()) return 0;
  auto enc = rec->encode();
  ZKWIKI_FUZZ_CHECK(enc.size() == size && std::equal(enc.begin(), enc.end(), data));
  (void)verify_chain(*rec, *rec);
  (void)rec->envelope_context();
  return 0;
}

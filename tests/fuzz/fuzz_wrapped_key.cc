// Wrapped generation keys ("ZKWK"), unwrapped by the recipient of tests/vectors/wrapped-key.json
// for its collection scope and for its workspace scope. Property: a wrap that opens inserts
// into a keyset of that scope.
#include "fuzz_common.h"

using namespace zkwiki;

ZKWIKI_FUZZ_INIT

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const AccountKeys me = fuzz::recipient_keys();
  for (const KeyScope& scope : {KeyScope::for_collection(fuzz::workspace(), fuzz::collection()),
                                KeyScope::for_workspace(fuzz::workspace())}) {
    auto u = unwrap_generation(fuzz::bytes(data, size), scope, me);
    if (!u.ok()) continue;
    Keyset k(scope);
    ZKWIKI_FUZZ_CHECK(k.insert(u->generation, std::move(u->key), u->primary).ok());
  }
  return 0;
}

// Key strings (zkwrec_, zkwpub_, zkwagent_, zkwagentkey_, zkwgrant_) and the parsers built on
// them. Property: a string that decodes re-encodes (ungrouped) to a string that decodes to the
// same payload.
#include "fuzz_common.h"
#include "zkwiki/agent.h"
#include "zkwiki/keystring.h"

using namespace zkwiki;

ZKWIKI_FUZZ_INIT

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view s = fuzz::text(data, size);
  for (KeyStringType t : {KeyStringType::recovery_key, KeyStringType::public_keys, KeyStringType::agent_public,
                          KeyStringType::agent_secret, KeyStringType::grant}) {
    auto d = decode_key_string(s, t);
    if (!d.ok()) continue;
    auto again = decode_key_string(encode_key_string(t, *d), t);
    ZKWIKI_FUZZ_CHECK(again.ok() && *again == *d);
  }
  (void)base32_decode(s);
  (void)PublicKeys::parse(s);
  (void)PublicKeys::parse(s, true);
  (void)parse_agent_secret(s);
  (void)Grant::parse(s);
  return 0;
}

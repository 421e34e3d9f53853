// Envelopes ("ZKWE"): the header inspector, the one-shot opener and the streaming opener fed in
// two pieces (split where the input's first byte says). Properties: one-shot and streaming
// agree; an envelope that opens re-seals to an envelope that opens to the same plaintext.
#include "fuzz_common.h"

using namespace zkwiki;

ZKWIKI_FUZZ_INIT

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Keyset keyset = fuzz::envelope_keyset();
  static const EnvelopeContext ctx = fuzz::envelope_context();
  if (size == 0) return 0;
  const std::size_t split = data[0] % (size + 1);
  auto env = fuzz::bytes(data, size).subspan(1);
  (void)inspect_envelope(env);
  auto one = open_envelope(ctx, keyset, env);

  auto opener = EnvelopeOpener::begin(ctx, keyset);
  ZKWIKI_FUZZ_CHECK(opener.ok());
  std::vector<std::uint8_t> streamed;
  const std::size_t cut = std::min(split, env.size());
  bool ok = opener->update(env.subspan(0, cut), streamed).ok() && opener->update(env.subspan(cut), streamed).ok() &&
            opener->finish(streamed).ok();
  ZKWIKI_FUZZ_CHECK(ok == one.ok());
  if (!ok) return 0;
  ZKWIKI_FUZZ_CHECK(streamed == *one);
  auto again = seal_envelope(ctx, keyset, *one);
  ZKWIKI_FUZZ_CHECK(again.ok());
  auto back = open_envelope(ctx, keyset, *again);
  ZKWIKI_FUZZ_CHECK(back.ok() && *back == *one);
  return 0;
}

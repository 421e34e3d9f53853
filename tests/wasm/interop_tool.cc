// zkwiki-wasm-interop: the native SDK's envelope seal/open on the command line, so the node tests
// can check that what one build seals the other opens (tests/wasm/interop.test.cjs).
//
//   zkwiki-wasm-interop seal CONTEXT GENERATION KEY   < plaintext > envelope
//   zkwiki-wasm-interop open CONTEXT GENERATION KEY   < envelope  > plaintext
//
// CONTEXT is the 89-byte context of wasm/src/abi.h in hex, KEY 32 bytes in hex. On an error the
// tool prints "error: <errc_name>: message" on stderr and exits 1.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "zkwiki/encoding.h"
#include "zkwiki/envelope.h"
#include "zkwiki/keyset.h"

using namespace zkwiki;

namespace {

int fail(const Error& e) {
  std::fprintf(stderr, "error: %s: %s\n", std::string(errc_name(e.code)).c_str(), e.message.c_str());
  return 1;
}

Result<EnvelopeContext> context_from_hex(const std::string& hex) {
  std::vector<std::uint8_t> b(89);
  ZKWIKI_TRY(from_hex(hex, b));
  EnvelopeContext c;
  c.kind = static_cast<ContentKind>(b[0]);
  std::copy(b.begin() + 1, b.begin() + 17, c.workspace.bytes.begin());
  std::copy(b.begin() + 17, b.begin() + 33, c.collection.bytes.begin());
  std::copy(b.begin() + 33, b.begin() + 49, c.page.bytes.begin());
  for (int i = 0; i < 8; ++i) c.revision |= std::uint64_t{b[49 + i]} << (8 * i);
  std::copy(b.begin() + 57, b.end(), c.parent.bytes.begin());
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 || (std::string(argv[1]) != "seal" && std::string(argv[1]) != "open")) {
    std::fprintf(stderr, "usage: zkwiki-wasm-interop seal|open CONTEXT GENERATION KEY < in > out\n");
    return 2;
  }
  auto ctx = context_from_hex(argv[2]);
  if (!ctx) return fail(ctx.error());
  std::vector<std::uint8_t> key(32);
  if (auto r = from_hex(argv[4], key); !r) return fail(r.error());
  Keyset keyset(KeyScope::for_collection(ctx->workspace, ctx->collection));
  if (auto r = keyset.insert(static_cast<std::uint32_t>(std::stoul(argv[3])), Secret::from_bytes(key), true); !r)
    return fail(r.error());
  std::vector<std::uint8_t> in((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  auto out = std::string(argv[1]) == "seal" ? seal_envelope(*ctx, keyset, in) : open_envelope(*ctx, keyset, in);
  if (!out) return fail(out.error());
  std::fwrite(out->data(), 1, out->size(), stdout);
  return 0;
}

// The C ABI's envelope exports (abi.h): seal and open a page. Kept free of JSON so that it can
// be built with inlining (wasm/CMakeLists.txt): this is the hot path of a page read or write.
#include "abi.h"
#include "abi_common.h"
#include "envelope_internal.h"
#include "zkwiki/envelope.h"
#include "zkwiki/keyset.h"

using namespace zkwiki;
using namespace zkwiki::wasm;

namespace zkwiki::wasm {

Result<EnvelopeContext> context_from(const std::uint8_t* p, std::size_t n) {
  if (n != kEnvelopeContextBytes || p == nullptr)
    return make_error(Errc::invalid_argument, "an envelope context is " + std::to_string(kEnvelopeContextBytes) + " bytes");
  EnvelopeContext c;
  c.kind = static_cast<ContentKind>(p[0]);
  copy_to(c.workspace.bytes, p + 1);
  copy_to(c.collection.bytes, p + 17);
  copy_to(c.page.bytes, p + 33);
  c.revision = 0;
  for (int i = 0; i < 8; ++i) c.revision |= std::uint64_t{p[49 + i]} << (8 * i);
  copy_to(c.parent.bytes, p + 57);
  return c;
}

Result<Keyset> keyset_for(const EnvelopeContext& c, std::uint32_t generation, const std::uint8_t* key,
                          std::size_t key_len) {
  Keyset ks(c.kind == ContentKind::workspace_metadata ? KeyScope::for_workspace(c.workspace)
                                                       : KeyScope::for_collection(c.workspace, c.collection));
  ZKWIKI_TRY(ks.insert(generation, Secret::from_bytes(in_bytes(key, key_len)), true));
  return ks;
}

}  // namespace zkwiki::wasm

namespace {

// Copies the bytes to the output and wipes them. They are moved out of the Result first: a
// Result is destroyed through std::variant's dispatch table, whose out-of-line vector
// destructor the linker may take from a unit built without inlining (a call per byte).
std::int32_t out_bytes(Result<Bytes>&& r) {
  if (!r) return fail(r.error());
  Bytes b = std::move(r).value();
  set_out(b);
  wipe(b);
  return 0;
}

// The sealed and opened bytes of the last call, handed to JS in place (set_out_borrowed): a
// 1 MiB page was copied into the output buffer and wiped once more per call, and the buffers
// came fresh from malloc and were zero-filled before being written. Their storage is reused
// (the SDK writes over it; envelope.cc's Sink), so the same size costs no allocation and no fill.
// The plaintext is wiped when JS has copied it out (zkw_out_clear), or by the next output; the
// envelope is ciphertext and is not. A failed open leaves nothing in either (open_envelope wipes
// what it had released, and the output is then empty).
Bytes& sealed_out() {
  static Bytes b;
  return b;
}
Bytes& opened_out() {
  static Bytes b;
  return b;
}

}  // namespace

extern "C" {

int32_t zkw_envelope_seal(const uint8_t* ctx, size_t ctx_len, uint32_t generation, const uint8_t* key,
                          size_t key_len, const uint8_t* pt, size_t pt_len) {
  auto c = context_from(ctx, ctx_len);
  if (!c) return fail(c.error());
  auto ks = keyset_for(*c, generation, key, key_len);
  if (!ks) return fail(ks.error());
  set_out_borrowed({}, false);  // wipes an earlier plaintext; the buffers below are not in use
  Bytes& out = sealed_out();
  auto r = seal_envelope(*c, *ks, in_bytes(pt, pt_len), out);
  if (!r) return fail(r.error());
  set_out_borrowed(out, false);  // ciphertext
  return 0;
}

int32_t zkw_envelope_open(const uint8_t* ctx, size_t ctx_len, uint32_t generation, const uint8_t* key,
                          size_t key_len, const uint8_t* env, size_t env_len) {
  auto c = context_from(ctx, ctx_len);
  if (!c) return fail(c.error());
  auto ks = keyset_for(*c, generation, key, key_len);
  if (!ks) return fail(ks.error());
  set_out_borrowed({}, false);
  Bytes& out = opened_out();
  auto r = open_envelope(*c, *ks, in_bytes(env, env_len), out);
  if (!r) return fail(r.error());  // nothing released: open_envelope wiped it
  set_out_borrowed(out, true);      // plaintext: wiped after JS copied it (zkw_out_clear)
  return 0;
}

int32_t zkw_envelope_seal_with(const uint8_t* ctx, size_t ctx_len, uint32_t generation, const uint8_t* key,
                               size_t key_len, const uint8_t* pt, size_t pt_len, const uint8_t* rnd, size_t rnd_len) {
  internal::SealRandomness r;
  if (rnd_len != r.dek.size() + r.wrap_nonce.size() + r.stream_prefix.size())
    return fail(Errc::invalid_argument, "randomness is dek[32] | wrap_nonce[24] | stream_prefix[16]");
  copy_to(r.dek, rnd);
  copy_to(r.wrap_nonce, rnd + 32);
  copy_to(r.stream_prefix, rnd + 56);
  auto c = context_from(ctx, ctx_len);
  if (!c) return fail(c.error());
  auto ks = keyset_for(*c, generation, key, key_len);
  if (!ks) return fail(ks.error());
  return out_bytes(internal::seal_envelope_with(*c, *ks, in_bytes(pt, pt_len), r));
}

}  // extern "C"

#include "zkwiki/keyset.h"

#include <sodium.h>

#include "internal.h"

namespace zkwiki {
namespace {

constexpr std::string_view kWrapMagic = "ZKWK";
constexpr std::uint8_t kWrapVersion = 1;
constexpr std::string_view kWrapSignDomain = "zkwiki wrapped key v1";
constexpr std::size_t kInnerBytes = 1 + 16 + 16 + 4 + 32;  // scope kind, ids, generation, key

void write_scope(internal::ByteWriter& w, const KeyScope& s) {
  w.u8(static_cast<std::uint8_t>(s.kind));
  w.bytes(s.workspace.bytes);
  w.bytes(s.collection.bytes);
}

std::vector<std::uint8_t> signed_message(std::span<const std::uint8_t> body) {
  internal::ByteWriter w(kWrapSignDomain.size() + 1 + body.size());
  w.bytes(internal::as_bytes(kWrapSignDomain));
  w.u8(0);
  w.bytes(body);
  return w.take();
}

}  // namespace

Keyset Keyset::create(const KeyScope& scope) {
  Keyset k(scope);
  k.rotate();
  return k;
}

std::uint32_t Keyset::rotate() {
  std::uint32_t next = keys_.empty() ? 1 : keys_.rbegin()->first + 1;
  keys_.emplace(next, Secret::random(kKeyBytes));
  primary_ = next;
  return next;
}

Result<void> Keyset::insert(std::uint32_t generation, Secret key, bool make_primary) {
  if (generation == 0) return make_error(Errc::invalid_argument, "key generation 0 is reserved");
  if (key.size() != kKeyBytes) return make_error(Errc::invalid_argument, "a generation key must be 32 bytes");
  auto it = keys_.find(generation);
  if (it != keys_.end()) {
    if (!it->second.equals(key))
      return make_error(Errc::conflict, "generation " + std::to_string(generation) + " is already known with another key");
  } else {
    keys_.emplace(generation, std::move(key));
  }
  // The primary only moves to a newer generation: a replayed old wrap that still says
  // "primary" must not send new writes back under a key a removed member may hold.
  if ((make_primary && generation > primary_) || primary_ == 0) primary_ = generation;
  return {};
}

const Secret& Keyset::primary_key() const {
  auto it = keys_.find(primary_);
  if (it == keys_.end()) internal::misuse("Keyset::primary_key on an empty keyset");
  return it->second;
}

const Secret* Keyset::find(std::uint32_t generation) const {
  auto it = keys_.find(generation);
  return it == keys_.end() ? nullptr : &it->second;
}

std::vector<std::uint32_t> Keyset::generations() const {
  std::vector<std::uint32_t> g;
  for (const auto& [n, _] : keys_) g.push_back(n);
  return g;
}

// magic "ZKWK" | version | scope kind | workspace[16] | collection[16] | generation u32 | flags u8
// | recipient X25519[32] | granter Ed25519[32] | sealed box[48 + 69] | signature[64]
Result<std::vector<std::uint8_t>> wrap_generation(const Keyset& keyset, std::uint32_t generation,
                                                  const PublicKeys& recipient, const AccountKeys& granter) {
  const Secret* key = keyset.find(generation);
  if (key == nullptr) return make_error(Errc::not_found, "no generation " + std::to_string(generation) + " in keyset");
  internal::ByteWriter inner(kInnerBytes);
  write_scope(inner, keyset.scope());
  inner.u32(generation);
  inner.bytes(key->reveal());
  Secret inner_secret = Secret::from_bytes(inner.buffer());
  wipe(inner.buffer());
  ZKWIKI_ASSIGN(auto box, primitives::box_seal(recipient.x25519, inner_secret.reveal()));

  internal::ByteWriter w(kWrappedGenerationBytes);
  w.bytes(internal::as_bytes(kWrapMagic));
  w.u8(kWrapVersion);
  write_scope(w, keyset.scope());
  w.u32(generation);
  w.u8(generation == keyset.primary_generation() ? 1 : 0);
  w.bytes(recipient.x25519);
  w.bytes(granter.public_keys.ed25519);
  w.bytes(box);
  auto sig = primitives::ed25519_sign(granter.ed25519_secret, signed_message(w.buffer()));
  w.bytes(sig);
  return w.take();
}

Result<UnwrappedGeneration> unwrap_generation(std::span<const std::uint8_t> wrapped, const KeyScope& expected,
                                              const AccountKeys& me) {
  internal::ByteReader r(wrapped);
  KeyScope scope;
  UnwrappedGeneration out;
  std::array<std::uint8_t, 32> recipient{};
  std::span<const std::uint8_t> box;
  std::span<const std::uint8_t> sig;
  std::uint8_t flags = 0;
  if (internal::expect_magic(r, kWrapMagic, kWrapVersion, "wrapped key")) {
    scope.kind = static_cast<ScopeKind>(r.u8());
    scope.workspace.bytes = r.array<16>();
    scope.collection.bytes = r.array<16>();
    out.generation = r.u32();
    flags = r.u8();
    recipient = r.array<32>();
    out.granter = r.array<32>();
    box = r.bytes(48 + kInnerBytes);
    sig = r.bytes(64);
  }
  ZKWIKI_TRY(r.finish("wrapped key"));
  if (scope.kind != ScopeKind::workspace && scope.kind != ScopeKind::collection)
    return make_error(Errc::malformed, "wrapped key: unknown scope kind");
  if (flags > 1) return make_error(Errc::malformed, "wrapped key: unknown flags");
  if (out.generation == 0) return make_error(Errc::malformed, "wrapped key: generation 0 is reserved");
  ZKWIKI_TRY(primitives::ed25519_verify(out.granter, signed_message(wrapped.first(wrapped.size() - 64)), sig));
  if (!(scope == expected)) return make_error(Errc::forbidden, "wrapped key belongs to another workspace or collection");
  if (recipient != me.public_keys.x25519) return make_error(Errc::forbidden, "wrapped key is addressed to another key");
  ZKWIKI_ASSIGN(auto inner, primitives::box_open(me.public_keys.x25519, me.x25519_secret, box));
  Secret inner_secret = Secret::from_bytes(inner);
  wipe(inner);
  // The sealed plaintext repeats the context: a box lifted into another record fails here.
  internal::ByteWriter ctx(kInnerBytes - 32);
  write_scope(ctx, scope);
  ctx.u32(out.generation);
  auto plain = inner_secret.reveal();
  if (plain.size() != kInnerBytes || sodium_memcmp(plain.data(), ctx.buffer().data(), ctx.buffer().size()) != 0)
    return make_error(Errc::auth_failed, "wrapped key: sealed context does not match its record");
  out.primary = flags == 1;
  out.key = Secret::from_bytes(plain.subspan(kInnerBytes - 32));
  return out;
}

}  // namespace zkwiki

#include "zkwiki/sealed_store.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "internal.h"
#include "zkwiki/kdf.h"
#include "zkwiki/primitives.h"

namespace zkwiki {
namespace {

using internal::as_bytes;
using Bytes = LocalStore::Bytes;

constexpr std::string_view kMagic = "ZKWL";
constexpr std::uint8_t kVersion = 1;
constexpr std::string_view kAdDomain = "zkwiki local store v1";
constexpr std::size_t kHeaderBytes = 4 + 1 + primitives::kXChaChaNonceBytes;
constexpr std::size_t kMinFramedBytes = 64;
constexpr std::string_view kCheckTable = "zkw.sealed";
constexpr std::string_view kCheckKey = "check";

// Padmé (as in the envelope) over L >= 2: keeps only O(log log L) significant bits.
std::size_t padme(std::size_t length) {
  const auto e = static_cast<unsigned>(std::bit_width(length)) - 1;
  const auto s = static_cast<unsigned>(std::bit_width(e));
  const unsigned z = e - s;
  const std::size_t mask = (std::size_t{1} << z) - 1;
  return (length + mask) & ~mask;
}

// Associated data: the domain, the table and the key as the inner store holds it (its hash).
Bytes associated_data(std::string_view table, std::string_view inner_key) {
  internal::ByteWriter w(kAdDomain.size() + 1 + 8 + table.size() + inner_key.size());
  w.bytes(as_bytes(kAdDomain));
  w.u8(0);
  w.var_string(table);
  w.var_string(inner_key);
  return w.take();
}

bool reserved(std::string_view table) { return table.starts_with(SealedLocalStore::kReservedTablePrefix); }

Error reserved_table_error(std::string_view table) {
  return make_error(Errc::invalid_argument, "local store table \"" + std::string(table) +
                                                "\" uses the reserved prefix \"zkw.\"");
}

}  // namespace

struct SealedLocalStore::Impl {
  std::unique_ptr<LocalStore> inner;
  Secret value_key;  // KDF(store key, "zkwlsval", 1): seals values
  Secret key_key;    // KDF(store key, "zkwlskey", 1): hashes keys

  // BLAKE2b-256 keyed with key_key over u32(len(table)) || table || key.
  std::string inner_key(std::string_view table, std::string_view key) const {
    internal::ByteWriter w(4 + table.size() + key.size());
    w.var_string(table);
    w.bytes(as_bytes(key));
    auto h = primitives::blake2b(primitives::kHashBytes, w.buffer(), key_key.reveal());
    return std::string(reinterpret_cast<const char*>(h.data()), h.size());
  }

  // framed = u32(len(key)) || key || value || 0x80 || zero*, to Padmé(max(n + 1, 64)).
  Result<Bytes> seal(std::string_view table, std::string_view ikey, std::string_view key,
                     std::span<const std::uint8_t> value) const {
    const std::size_t n = 4 + key.size() + value.size();
    const std::size_t padded = padme(std::max(n + 1, kMinFramedBytes));
    internal::ByteWriter framed(padded);
    framed.var_string(key);
    framed.bytes(value);
    framed.u8(0x80);
    framed.buffer().resize(padded, 0);

    std::array<std::uint8_t, primitives::kXChaChaNonceBytes> nonce{};
    primitives::random_bytes(nonce);
    auto sealed = primitives::xchacha20poly1305_seal(value_key.reveal(), nonce, framed.buffer(),
                                                     associated_data(table, ikey));
    wipe(framed.buffer());
    if (!sealed) return std::move(sealed).error();
    internal::ByteWriter out(kHeaderBytes + sealed->size());
    out.bytes(as_bytes(kMagic));
    out.u8(kVersion);
    out.bytes(nonce);
    out.bytes(*sealed);
    return out.take();
  }

  struct Opened {
    std::string key;
    Bytes value;
  };

  // Opens an entry stored under (table, ikey). On failure nothing of the plaintext survives.
  Result<Opened> open(std::string_view table, std::string_view ikey, std::span<const std::uint8_t> entry) const {
    internal::ByteReader r(entry);
    if (!internal::expect_magic(r, kMagic, kVersion, "sealed local store entry")) {
      return r.finish("sealed local store entry").error();
    }
    auto nonce = r.bytes(primitives::kXChaChaNonceBytes);
    if (r.failed()) return r.finish("sealed local store entry").error();
    auto framed = primitives::xchacha20poly1305_open(value_key.reveal(), nonce, entry.subspan(kHeaderBytes),
                                                     associated_data(table, ikey));
    if (!framed) {
      Error e = std::move(framed).error();
      if (e.code == Errc::auth_failed)
        e.message = "local store entry in table \"" + std::string(table) +
                    "\" failed to authenticate (tampered with, moved, or sealed under another key)";
      return e;
    }
    Bytes& f = *framed;
    auto fail = [&f](std::string what) -> Error {
      wipe(f);
      return make_error(Errc::malformed, "sealed local store entry: " + std::move(what));
    };
    // Strip the padding: trailing zeros, then the 0x80 marker.
    std::size_t end = f.size();
    while (end > 0 && f[end - 1] == 0) --end;
    if (end == 0 || f[end - 1] != 0x80) return fail("bad padding");
    --end;
    internal::ByteReader body(std::span<const std::uint8_t>(f).first(end));
    std::string key = body.var_string(end);
    if (body.failed()) return fail("bad key length");
    Opened out{std::move(key), Bytes(f.begin() + static_cast<std::ptrdiff_t>(body.position()),
                                     f.begin() + static_cast<std::ptrdiff_t>(end))};
    wipe(f);
    return out;
  }
};

SealedLocalStore::SealedLocalStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SealedLocalStore::~SealedLocalStore() = default;

Result<std::unique_ptr<SealedLocalStore>> SealedLocalStore::open(std::unique_ptr<LocalStore> inner, Secret key) {
  if (!inner) return make_error(Errc::invalid_argument, "SealedLocalStore: no inner store");
  if (key.size() != kKeyBytes)
    return make_error(Errc::invalid_argument, "SealedLocalStore: the store key must be 32 bytes");
  auto impl = std::make_unique<Impl>();
  impl->inner = std::move(inner);
  impl->value_key = derive_subkey(key, "zkwlsval");
  impl->key_key = derive_subkey(key, "zkwlskey");

  // The key check: an empty value under a fixed, unhashed key that only this store key opens.
  ZKWIKI_ASSIGN(auto check, impl->inner->get(kCheckTable, kCheckKey));
  if (check) {
    auto opened = impl->open(kCheckTable, kCheckKey, *check);
    if (!opened) {
      Error e = std::move(opened).error();
      if (e.code == Errc::auth_failed) e.message = "the local store was sealed under another key";
      return e;
    }
    if (opened->key != kCheckKey || !opened->value.empty())
      return make_error(Errc::malformed, "the local store's key-check entry is not valid");
  } else {
    ZKWIKI_ASSIGN(auto sealed, impl->seal(kCheckTable, kCheckKey, kCheckKey, {}));
    ZKWIKI_TRY(impl->inner->put(kCheckTable, kCheckKey, sealed));
  }
  return std::unique_ptr<SealedLocalStore>(new SealedLocalStore(std::move(impl)));
}

Result<std::optional<Bytes>> SealedLocalStore::get(std::string_view table, std::string_view key) {
  if (reserved(table)) return reserved_table_error(table);
  const std::string ikey = impl_->inner_key(table, key);
  ZKWIKI_ASSIGN(auto entry, impl_->inner->get(table, ikey));
  if (!entry) return std::optional<Bytes>{};
  ZKWIKI_ASSIGN(auto opened, impl_->open(table, ikey, *entry));
  if (opened.key != key) {
    wipe(opened.value);
    return make_error(Errc::auth_failed, "local store entry holds another key");
  }
  return std::optional<Bytes>(std::move(opened.value));
}

Result<void> SealedLocalStore::put(std::string_view table, std::string_view key,
                                   std::span<const std::uint8_t> value) {
  if (reserved(table)) return reserved_table_error(table);
  const std::string ikey = impl_->inner_key(table, key);
  ZKWIKI_ASSIGN(auto sealed, impl_->seal(table, ikey, key, value));
  return impl_->inner->put(table, ikey, sealed);
}

Result<void> SealedLocalStore::erase(std::string_view table, std::string_view key) {
  if (reserved(table)) return reserved_table_error(table);
  return impl_->inner->erase(table, impl_->inner_key(table, key));
}

Result<std::vector<std::pair<std::string, Bytes>>> SealedLocalStore::scan(std::string_view table,
                                                                           std::string_view prefix) {
  if (reserved(table)) return reserved_table_error(table);
  // Hashed keys have no useful order: open the whole table, keep the matches, sort them.
  ZKWIKI_ASSIGN(auto entries, impl_->inner->scan(table, {}));
  std::vector<std::pair<std::string, Bytes>> out;
  auto discard = [&out]() {
    for (auto& [k, v] : out) wipe(v);
    out.clear();
  };
  for (const auto& [ikey, entry] : entries) {
    auto opened = impl_->open(table, ikey, entry);
    if (!opened) {
      discard();
      return std::move(opened).error();
    }
    if (impl_->inner_key(table, opened->key) != ikey) {
      wipe(opened->value);
      discard();
      return make_error(Errc::auth_failed, "local store entry holds another key");
    }
    if (opened->key.starts_with(prefix)) {
      out.emplace_back(std::move(opened->key), std::move(opened->value));
    } else {
      wipe(opened->value);
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

Result<void> SealedLocalStore::transaction(const std::function<Result<void>()>& body) {
  return impl_->inner->transaction(body);
}

LocalStore& SealedLocalStore::inner() noexcept { return *impl_->inner; }

}  // namespace zkwiki

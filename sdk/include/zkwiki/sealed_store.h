// SealedLocalStore: encryption at rest for any LocalStore.
//
// Wraps an inner store (SQLite on disk, IndexedDB in a browser) so that nothing readable reaches
// it: every key is replaced by a keyed BLAKE2b-256 hash of (table, key), and every value by a
// sealed entry (XChaCha20-Poly1305, random 24-byte nonce) that holds the plaintext key, the value
// and padding up to a Padmé size class. The associated data binds the table and the hashed key,
// so an entry copied to another key or table fails to open. Table names are not hidden (they are
// fixed, public names chosen by the client). The byte layout is in docs/FORMAT.md ("Local store").
//
// Because hashed keys lose their order, scan(table, prefix) reads and opens every entry of the
// table and filters afterwards: its cost is the size of the whole table, not of the result. Keep
// tables that are scanned by prefix small, or scan once and keep the result.
//
// Thread safety: none of its own; use it from one thread at a time, like the inner store.
#pragma once

#include <cstddef>
#include <memory>

#include "zkwiki/local_store.h"
#include "zkwiki/secret.h"

namespace zkwiki {

class SealedLocalStore final : public LocalStore {
 public:
  // The store key: 32 bytes (the client derives it with derive_subkey(..., "zkwlocal")).
  static constexpr std::size_t kKeyBytes = 32;
  // Tables whose names start with this are reserved for the wrapper's own records.
  static constexpr std::string_view kReservedTablePrefix = "zkw.";

  // Takes ownership of `inner` and `key`. The first open of an inner store writes a key-check
  // entry; every later open verifies it, so a wrong key is reported here rather than showing an
  // empty store. Errors: invalid_argument (key not 32 bytes, null inner), auth_failed (the inner
  // store was sealed under another key, or its key-check entry was tampered with), malformed /
  // unsupported_version (the key-check entry is not one this build reads), and the inner
  // store's errors (io).
  static Result<std::unique_ptr<SealedLocalStore>> open(std::unique_ptr<LocalStore> inner, Secret key);
  ~SealedLocalStore() override;

  // As LocalStore. Reading an entry that was tampered with, truncated, or copied from another key
  // or table returns auth_failed (or malformed / unsupported_version / truncated for a damaged
  // header), never plaintext. scan fails as a whole if any entry of the table fails to open.
  // A table name with the reserved prefix is invalid_argument.
  Result<std::optional<Bytes>> get(std::string_view table, std::string_view key) override;
  Result<void> put(std::string_view table, std::string_view key, std::span<const std::uint8_t> value) override;
  Result<void> erase(std::string_view table, std::string_view key) override;
  Result<std::vector<std::pair<std::string, Bytes>>> scan(std::string_view table, std::string_view prefix) override;
  // Passes through to the inner store's transaction.
  Result<void> transaction(const std::function<Result<void>()>& body) override;

  // The wrapped store, holding only hashed keys and sealed values (for tests and diagnostics).
  LocalStore& inner() noexcept;

 private:
  struct Impl;
  explicit SealedLocalStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zkwiki

// LocalStore: a device's own durable state (sealed objects fetched from the server, the queue
// of offline edits, what this device has seen of each page and workspace), behind a small
// key-value interface so the same client core runs over SQLite natively, IndexedDB in a
// browser, and memory in tests.
//
// Stores hold opaque bytes. Encryption at rest is not their job: wrap any store in
// SealedLocalStore (sealed_store.h) and nothing readable reaches the disk.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zkwiki/result.h"

namespace zkwiki {

class LocalStore {
 public:
  using Bytes = std::vector<std::uint8_t>;
  virtual ~LocalStore() = default;

  // Tables are short ASCII names fixed by the client ("objects", "pages", "queue", "state").
  // Keys are arbitrary bytes (given as strings). Errors: io (the medium failed).
  virtual Result<std::optional<Bytes>> get(std::string_view table, std::string_view key) = 0;
  virtual Result<void> put(std::string_view table, std::string_view key, std::span<const std::uint8_t> value) = 0;
  virtual Result<void> erase(std::string_view table, std::string_view key) = 0;
  // Every entry of a table whose key starts with `prefix`, in key order.
  virtual Result<std::vector<std::pair<std::string, Bytes>>> scan(std::string_view table,
                                                                  std::string_view prefix = {}) = 0;
  // Runs `body` atomically: every put/erase it makes is applied together and durably when it
  // returns success, or not at all when it returns an error (or the process dies).
  // Not reentrant. Errors: body's error, or io.
  virtual Result<void> transaction(const std::function<Result<void>()>& body) = 0;
};

// A LocalStore in memory (tests, and a browser tab that must not persist anything).
class MemoryLocalStore final : public LocalStore {
 public:
  MemoryLocalStore();
  ~MemoryLocalStore() override;
  Result<std::optional<Bytes>> get(std::string_view table, std::string_view key) override;
  Result<void> put(std::string_view table, std::string_view key, std::span<const std::uint8_t> value) override;
  Result<void> erase(std::string_view table, std::string_view key) override;
  Result<std::vector<std::pair<std::string, Bytes>>> scan(std::string_view table, std::string_view prefix) override;
  Result<void> transaction(const std::function<Result<void>()>& body) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zkwiki

// SqliteLocalStore: the native client's LocalStore, one SQLite file per device profile.
//
// The file holds opaque bytes: wrap it in SealedLocalStore (sealed_store.h) so that nothing
// readable reaches the disk. It is created with mode 0600 (its directory, if missing, 0700),
// runs in WAL mode with synchronous=FULL (a put or a transaction that returned success survives a
// crash of the process or the machine), and carries a schema version (PRAGMA user_version) and an
// application id so that a file of another program or of a newer zkwiki is refused, not changed.
//
// Thread safety: none; use one store from one thread at a time. Several stores (in this or other
// processes) may open the same file: writers wait for each other up to the busy timeout, then
// fail with io ("database is locked").
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "zkwiki/local_store.h"

namespace zkwiki {

class SqliteLocalStore final : public LocalStore {
 public:
  // Version of the schema this build writes and reads (PRAGMA user_version).
  static constexpr int kSchemaVersion = 1;
  // PRAGMA application_id of a zkwiki local store ("zkwL").
  static constexpr int kApplicationId = 0x7a6b774c;
  static constexpr std::chrono::milliseconds kDefaultBusyTimeout{5000};

  // Opens the store at `path`, creating it (and missing directories) if needed, and checks the
  // file's structure (PRAGMA integrity_check: b-tree, page and index damage; it reads the whole
  // file, about 60 ms for 110 MB in the page cache). SQLite has no checksums over content: a
  // changed byte inside a value is found by SealedLocalStore, not here. Errors: io (cannot create or open, not a database,
  // corrupt, not a zkwiki store, locked beyond the busy timeout; the message carries SQLite's),
  // unsupported_version (written by a newer zkwiki).
  static Result<std::unique_ptr<SqliteLocalStore>> open(const std::string& path);
  static Result<std::unique_ptr<SqliteLocalStore>> open(const std::string& path,
                                                        std::chrono::milliseconds busy_timeout);
  // Closes the database (checkpointing the WAL when it is the last connection).
  ~SqliteLocalStore() override;

  // As LocalStore. A put or erase outside a transaction is its own durable transaction. Errors:
  // io (with SQLite's message).
  Result<std::optional<Bytes>> get(std::string_view table, std::string_view key) override;
  Result<void> put(std::string_view table, std::string_view key, std::span<const std::uint8_t> value) override;
  Result<void> erase(std::string_view table, std::string_view key) override;
  Result<std::vector<std::pair<std::string, Bytes>>> scan(std::string_view table, std::string_view prefix) override;
  // BEGIN IMMEDIATE, then body, then COMMIT (or ROLLBACK when body fails). Errors: body's error,
  // invalid_argument (nested), io (the write lock was not had within the busy timeout, or the
  // commit failed: nothing was applied).
  Result<void> transaction(const std::function<Result<void>()>& body) override;

 private:
  struct Impl;
  explicit SqliteLocalStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zkwiki

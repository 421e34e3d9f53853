// Shared value types of the server: a status code set and Result<T>. Errors are values;
// nothing in the server throws across a module boundary.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace zkwiki::server {

// Raw bytes are carried in std::string (binary-safe); ids are lowercase hex text.
using Bytes = std::string;

enum class Code : std::uint8_t {
  ok = 0,
  invalid,    // input the server cannot accept (bad syntax, size, hash)
  not_found,  // no such object
  exists,     // an object with this id already exists
  conflict,   // a compare-and-swap lost: the current state is returned alongside
  quota,      // the account's storage quota would be exceeded
  io,         // the storage failed (disk, SQLite)
  full,       // the disk (or the file system under the database) is full
  corrupt,    // the storage is damaged
};

struct Status {
  Code code = Code::ok;
  std::string message;

  bool ok() const noexcept { return code == Code::ok; }
  static Status Ok() { return {}; }
  static Status Err(Code c, std::string m) { return Status{c, std::move(m)}; }
};

// Either a value (status ok) or a status with a message. T must be default-constructible.
template <class T>
struct [[nodiscard]] Result {
  Status status;
  T value{};

  Result() = default;
  Result(T v) : value(std::move(v)) {}          // NOLINT: implicit by design
  Result(Status s) : status(std::move(s)) {}    // NOLINT
  bool ok() const noexcept { return status.ok(); }
};

}  // namespace zkwiki::server

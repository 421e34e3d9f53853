// Result<T>: errors as values at every module boundary. No exceptions cross the SDK's API.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace zkwiki {

// A closed set of error codes. Each names what went wrong, not where.
enum class Errc : std::uint8_t {
  invalid_argument = 1,  // the caller passed something unusable (bad UTF-8, wrong size, ...)
  truncated,             // input ended before a complete structure
  too_large,             // input or a declared length exceeds a hard limit
  trailing_data,         // bytes left over after a complete structure
  malformed,             // structurally invalid (bad magic, bad field, bad checksum, ...)
  unsupported_version,   // a version or algorithm id this build does not speak
  unknown_key,           // the key id / generation named is not in the keyset
  auth_failed,           // an authentication tag or signature did not verify
  wrong_passphrase,      // the passphrase did not unlock the account
  weak_parameters,       // KDF parameters below the floor (or above the ceiling)
  wrong_type,            // a typed string of another kind (a public key where a recovery key goes)
  not_found,
  conflict,
  expired,
  forbidden,
  io,
  internal,              // a libsodium call failed where it should not (out of memory, ...)
};

// Aborts with a message: value() on an error, or error() on a value (a caller's bug).
[[noreturn]] void bad_result_access(const char* what) noexcept;

// Stable lowercase name of a code ("auth_failed"), for logs, JSON and the WASM boundary.
std::string_view errc_name(Errc code) noexcept;

struct Error {
  Errc code;
  std::string message;
};

// Holds either a T or an Error. Check with ok() / operator bool before value().
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  // REQUIRES: ok().
  T& value() & { return check(), *std::get_if<0>(&v_); }
  const T& value() const& { return check(), *std::get_if<0>(&v_); }
  T&& value() && { return check(), std::move(*std::get_if<0>(&v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // REQUIRES: !ok().
  const Error& error() const& { return check_error(), *std::get_if<1>(&v_); }
  Error&& error() && { return check_error(), std::move(*std::get_if<1>(&v_)); }

 private:
  void check() const {
    if (!ok()) bad_result_access("Result::value() called on an error");
  }
  void check_error() const {
    if (ok()) bad_result_access("Result::error() called on a value");
  }
  std::variant<T, Error> v_;
};

// Result<void>: success carries nothing.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT

  bool ok() const noexcept { return !failed_; }
  explicit operator bool() const noexcept { return ok(); }
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_{Errc::internal, {}};
  bool failed_ = false;
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

}  // namespace zkwiki

// Propagate an error from an expression yielding Result<U>; otherwise continue.
#define ZKWIKI_TRY(expr)                                  \
  do {                                                    \
    auto zkwiki_try_r_ = (expr);                          \
    if (!zkwiki_try_r_.ok()) return std::move(zkwiki_try_r_).error(); \
  } while (0)

#define ZKWIKI_CONCAT_INNER(a, b) a##b
#define ZKWIKI_CONCAT(a, b) ZKWIKI_CONCAT_INNER(a, b)
// Bind the value of a Result<U> expression to `decl`, or return its error.
#define ZKWIKI_ASSIGN(decl, expr) ZKWIKI_ASSIGN_IMPL(ZKWIKI_CONCAT(zkwiki_r_, __LINE__), decl, expr)
#define ZKWIKI_ASSIGN_IMPL(tmp, decl, expr)         \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return std::move(tmp).error();     \
  decl = std::move(tmp).value()

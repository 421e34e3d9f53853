#include "zkwiki/secret.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "internal.h"

namespace zkwiki {
namespace internal {

void misuse(const char* what) noexcept {
  std::fprintf(stderr, "zkwiki: misuse: %s\n", what);
  std::abort();
}

void ensure_sodium() noexcept {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) misuse("libsodium failed to initialize");
  });
}

}  // namespace internal

Secret::Secret(std::size_t size) : size_(size) {
  internal::ensure_sodium();
  if (size == 0) return;
  data_ = static_cast<std::uint8_t*>(sodium_malloc(size));
  if (data_ == nullptr) internal::misuse("sodium_malloc failed: out of (lockable) memory");
  sodium_memzero(data_, size);
}

Secret::~Secret() {
  if (data_ != nullptr) sodium_free(data_);  // sodium_free wipes before unmapping
}

Secret::Secret(Secret&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) sodium_free(data_);
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

Secret Secret::random(std::size_t size) {
  Secret s(size);
  if (size != 0) randombytes_buf(s.data_, size);
  return s;
}

Secret Secret::from_bytes(std::span<const std::uint8_t> bytes) {
  Secret s(bytes.size());
  if (!bytes.empty()) std::memcpy(s.data_, bytes.data(), bytes.size());
  return s;
}

Secret Secret::clone() const { return from_bytes(reveal()); }

bool Secret::equals(const Secret& other) const noexcept {
  if (size_ != other.size_) return false;
  if (size_ == 0) return true;
  return sodium_memcmp(data_, other.data_, size_) == 0;
}

void wipe(std::span<std::uint8_t> bytes) noexcept {
  if (!bytes.empty()) sodium_memzero(bytes.data(), bytes.size());
}

}  // namespace zkwiki

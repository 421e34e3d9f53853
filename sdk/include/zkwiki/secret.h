// Secret: the only home of key material. Locked in memory, wiped on destruction, movable but
// never copied implicitly, compared in constant time, never printable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "zkwiki/result.h"

namespace zkwiki {

class Secret {
 public:
  // A zero-length secret (moved-from, or not yet set).
  Secret() noexcept = default;
  // `size` bytes of locked (mlock'ed) memory, initially zero, wiped when released. Secrets of up
  // to 64 bytes share one sodium_malloc'd arena (guard pages at its ends only, so a small
  // secret costs no system call); larger ones get their own guarded sodium_malloc.
  // Aborts through misuse() only if memory cannot be had at all.
  explicit Secret(std::size_t size);
  ~Secret();

  Secret(Secret&& other) noexcept;
  Secret& operator=(Secret&& other) noexcept;
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;

  // `size` fresh random bytes.
  static Secret random(std::size_t size);
  // A copy of `bytes` (the caller wipes its own buffer).
  static Secret from_bytes(std::span<const std::uint8_t> bytes);
  // An explicit copy; named so that copies are visible in review.
  Secret clone() const;

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  // Access to the secret bytes. The names are meant to be grepped for: every use is a place
  // where key material leaves this type's protection.
  std::span<const std::uint8_t> reveal() const noexcept { return {data_, size_}; }
  std::span<std::uint8_t> reveal_mutable() noexcept { return {data_, size_}; }

  // Constant-time equality (sizes are not secret).
  bool equals(const Secret& other) const noexcept;

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// Wipe a non-Secret buffer that briefly held secret or plaintext bytes.
void wipe(std::span<std::uint8_t> bytes) noexcept;

}  // namespace zkwiki

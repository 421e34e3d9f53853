#include "zkwiki/secret.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

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
#ifdef __EMSCRIPTEN__
    use_platform_random();
#endif
    if (sodium_init() < 0) misuse("libsodium failed to initialize");
  });
}

}  // namespace internal

namespace {

// Small secrets (keys, seeds) come from one locked arena: sodium_malloc costs several system
// calls per allocation (guard pages, mprotect, mlock), which would dominate sealing a small
// page. The arena itself is sodium_malloc'd (locked, guarded at its ends); every slot is wiped
// when released. Larger secrets, or any once the arena is full, get their own sodium_malloc.
class SecretArena {
 public:
  static constexpr std::size_t kSlotBytes = 64;
  static constexpr std::size_t kSlots = 1024;

  static SecretArena& instance() {
    static SecretArena* arena = new SecretArena();  // never destroyed: secrets may outlive statics
    return *arena;
  }
  std::uint8_t* take(std::size_t size) {
    if (size > kSlotBytes || base_ == nullptr) return nullptr;
    std::lock_guard lock(mu_);
    if (free_.empty()) return nullptr;
    std::size_t slot = free_.back();
    free_.pop_back();
    return base_ + slot * kSlotBytes;
  }
  bool give_back(std::uint8_t* p) {
    if (base_ == nullptr || p < base_ || p >= base_ + kSlotBytes * kSlots) return false;
    sodium_memzero(p, kSlotBytes);
    std::lock_guard lock(mu_);
    free_.push_back(static_cast<std::size_t>(p - base_) / kSlotBytes);
    return true;
  }

 private:
  SecretArena() {
    base_ = static_cast<std::uint8_t*>(sodium_malloc(kSlotBytes * kSlots));
    if (base_ == nullptr) return;  // fall back to one sodium_malloc per secret
    sodium_memzero(base_, kSlotBytes * kSlots);
    free_.reserve(kSlots);
    for (std::size_t i = kSlots; i-- > 0;) free_.push_back(i);
  }
  std::mutex mu_;
  std::uint8_t* base_ = nullptr;
  std::vector<std::size_t> free_;
};

void release(std::uint8_t* p) {
  if (p != nullptr && !SecretArena::instance().give_back(p)) sodium_free(p);  // sodium_free wipes
}

}  // namespace

Secret::Secret(std::size_t size) : size_(size) {
  internal::ensure_sodium();
  if (size == 0) return;
  data_ = SecretArena::instance().take(size);
  if (data_ == nullptr) data_ = static_cast<std::uint8_t*>(sodium_malloc(size));
  if (data_ == nullptr) internal::misuse("sodium_malloc failed: out of (lockable) memory");
  sodium_memzero(data_, size);
}

Secret::~Secret() { release(data_); }

Secret::Secret(Secret&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    release(data_);
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

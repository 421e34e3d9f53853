// Internal helpers shared by the SDK's translation units. Not part of the public API.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zkwiki/result.h"

namespace zkwiki::internal {

// A caller broke a documented precondition: a bug, not hostile input. Aborts with a message.
[[noreturn]] void misuse(const char* what) noexcept;

// Makes sure libsodium is initialized; cheap after the first call, thread-safe.
void ensure_sodium() noexcept;

#ifdef __EMSCRIPTEN__
// Installs the wasm build's randomness (crypto.getRandomValues) as libsodium's (primitives.cc).
void use_platform_random() noexcept;
#endif

inline std::span<const std::uint8_t> as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}


// Little-endian writer for the SDK's binary formats. Lengths are explicit everywhere.
class ByteWriter {
 public:
  explicit ByteWriter(std::size_t reserve = 0) { out_.reserve(reserve); }
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) { le(v, 2); }
  void u32(std::uint32_t v) { le(v, 4); }
  void u64(std::uint64_t v) { le(v, 8); }
  void bytes(std::span<const std::uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  template <std::size_t N>
  void bytes(const std::array<std::uint8_t, N>& a) { bytes(std::span<const std::uint8_t>(a)); }
  // u32 length prefix, then the bytes.
  void var_bytes(std::span<const std::uint8_t> b) {
    u32(static_cast<std::uint32_t>(b.size()));
    bytes(b);
  }
  void var_string(std::string_view s) { var_bytes(as_bytes(s)); }
  std::vector<std::uint8_t>& buffer() { return out_; }
  std::vector<std::uint8_t> take() { return std::move(out_); }

 private:
  void le(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  std::vector<std::uint8_t> out_;
};

// Reader over untrusted bytes. The first failure sticks: later reads return zeros, and
// finish() reports the first error (truncated) or trailing data.
class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> in) : in_(in) {}

  std::uint8_t u8() { return static_cast<std::uint8_t>(le(1)); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(le(2)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(le(4)); }
  std::uint64_t u64() { return le(8); }
  std::span<const std::uint8_t> bytes(std::size_t n) {
    if (!take(n)) return {};
    return in_.subspan(pos_ - n, n);
  }
  template <std::size_t N>
  std::array<std::uint8_t, N> array() {
    std::array<std::uint8_t, N> a{};
    auto b = bytes(N);
    if (!b.empty()) std::memcpy(a.data(), b.data(), N);
    return a;
  }
  // u32 length prefix (at most `max`), then the bytes.
  std::span<const std::uint8_t> var_bytes(std::size_t max) {
    std::uint32_t n = u32();
    if (failed_) return {};
    if (n > max) {
      fail(Errc::too_large, "declared length " + std::to_string(n) + " exceeds limit " + std::to_string(max));
      return {};
    }
    return bytes(n);
  }
  std::string var_string(std::size_t max) {
    auto b = var_bytes(max);
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
  }

  std::size_t remaining() const noexcept { return failed_ ? 0 : in_.size() - pos_; }
  std::size_t position() const noexcept { return pos_; }
  bool failed() const noexcept { return failed_; }
  void fail(Errc code, std::string message) {
    if (failed_) return;
    failed_ = true;
    error_ = Error{code, std::move(message)};
  }
  // The first error, or trailing_data if bytes are left over; `what` names the structure.
  Result<void> finish(std::string_view what) const {
    if (failed_) return Error{error_.code, std::string(what) + ": " + error_.message};
    if (pos_ != in_.size())
      return Error{Errc::trailing_data, std::string(what) + ": " + std::to_string(in_.size() - pos_) +
                                            " unexpected trailing bytes"};
    return {};
  }

 private:
  bool take(std::size_t n) {
    if (failed_) return false;
    if (in_.size() - pos_ < n) {
      fail(Errc::truncated, "input ends " + std::to_string(n - (in_.size() - pos_)) + " bytes early");
      return false;
    }
    pos_ += n;
    return true;
  }
  std::uint64_t le(int n) {
    if (!take(static_cast<std::size_t>(n))) return 0;
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= std::uint64_t{in_[pos_ - n + i]} << (8 * i);
    return v;
  }

  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
  bool failed_ = false;
  Error error_{Errc::internal, {}};
};

// What a domain-separated signature covers: `domain` (its terminating zero byte included in the
// view) followed by `body`.
inline std::vector<std::uint8_t> domain_message(std::string_view domain, std::span<const std::uint8_t> body) {
  ByteWriter w(domain.size() + body.size());
  w.bytes(as_bytes(domain));
  w.bytes(body);
  return w.take();
}

// Checks a fixed magic + version prefix, reporting malformed / unsupported_version.
inline bool expect_magic(ByteReader& r, std::string_view magic, std::uint8_t version, std::string_view what) {
  auto m = r.bytes(magic.size());
  if (r.failed()) return false;
  if (std::memcmp(m.data(), magic.data(), magic.size()) != 0) {
    r.fail(Errc::malformed, "not a " + std::string(what) + " (bad magic)");
    return false;
  }
  std::uint8_t v = r.u8();
  if (!r.failed() && v != version) {
    r.fail(Errc::unsupported_version, std::string(what) + " version " + std::to_string(v) +
                                          " is not supported (this build reads version " +
                                          std::to_string(version) + ")");
    return false;
  }
  return !r.failed();
}

}  // namespace zkwiki::internal

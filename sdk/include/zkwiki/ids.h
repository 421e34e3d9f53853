// Opaque identifiers. Every id the server sees is 16 random bytes (a workspace, a collection,
// a page, an account) or a 32-byte BLAKE2b-256 hash (a blob, a revision record). Distinct types
// keep a page id from being passed where a collection id belongs.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "zkwiki/encoding.h"
#include "zkwiki/result.h"

namespace zkwiki {

template <class Tag, std::size_t N>
struct TaggedBytes {
  static constexpr std::size_t kSize = N;
  std::array<std::uint8_t, N> bytes{};

  static TaggedBytes random();
  static Result<TaggedBytes> from_hex(std::string_view hex) {
    TaggedBytes t;
    ZKWIKI_TRY(::zkwiki::from_hex(hex, t.bytes));
    return t;
  }
  std::string hex() const { return to_hex(bytes); }
  bool is_zero() const noexcept {
    std::uint8_t acc = 0;
    for (auto b : bytes) acc |= b;
    return acc == 0;
  }
  std::span<const std::uint8_t> span() const noexcept { return bytes; }
  // Spelled out: the libc++ of Emscripten 3.1.6 has no operator<=> for std::array.
  std::strong_ordering operator<=>(const TaggedBytes& other) const noexcept {
    for (std::size_t i = 0; i < N; ++i)
      if (bytes[i] != other.bytes[i]) return bytes[i] < other.bytes[i] ? std::strong_ordering::less : std::strong_ordering::greater;
    return std::strong_ordering::equal;
  }
  bool operator==(const TaggedBytes&) const = default;
};

void fill_random(std::span<std::uint8_t> out) noexcept;
template <class Tag, std::size_t N>
TaggedBytes<Tag, N> TaggedBytes<Tag, N>::random() {
  TaggedBytes t;
  fill_random(t.bytes);
  return t;
}

using AccountId = TaggedBytes<struct AccountIdTag, 16>;
using WorkspaceId = TaggedBytes<struct WorkspaceIdTag, 16>;
using CollectionId = TaggedBytes<struct CollectionIdTag, 16>;
using PageId = TaggedBytes<struct PageIdTag, 16>;
// BLAKE2b-256 of an object's bytes: a blob id, or the hash of a revision record.
using Hash256 = TaggedBytes<struct Hash256Tag, 32>;

}  // namespace zkwiki

// Keysets: the symmetric keys of a workspace or of a collection, as numbered generations
// (epochs) with exactly one primary. New writes use the primary; readers pick the generation
// named in the envelope. Rotation adds a generation and makes it primary; old content stays
// readable under its own generation and is never re-encrypted at once.
//
// A generation is shared with a member by wrapping it to the member's X25519 key (sealed box)
// inside a record signed by the granter's Ed25519 key. unwrap_generation reports who signed;
// the caller must accept only granters it trusts (itself, the workspace's members), or a server
// could sign a key of its own choosing with a key of its own.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "zkwiki/account.h"
#include "zkwiki/ids.h"
#include "zkwiki/result.h"
#include "zkwiki/secret.h"

namespace zkwiki {

enum class ScopeKind : std::uint8_t { workspace = 1, collection = 2 };

// What a keyset protects. A workspace keyset has an all-zero collection id.
struct KeyScope {
  ScopeKind kind = ScopeKind::collection;
  WorkspaceId workspace;
  CollectionId collection;

  static KeyScope for_workspace(const WorkspaceId& ws) { return {ScopeKind::workspace, ws, {}}; }
  static KeyScope for_collection(const WorkspaceId& ws, const CollectionId& c) {
    return {ScopeKind::collection, ws, c};
  }
  bool operator==(const KeyScope&) const = default;
};

inline constexpr std::size_t kKeyBytes = 32;

class Keyset {
 public:
  // A keyset with one random generation (1), primary.
  static Keyset create(const KeyScope& scope);
  // An empty keyset, to be filled with insert() from unwrapped generations.
  explicit Keyset(const KeyScope& scope) : scope_(scope) {}

  Keyset(Keyset&&) noexcept = default;
  Keyset& operator=(Keyset&&) noexcept = default;

  // Adds a random generation (highest + 1) and makes it primary; returns its number.
  std::uint32_t rotate();
  // Adds a known generation; with `make_primary` it becomes primary only if it is newer than
  // the current primary (an old wrap replayed by a server cannot roll the primary back).
  // Errors: invalid_argument (generation 0 or key not 32 bytes), conflict (the generation
  // exists with a different key).
  Result<void> insert(std::uint32_t generation, Secret key, bool make_primary);

  const KeyScope& scope() const noexcept { return scope_; }
  bool empty() const noexcept { return keys_.empty(); }
  std::uint32_t primary_generation() const noexcept { return primary_; }
  // REQUIRES: !empty().
  const Secret& primary_key() const;
  // The key of a generation, or nullptr.
  const Secret* find(std::uint32_t generation) const;
  std::vector<std::uint32_t> generations() const;

 private:
  KeyScope scope_;
  std::map<std::uint32_t, Secret> keys_;
  std::uint32_t primary_ = 0;
};

inline constexpr std::size_t kWrappedGenerationBytes = 4 + 1 + 1 + 16 + 16 + 4 + 1 + 32 + 32 + (48 + 69) + 64;

// One generation of `keyset`, wrapped to `recipient` and signed by `granter`.
// Errors: not_found (no such generation).
Result<std::vector<std::uint8_t>> wrap_generation(const Keyset& keyset, std::uint32_t generation,
                                                  const PublicKeys& recipient, const AccountKeys& granter);

struct UnwrappedGeneration {
  std::uint32_t generation = 0;
  bool primary = false;
  Secret key;
  std::array<std::uint8_t, 32> granter{};  // Ed25519 key that signed the wrap: the caller decides
                                           // whether it trusts it (a member, the owner, itself)
};

// Opens a wrapped generation addressed to `me` for the `expected` scope.
// Errors: truncated, trailing_data, malformed, unsupported_version, forbidden (another scope or
// another recipient), auth_failed (bad signature or the box does not open).
Result<UnwrappedGeneration> unwrap_generation(std::span<const std::uint8_t> wrapped, const KeyScope& expected,
                                              const AccountKeys& me);

}  // namespace zkwiki

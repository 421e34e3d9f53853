// Workspace records: the public, signed description of a workspace (its owner and the
// collection new pages go to). The server stores it and checks the signature when it is filed;
// every client checks it again against the owner key it trusts, so a server cannot point new
// pages at another collection (docs/FORMAT.md "Workspace record", docs/SECURITY.md).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "zkwiki/account.h"
#include "zkwiki/ids.h"
#include "zkwiki/result.h"

namespace zkwiki {

inline constexpr std::uint8_t kWorkspaceRecordVersion = 2;
inline constexpr std::size_t kWorkspaceRecordBytes = 4 + 1 + 16 * 3 + 32 + 64;

struct WorkspaceRecord {
  WorkspaceId workspace;
  AccountId owner;
  CollectionId default_collection;
  std::array<std::uint8_t, 32> owner_key{};  // the owner's Ed25519 identity key, which signs
  std::array<std::uint8_t, 64> signature{};

  // Binary form (kWorkspaceRecordBytes); see docs/FORMAT.md.
  std::vector<std::uint8_t> encode() const;
  // Parses and verifies the signature under the record's own owner key; whether that key is the
  // owner's is the caller's decision (the server: the account's key; a client: the key it
  // trusts for `owner`). Errors: truncated, trailing_data, malformed, unsupported_version
  // (version 1, the unsigned record, included), auth_failed (signature).
  static Result<WorkspaceRecord> decode(std::span<const std::uint8_t> bytes);
};

// The record of workspace `ws` owned by `owner` (its id and identity key), signed by it.
WorkspaceRecord sign_workspace_record(const WorkspaceId& ws, const CollectionId& default_collection,
                                      const AccountKeys& owner);

}  // namespace zkwiki

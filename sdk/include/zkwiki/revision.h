// Revision records: the signed, public half of a page revision. The server stores and orders
// them; it can check their syntax and signature but learns nothing of the content. Each record
// names its envelope by hash and its parent record by hash, so a page's history is a hash chain
// signed by its authors.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "zkwiki/account.h"
#include "zkwiki/envelope.h"
#include "zkwiki/ids.h"
#include "zkwiki/result.h"

namespace zkwiki {

inline constexpr std::uint8_t kRevisionVersion = 1;
inline constexpr std::size_t kRevisionRecordBytes = 4 + 1 + 16 * 3 + 8 + 32 + 32 + 8 + 32 + 64;

// The id of a blob: BLAKE2b-256 of its bytes (what the server verifies on upload).
Hash256 blob_id(std::span<const std::uint8_t> bytes);

struct RevisionRecord {
  WorkspaceId workspace;
  CollectionId collection;
  PageId page;
  std::uint64_t revision = 0;  // 1 for a page's first revision, then +1 each
  Hash256 parent;              // hash() of the previous record; zero for revision 1
  Hash256 envelope_id;         // blob_id() of the sealed content
  std::uint64_t envelope_size = 0;
  std::array<std::uint8_t, 32> author{};     // Ed25519 public key of the signer
  std::array<std::uint8_t, 64> signature{};

  // Binary form (kRevisionRecordBytes); see docs/FORMAT.md.
  std::vector<std::uint8_t> encode() const;
  // Parses and verifies the signature under the record's own author key; whether that author is
  // allowed to write here is the caller's decision.
  // Errors: truncated, trailing_data, malformed, unsupported_version, auth_failed (signature).
  static Result<RevisionRecord> decode(std::span<const std::uint8_t> bytes);

  // BLAKE2b-256 of encode(): the value a child names as its parent, and a page head.
  Hash256 hash() const;
  // The context its envelope was sealed for.
  EnvelopeContext envelope_context() const;
};

// Builds and signs the record for `envelope` (REQUIRES: author_secret is 64 bytes).
RevisionRecord sign_revision(const EnvelopeContext& context, std::span<const std::uint8_t> envelope,
                             const std::array<std::uint8_t, 32>& author_public, const Secret& author_secret);

// Checks that `child` directly follows `parent`: same page, revision + 1, parent hash.
// Errors: conflict (a fork or gap), forbidden (another page).
Result<void> verify_chain(const RevisionRecord& parent, const RevisionRecord& child);

// Checks that `envelope` is the one the record names (hash and size). Errors: auth_failed.
Result<void> verify_envelope(const RevisionRecord& record, std::span<const std::uint8_t> envelope);

}  // namespace zkwiki

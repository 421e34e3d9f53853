// The envelope: how every piece of content the server stores is sealed.
//
// A fresh random 32-byte data key (DEK) per envelope is wrapped under the primary generation of
// the collection's (or workspace's) keyset with XChaCha20-Poly1305 and a random 192-bit nonce.
// The padded plaintext is then sealed under the DEK as an authenticated chunk stream
// (age-style STREAM: 64 KiB chunks, XChaCha20-Poly1305, nonce = random prefix || chunk counter
// || last-chunk flag), so truncation, reordering and duplication are detected and memory stays
// bounded when opening large pages. Small pages are simply a stream of one chunk.
//
// Associated data binds the envelope header (format version, kind, key generation, wrapped DEK)
// and its context (workspace, collection, page, revision number, parent revision hash): an
// envelope moved to another page, workspace, revision or key generation fails to open.
//
// Plaintext is padded before sealing (0x80 then zeros, up to the Padmé length of at least 256
// bytes) so the server learns a size class, not the exact size. The byte layout is in
// docs/FORMAT.md.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "zkwiki/ids.h"
#include "zkwiki/keyset.h"
#include "zkwiki/result.h"

namespace zkwiki {

namespace internal {
struct EnvelopeAccess;
}

enum class ContentKind : std::uint8_t {
  page_revision = 1,
  workspace_metadata = 2,
  collection_metadata = 3,
  index_segment = 4,
  index_manifest = 5,
  agent_certificate = 6,  // a grant's certificate, sealed per collection (agent.h)
};

// Where an envelope belongs. The opener must be given the same context the sealer used.
struct EnvelopeContext {
  ContentKind kind = ContentKind::page_revision;
  WorkspaceId workspace;
  CollectionId collection;
  PageId page;
  std::uint64_t revision = 0;
  Hash256 parent;  // hash of the parent revision record; zero for the first revision
};

inline constexpr std::uint8_t kEnvelopeVersion = 1;
inline constexpr std::size_t kEnvelopeHeaderBytes = 100;
inline constexpr std::size_t kChunkBytes = 64 * 1024;
inline constexpr std::size_t kChunkTagBytes = 16;
inline constexpr std::size_t kMaxPlaintextBytes = 64 * 1024 * 1024;
inline constexpr std::size_t kMinPaddedBytes = 256;

// Length of the padded plaintext for `plaintext_bytes` of content: Padmé(max(n + 1, 256)).
std::size_t padded_length(std::size_t plaintext_bytes) noexcept;
// Exact size of the envelope that seals `plaintext_bytes` of content.
std::size_t sealed_size(std::size_t plaintext_bytes) noexcept;

// Seals `plaintext` under the keyset's primary generation.
// Errors: too_large (over kMaxPlaintextBytes), invalid_argument (empty keyset or the keyset's
// scope does not match the context).
Result<std::vector<std::uint8_t>> seal_envelope(const EnvelopeContext& context, const Keyset& keyset,
                                                std::span<const std::uint8_t> plaintext);

// Opens an envelope sealed for `context`. On any failure no plaintext is returned (not even a
// prefix; partial output is wiped).
// Errors: truncated, too_large, malformed (bad magic, wrong kind, bad padding),
// unsupported_version, unknown_key (generation not in keyset), auth_failed (tampered, another
// context, or bytes appended after the final chunk).
Result<std::vector<std::uint8_t>> open_envelope(const EnvelopeContext& context, const Keyset& keyset,
                                                std::span<const std::uint8_t> envelope);

// The same, writing into `out` (its contents are replaced; its capacity is reused, so a caller
// sealing or opening many pages allocates once). On failure `out` is left empty (and wiped).
Result<void> seal_envelope(const EnvelopeContext& context, const Keyset& keyset,
                           std::span<const std::uint8_t> plaintext, std::vector<std::uint8_t>& out);
Result<void> open_envelope(const EnvelopeContext& context, const Keyset& keyset,
                           std::span<const std::uint8_t> envelope, std::vector<std::uint8_t>& out);

struct EnvelopeHeaderInfo {
  std::uint8_t version = 0;
  ContentKind kind = ContentKind::page_revision;
  std::uint32_t generation = 0;
};
// Reads the public header fields without opening anything.
// Errors: truncated, malformed, unsupported_version.
Result<EnvelopeHeaderInfo> inspect_envelope(std::span<const std::uint8_t> envelope);

// Incremental sealing: the same bytes as seal_envelope, fed in pieces of any size.
// Holds at most one chunk of plaintext.
class EnvelopeSealer {
 public:
  // Appends the header to `out`. Errors: as seal_envelope.
  static Result<EnvelopeSealer> begin(const EnvelopeContext& context, const Keyset& keyset,
                                      std::vector<std::uint8_t>& out);
  EnvelopeSealer(EnvelopeSealer&&) noexcept;
  EnvelopeSealer& operator=(EnvelopeSealer&&) noexcept;
  ~EnvelopeSealer();

  // Appends the ciphertext of every complete chunk to `out`. Errors: too_large.
  Result<void> update(std::span<const std::uint8_t> plaintext, std::vector<std::uint8_t>& out);
  // Pads, seals the last chunk(s) and appends them. The sealer is spent afterwards.
  Result<void> finish(std::vector<std::uint8_t>& out);

  struct State;

 private:
  explicit EnvelopeSealer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
  friend struct internal::EnvelopeAccess;
};

// Incremental opening: the opener itself buffers at most one sealed chunk. Plaintext appended by update() has been
// authenticated chunk by chunk, but the stream is only known to be complete when finish()
// succeeds: a caller that streams output must discard it if finish() (or update()) fails.
class EnvelopeOpener {
 public:
  // REQUIRES: `keyset` outlives the opener (it is referenced, not copied).
  static Result<EnvelopeOpener> begin(const EnvelopeContext& context, const Keyset& keyset);
  EnvelopeOpener(EnvelopeOpener&&) noexcept;
  EnvelopeOpener& operator=(EnvelopeOpener&&) noexcept;
  ~EnvelopeOpener();

  // Feeds envelope bytes; appends authenticated plaintext to `out`. Errors: as open_envelope.
  Result<void> update(std::span<const std::uint8_t> envelope_bytes, std::vector<std::uint8_t>& out);
  // Checks the stream ended with its final chunk and canonical padding; appends what remains.
  Result<void> finish(std::vector<std::uint8_t>& out);

  struct State;

 private:
  explicit EnvelopeOpener(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
  friend Result<void> open_envelope(const EnvelopeContext&, const Keyset&, std::span<const std::uint8_t>,
                                    std::vector<std::uint8_t>&);
};

}  // namespace zkwiki

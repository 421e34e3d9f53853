// Deterministic sealing, for test vectors only: the caller supplies what is otherwise random.
#pragma once

#include <array>

#include "zkwiki/envelope.h"

namespace zkwiki::internal {

struct SealRandomness {
  std::array<std::uint8_t, 32> dek{};
  std::array<std::uint8_t, 24> wrap_nonce{};
  std::array<std::uint8_t, 16> stream_prefix{};
};

struct EnvelopeAccess {
  static Result<EnvelopeSealer> begin_with(const EnvelopeContext& context, const Keyset& keyset,
                                           const SealRandomness& randomness, std::vector<std::uint8_t>& out);
};

Result<std::vector<std::uint8_t>> seal_envelope_with(const EnvelopeContext& context, const Keyset& keyset,
                                                     std::span<const std::uint8_t> plaintext,
                                                     const SealRandomness& randomness);

}  // namespace zkwiki::internal

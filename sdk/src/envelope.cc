#include "zkwiki/envelope.h"

#include <sodium.h>

#include <bit>
#include <cstring>

#include "envelope_internal.h"
#include "internal.h"
#include "zkwiki/primitives.h"

namespace zkwiki {
namespace {

using Bytes = std::vector<std::uint8_t>;
constexpr std::string_view kMagic = "ZKWE";
constexpr std::size_t kWrapNonceOffset = 12;
constexpr std::size_t kWrappedDekOffset = 36;
constexpr std::size_t kPrefixOffset = 84;
constexpr std::size_t kContextBytes = 16 * 3 + 8 + 32;
constexpr std::size_t kAadBytes = kEnvelopeHeaderBytes + kContextBytes;
constexpr std::size_t kSealedChunkBytes = kChunkBytes + kChunkTagBytes;

// AAD = header[0..100) || workspace || collection || page || revision u64 || parent.
// The DEK wrap uses the first 36 header bytes only (the rest does not exist yet).
struct Aad {
  std::array<std::uint8_t, kAadBytes> bytes{};
  void set_context(const EnvelopeContext& c) {
    std::uint8_t* p = bytes.data() + kEnvelopeHeaderBytes;
    std::memcpy(p, c.workspace.bytes.data(), 16);
    std::memcpy(p + 16, c.collection.bytes.data(), 16);
    std::memcpy(p + 32, c.page.bytes.data(), 16);
    for (int i = 0; i < 8; ++i) p[48 + i] = static_cast<std::uint8_t>(c.revision >> (8 * i));
    std::memcpy(p + 56, c.parent.bytes.data(), 32);
  }
  // The wrap AAD: header bytes 0..36 followed by the context.
  Bytes wrap_aad() const {
    Bytes a(bytes.begin(), bytes.begin() + kWrappedDekOffset);
    a.insert(a.end(), bytes.begin() + kEnvelopeHeaderBytes, bytes.end());
    return a;
  }
};

std::array<std::uint8_t, 24> chunk_nonce(const std::uint8_t* prefix, std::uint64_t counter, bool last) {
  std::array<std::uint8_t, 24> n{};
  std::memcpy(n.data(), prefix, 16);
  for (int i = 0; i < 7; ++i) n[16 + i] = static_cast<std::uint8_t>(counter >> (8 * (6 - i)));
  n[23] = last ? 1 : 0;
  return n;
}

Result<void> check_scope(const EnvelopeContext& c, const Keyset& keyset) {
  const KeyScope& s = keyset.scope();
  if (keyset.empty()) return make_error(Errc::invalid_argument, "the keyset has no keys");
  if (s.workspace != c.workspace || (s.kind == ScopeKind::collection && s.collection != c.collection))
    return make_error(Errc::invalid_argument, "the keyset belongs to another workspace or collection");
  return {};
}

// Output into a byte vector. `len` is the logical end: storage already in the vector beyond it
// (from an earlier use of the same vector) is overwritten in place rather than zero-filled
// first, so a caller that reuses one buffer for many pages pays no extra pass over memory.
class Sink {
 public:
  Sink(Bytes& v, std::size_t len) : v_(v), len_(len) {}
  std::uint8_t* grow(std::size_t n) {
    // Past the capacity the bytes move to new storage here, not by the vector, which would free
    // the old storage unwiped: it may hold plaintext (an opener's output).
    if (len_ + n > v_.capacity()) {
      Bytes bigger;
      bigger.reserve(std::max(len_ + n, 2 * v_.capacity()));
      bigger.assign(v_.begin(), v_.begin() + static_cast<std::ptrdiff_t>(std::min(len_, v_.size())));
      wipe(v_);
      v_.swap(bigger);
    }
    if (len_ + n > v_.size()) v_.resize(len_ + n);
    std::uint8_t* p = v_.data() + len_;
    len_ += n;
    return p;
  }
  std::uint8_t* data() noexcept { return v_.data(); }
  std::size_t size() const noexcept { return len_; }
  void truncate(std::size_t n) noexcept { len_ = n; }
  // Wipes and drops everything from `from` on.
  void discard_from(std::size_t from) noexcept {
    wipe({v_.data() + from, v_.size() - from});
    len_ = from;
  }
  void close() { v_.resize(len_); }

 private:
  Bytes& v_;
  std::size_t len_;
};

std::size_t padme(std::size_t len) noexcept {
  if (len < 2) return len;
  unsigned e = std::bit_width(len) - 1;           // floor(log2 len)
  unsigned s = std::bit_width(std::size_t{e});    // floor(log2 e) + 1
  unsigned last_bits = e - s;
  std::size_t mask = (std::size_t{1} << last_bits) - 1;
  return (len + mask) & ~mask;
}

}  // namespace

std::size_t padded_length(std::size_t n) noexcept { return padme(std::max(n + 1, kMinPaddedBytes)); }

std::size_t sealed_size(std::size_t n) noexcept {
  std::size_t p = padded_length(n);
  std::size_t chunks = (p + kChunkBytes - 1) / kChunkBytes;
  return kEnvelopeHeaderBytes + p + chunks * kChunkTagBytes;
}

// ---------------------------------------------------------------------------------------------
// Sealing

struct EnvelopeSealer::State {
  Aad aad;
  Secret dek{32};
  std::uint64_t counter = 0;
  std::size_t total = 0;    // content bytes seen
  Bytes tail;               // < one chunk of content not yet sealed
  bool finished = false;

  // The tail's storage is reserved before it holds anything: a vector that grows reallocates
  // and frees its old storage unwiped, which left up to a chunk of page text in freed memory
  // (found by tests/wasm/core.test.cjs searching wasm memory after a seal). finish() needs the
  // whole chunk anyway.
  State() { tail.reserve(kChunkBytes); }

  void seal_chunk(const std::uint8_t* data, std::size_t len, bool last, Sink& out) {
    auto nonce = chunk_nonce(aad.bytes.data() + kPrefixOffset, counter++, last);
    crypto_aead_xchacha20poly1305_ietf_encrypt(out.grow(len + kChunkTagBytes), nullptr, data, len, aad.bytes.data(),
                                               aad.bytes.size(), nullptr, nonce.data(), dek.reveal().data());
  }

  Result<void> update(std::span<const std::uint8_t> data, Sink& out) {
    if (finished) internal::misuse("EnvelopeSealer::update after finish or failure");
    if (data.size() > kMaxPlaintextBytes - total) {
      finished = true;  // a failed sealer never produces an envelope with data missing
      return make_error(Errc::too_large,
                        "page exceeds the maximum of " + std::to_string(kMaxPlaintextBytes) + " bytes");
    }
    total += data.size();
    // A full chunk of content is never the last one: the padding marker always follows it.
    if (!tail.empty()) {
      std::size_t take = std::min(data.size(), kChunkBytes - tail.size());
      tail.insert(tail.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(take));
      data = data.subspan(take);
      if (tail.size() < kChunkBytes) return {};
      seal_chunk(tail.data(), kChunkBytes, false, out);
      wipe(tail);
      tail.clear();
    }
    while (data.size() >= kChunkBytes) {
      seal_chunk(data.data(), kChunkBytes, false, out);
      data = data.subspan(kChunkBytes);
    }
    tail.assign(data.begin(), data.end());
    return {};
  }

  Result<void> finish(Sink& out) {
    if (finished) internal::misuse("EnvelopeSealer::finish after finish or failure");
    finished = true;
    // Remaining framed bytes: tail || 0x80 || zeros, up to the padded length.
    std::size_t remaining = padded_length(total) - (total - tail.size());
    tail.reserve(kChunkBytes);
    tail.push_back(0x80);
    while (true) {
      std::size_t len = std::min(remaining, kChunkBytes);
      tail.resize(len, 0);
      bool last = remaining == len;
      seal_chunk(tail.data(), len, last, out);
      wipe(tail);
      if (last) break;
      remaining -= len;
      tail.clear();
    }
    tail.clear();
    return {};
  }
};

namespace {

Result<std::unique_ptr<EnvelopeSealer::State>> begin_sealing(const EnvelopeContext& context, const Keyset& keyset,
                                                             const internal::SealRandomness& rnd, Sink& out) {
  ZKWIKI_TRY(check_scope(context, keyset));
  auto st = std::make_unique<EnvelopeSealer::State>();
  std::memcpy(st->dek.reveal_mutable().data(), rnd.dek.data(), 32);
  std::uint8_t* h = st->aad.bytes.data();
  std::memcpy(h, kMagic.data(), 4);
  h[4] = kEnvelopeVersion;
  h[5] = static_cast<std::uint8_t>(context.kind);
  h[6] = h[7] = 0;  // reserved
  std::uint32_t gen = keyset.primary_generation();
  for (int i = 0; i < 4; ++i) h[8 + i] = static_cast<std::uint8_t>(gen >> (8 * i));
  std::memcpy(h + kWrapNonceOffset, rnd.wrap_nonce.data(), 24);
  st->aad.set_context(context);
  Bytes wrap_aad = st->aad.wrap_aad();
  crypto_aead_xchacha20poly1305_ietf_encrypt(h + kWrappedDekOffset, nullptr, st->dek.reveal().data(), 32,
                                             wrap_aad.data(), wrap_aad.size(), nullptr, h + kWrapNonceOffset,
                                             keyset.primary_key().reveal().data());
  std::memcpy(h + kPrefixOffset, rnd.stream_prefix.data(), 16);
  std::memcpy(out.grow(kEnvelopeHeaderBytes), h, kEnvelopeHeaderBytes);
  return st;
}

internal::SealRandomness fresh_randomness() {
  internal::SealRandomness rnd;
  primitives::random_bytes(rnd.dek);
  primitives::random_bytes(rnd.wrap_nonce);
  primitives::random_bytes(rnd.stream_prefix);
  return rnd;
}

// One-shot sealing into `out`, overwriting its contents.
Result<void> seal_into(const EnvelopeContext& context, const Keyset& keyset, std::span<const std::uint8_t> plaintext,
                       const internal::SealRandomness& rnd, Bytes& out) {
  if (plaintext.size() > kMaxPlaintextBytes) {
    out.clear();
    return make_error(Errc::too_large, "page exceeds the maximum of " + std::to_string(kMaxPlaintextBytes) + " bytes");
  }
  if (out.capacity() < sealed_size(plaintext.size())) out.reserve(sealed_size(plaintext.size()));
  Sink sink(out, 0);
  auto st = begin_sealing(context, keyset, rnd, sink);
  auto r = st ? (*st)->update(plaintext, sink) : Result<void>(std::move(st).error());
  if (r) r = (*st)->finish(sink);
  if (!r) sink.truncate(0);
  sink.close();
  return r;
}

}  // namespace

EnvelopeSealer::EnvelopeSealer(std::unique_ptr<State> state) : state_(std::move(state)) {}
EnvelopeSealer::EnvelopeSealer(EnvelopeSealer&&) noexcept = default;
EnvelopeSealer& EnvelopeSealer::operator=(EnvelopeSealer&&) noexcept = default;
EnvelopeSealer::~EnvelopeSealer() {
  if (state_) wipe(state_->tail);
}

Result<EnvelopeSealer> internal::EnvelopeAccess::begin_with(const EnvelopeContext& context, const Keyset& keyset,
                                                            const SealRandomness& rnd, Bytes& out) {
  Sink sink(out, out.size());
  auto st = begin_sealing(context, keyset, rnd, sink);
  sink.close();
  if (!st) return std::move(st).error();
  return EnvelopeSealer(std::move(st).value());
}

Result<EnvelopeSealer> EnvelopeSealer::begin(const EnvelopeContext& context, const Keyset& keyset, Bytes& out) {
  auto rnd = fresh_randomness();
  auto sealer = internal::EnvelopeAccess::begin_with(context, keyset, rnd, out);
  wipe(rnd.dek);
  return sealer;
}

Result<void> EnvelopeSealer::update(std::span<const std::uint8_t> data, Bytes& out) {
  Sink sink(out, out.size());
  auto r = state_->update(data, sink);
  sink.close();
  return r;
}

Result<void> EnvelopeSealer::finish(Bytes& out) {
  Sink sink(out, out.size());
  auto r = state_->finish(sink);
  sink.close();
  return r;
}

Result<Bytes> internal::seal_envelope_with(const EnvelopeContext& context, const Keyset& keyset,
                                           std::span<const std::uint8_t> plaintext, const SealRandomness& rnd) {
  Bytes out;
  ZKWIKI_TRY(seal_into(context, keyset, plaintext, rnd, out));
  return out;
}

Result<void> seal_envelope(const EnvelopeContext& context, const Keyset& keyset,
                           std::span<const std::uint8_t> plaintext, Bytes& out) {
  auto rnd = fresh_randomness();
  auto r = seal_into(context, keyset, plaintext, rnd, out);
  wipe(rnd.dek);
  return r;
}

Result<Bytes> seal_envelope(const EnvelopeContext& context, const Keyset& keyset,
                            std::span<const std::uint8_t> plaintext) {
  Bytes out;
  ZKWIKI_TRY(seal_envelope(context, keyset, plaintext, out));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Opening

Result<EnvelopeHeaderInfo> inspect_envelope(std::span<const std::uint8_t> envelope) {
  internal::ByteReader r(envelope);
  EnvelopeHeaderInfo info;
  if (internal::expect_magic(r, kMagic, kEnvelopeVersion, "zkwiki envelope")) {
    info.version = kEnvelopeVersion;
    info.kind = static_cast<ContentKind>(r.u8());
    std::uint16_t reserved = r.u16();
    info.generation = r.u32();
    if (!r.failed() && reserved != 0) r.fail(Errc::malformed, "reserved header bytes are not zero");
  }
  if (r.failed()) return r.finish("envelope").error();
  if (envelope.size() < kEnvelopeHeaderBytes) return make_error(Errc::truncated, "envelope: header is incomplete");
  return info;
}

struct EnvelopeOpener::State {
  EnvelopeContext context;
  const Keyset* keyset = nullptr;
  Aad aad;
  Secret dek;
  bool have_header = false;
  bool done = false;
  bool failed = false;
  std::uint64_t counter = 0;
  std::size_t framed = 0;      // decrypted framed bytes so far
  bool marker_pending = false; // a 0x80 was seen with only zeros after it so far
  std::size_t zeros_pending = 0;
  Bytes in;                    // buffered bytes of an incomplete header or chunk

  Result<void> read_header(const std::uint8_t* header) {
    ZKWIKI_ASSIGN(EnvelopeHeaderInfo info, inspect_envelope({header, kEnvelopeHeaderBytes}));
    if (info.kind != context.kind)
      return make_error(Errc::malformed, "envelope holds another kind of content than expected");
    const Secret* key = keyset->find(info.generation);
    if (key == nullptr)
      return make_error(Errc::unknown_key, "envelope is sealed under key generation " + std::to_string(info.generation) +
                                               ", which this keyset does not have");
    std::memcpy(aad.bytes.data(), header, kEnvelopeHeaderBytes);
    aad.set_context(context);
    Bytes wrap_aad = aad.wrap_aad();
    dek = Secret(32);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(dek.reveal_mutable().data(), nullptr, nullptr,
                                                   header + kWrappedDekOffset, 48, wrap_aad.data(), wrap_aad.size(),
                                                   header + kWrapNonceOffset, key->reveal().data()) != 0)
      return make_error(Errc::auth_failed, "envelope does not authenticate (tampered, or sealed for another context)");
    have_header = true;
    return {};
  }

  // Opens one sealed chunk, decrypting straight into `out`.
  Result<void> open_chunk(const std::uint8_t* ct, std::size_t len, bool last, Sink& out) {
    if (len < kChunkTagBytes + 1) return make_error(Errc::truncated, "envelope: chunk shorter than its tag");
    std::size_t plain = len - kChunkTagBytes;
    if (framed + plain > padded_length(kMaxPlaintextBytes))
      return make_error(Errc::too_large, "envelope exceeds the maximum page size");
    std::size_t at = out.size();
    std::uint8_t* dst = out.grow(plain);
    auto nonce = chunk_nonce(aad.bytes.data() + kPrefixOffset, counter, last);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(dst, nullptr, nullptr, ct, len, aad.bytes.data(), aad.bytes.size(),
                                                   nonce.data(), dek.reveal().data()) != 0) {
      out.truncate(at);
      if (last && len == kSealedChunkBytes) {
        // A non-final chunk where the final one should be: the stream was cut short.
        auto as_middle = chunk_nonce(aad.bytes.data() + kPrefixOffset, counter, false);
        if (verify_tag_only(ct, plain, as_middle))
          return make_error(Errc::truncated, "envelope: chunk stream ends without its final chunk");
      }
      return make_error(Errc::auth_failed, "envelope chunk " + std::to_string(counter) + " does not authenticate");
    }
    ++counter;
    framed += plain;
    hold_back_padding(out, at);
    return {};
  }

  // Checks a chunk's tag without keeping its plaintext.
  bool verify_tag_only(const std::uint8_t* ct, std::size_t plain, const std::array<std::uint8_t, 24>& nonce) {
    Bytes scratch(plain);
    bool ok = crypto_aead_xchacha20poly1305_ietf_decrypt(scratch.data(), nullptr, nullptr, ct, plain + kChunkTagBytes,
                                                         aad.bytes.data(), aad.bytes.size(), nonce.data(),
                                                         dek.reveal().data()) == 0;
    wipe(scratch);
    return ok;
  }

  // Of the chunk just appended at out[at..], holds back a trailing 0x80 0x00... run that may be
  // padding (as a count, so memory stays bounded), and releases a run held back earlier once
  // non-zero content follows it.
  void hold_back_padding(Sink& out, std::size_t at) {
    std::size_t end = out.size();
    std::size_t j = end;
    const std::uint8_t* d = out.data();
    while (j > at && d[j - 1] == 0) --j;
    if (j == at) {  // the chunk is all zeros
      if (marker_pending) {
        zeros_pending += end - at;
        out.truncate(at);
      }
      return;
    }
    if (marker_pending) {  // what looked like padding was content: put it back in front
      std::size_t run = 1 + zeros_pending;
      out.grow(run);
      std::uint8_t* w = out.data();
      std::memmove(w + at + run, w + at, end - at);
      w[at] = 0x80;
      std::memset(w + at + 1, 0, zeros_pending);
      j += run;
      end += run;
      marker_pending = false;
      zeros_pending = 0;
    }
    if (out.data()[j - 1] == 0x80) {
      marker_pending = true;
      zeros_pending = end - j;
      out.truncate(j - 1);
    }
  }
};

EnvelopeOpener::EnvelopeOpener(std::unique_ptr<State> state) : state_(std::move(state)) {}
EnvelopeOpener::EnvelopeOpener(EnvelopeOpener&&) noexcept = default;
EnvelopeOpener& EnvelopeOpener::operator=(EnvelopeOpener&&) noexcept = default;
EnvelopeOpener::~EnvelopeOpener() = default;

Result<EnvelopeOpener> EnvelopeOpener::begin(const EnvelopeContext& context, const Keyset& keyset) {
  ZKWIKI_TRY(check_scope(context, keyset));
  auto st = std::make_unique<State>();
  st->context = context;
  st->keyset = &keyset;
  return EnvelopeOpener(std::move(st));
}

namespace {

// Feeds envelope bytes through an opener's state into `out`.
Result<void> open_update(EnvelopeOpener::State& s, std::span<const std::uint8_t> bytes, Sink& out) {
  if (!s.have_header) {
    std::size_t take = std::min(bytes.size(), kEnvelopeHeaderBytes - s.in.size());
    s.in.insert(s.in.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
    bytes = bytes.subspan(take);
    if (s.in.size() < kEnvelopeHeaderBytes) {
      // Reject a wrong magic or version as soon as it is visible.
      auto info = inspect_envelope(s.in);
      if (!info && info.error().code != Errc::truncated) return std::move(info).error();
      return {};
    }
    ZKWIKI_TRY(s.read_header(s.in.data()));
    s.in.clear();
  }
  // Complete a partially buffered chunk first; a full chunk followed by more bytes is not the
  // last one, so the final chunk always stays buffered until finish().
  if (!s.in.empty()) {
    std::size_t take = std::min(bytes.size(), kSealedChunkBytes - s.in.size());
    s.in.insert(s.in.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
    bytes = bytes.subspan(take);
    if (s.in.size() < kSealedChunkBytes || bytes.empty()) return {};
    ZKWIKI_TRY(s.open_chunk(s.in.data(), kSealedChunkBytes, false, out));
    s.in.clear();
  }
  while (bytes.size() > kSealedChunkBytes) {
    ZKWIKI_TRY(s.open_chunk(bytes.data(), kSealedChunkBytes, false, out));
    bytes = bytes.subspan(kSealedChunkBytes);
  }
  s.in.assign(bytes.begin(), bytes.end());
  return {};
}

Result<void> open_finish(EnvelopeOpener::State& s, Sink& out) {
  if (!s.have_header) {
    auto info = inspect_envelope(s.in);
    if (!info) return std::move(info).error();
    return make_error(Errc::truncated, "envelope: header is incomplete");
  }
  if (s.in.empty()) return make_error(Errc::truncated, "envelope: chunk stream is empty or cut short");
  ZKWIKI_TRY(s.open_chunk(s.in.data(), s.in.size(), true, out));
  if (!s.marker_pending) return make_error(Errc::malformed, "envelope: padding marker missing");
  std::size_t content = s.framed - 1 - s.zeros_pending;
  if (content > kMaxPlaintextBytes) return make_error(Errc::too_large, "envelope exceeds the maximum page size");
  if (padded_length(content) != s.framed)
    return make_error(Errc::malformed, "envelope: padding is not canonical for its length");
  return {};
}

// Runs one step; on failure wipes what the step released and poisons the opener.
template <class Step>
Result<void> guarded(EnvelopeOpener::State& s, Bytes& out, std::size_t from, Step step) {
  if (s.failed || s.done) internal::misuse("EnvelopeOpener used after failure or finish");
  Sink sink(out, from);
  auto r = step(sink);
  if (!r) {
    sink.discard_from(from);
    s.failed = true;
    wipe(s.in);
  }
  sink.close();
  return r;
}

}  // namespace

Result<void> EnvelopeOpener::update(std::span<const std::uint8_t> bytes, Bytes& out) {
  return guarded(*state_, out, out.size(), [&](Sink& sink) { return open_update(*state_, bytes, sink); });
}

Result<void> EnvelopeOpener::finish(Bytes& out) {
  auto r = guarded(*state_, out, out.size(), [&](Sink& sink) { return open_finish(*state_, sink); });
  if (r) state_->done = true;
  return r;
}

Result<void> open_envelope(const EnvelopeContext& context, const Keyset& keyset,
                           std::span<const std::uint8_t> envelope, Bytes& out) {
  if (envelope.size() > sealed_size(kMaxPlaintextBytes)) {
    wipe(out);
    out.clear();
    return make_error(Errc::too_large, "envelope exceeds the maximum page size");
  }
  auto opener = EnvelopeOpener::begin(context, keyset);
  if (!opener) {
    wipe(out);
    out.clear();
    return std::move(opener).error();
  }
  // One pass, writing over `out`'s existing storage from offset 0, reserved for the whole page
  // first (the plaintext is shorter than the envelope): no storage moves while it fills.
  if (out.capacity() < envelope.size()) {
    wipe(out);
    Bytes fresh;
    fresh.reserve(envelope.size());
    out.swap(fresh);
  }
  EnvelopeOpener::State& s = *opener->state_;
  return guarded(s, out, 0, [&](Sink& sink) -> Result<void> {
    ZKWIKI_TRY(open_update(s, envelope, sink));
    return open_finish(s, sink);
  });
}

Result<Bytes> open_envelope(const EnvelopeContext& context, const Keyset& keyset,
                            std::span<const std::uint8_t> envelope) {
  Bytes out;
  ZKWIKI_TRY(open_envelope(context, keyset, envelope, out));
  return out;
}

}  // namespace zkwiki

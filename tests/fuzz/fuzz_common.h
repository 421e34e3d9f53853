// Shared by the libFuzzer targets of tests/fuzz: the fixed keys and contexts of tests/vectors
// (so the checked-in seeds, cut from the vectors, open and verify), a deterministic RNG, and
// the property check. Each target is built twice: with clang as a libFuzzer binary
// (./zkwiki.sh fuzz), and with any compiler as a replayer of its seeds (ctest FuzzSeeds.*).
#pragma once

#include <sodium.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zkwiki/account.h"
#include "zkwiki/envelope.h"
#include "zkwiki/ids.h"
#include "zkwiki/keyset.h"
#include "zkwiki/secret.h"

namespace zkwiki::fuzz {

// A violated property is a crash the fuzzer reports (with the input that caused it).
#define ZKWIKI_FUZZ_CHECK(cond)                                                          \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "fuzz property failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

inline std::vector<std::uint8_t> unhex(std::string_view h) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return out;
}

// Bytes start, start + 1, ... (the vectors' fixed ids and keys are runs like this).
inline std::vector<std::uint8_t> run(std::uint8_t start, std::size_t n) {
  std::vector<std::uint8_t> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(start + i);
  return out;
}

template <class Id>
Id id_run(std::uint8_t start) {
  Id id;
  auto b = run(start, id.bytes.size());
  std::copy(b.begin(), b.end(), id.bytes.begin());
  return id;
}

// The vectors' workspace 10.., collection 20.., page 30.., parent 40..5f.
inline WorkspaceId workspace() { return id_run<WorkspaceId>(0x10); }
inline CollectionId collection() { return id_run<CollectionId>(0x20); }
inline PageId page() { return id_run<PageId>(0x30); }

// The context and keyset of tests/vectors/envelope-*.json: generation 3, key 80..9f.
inline EnvelopeContext envelope_context() {
  return {ContentKind::page_revision, workspace(), collection(), page(), 2, id_run<Hash256>(0x40)};
}
inline Keyset envelope_keyset() {
  Keyset k(KeyScope::for_collection(workspace(), collection()));
  if (!k.insert(3, Secret::from_bytes(run(0x80, 32)), true).ok()) std::abort();
  return k;
}

// The recipient of tests/vectors/wrapped-key*.json.
inline AccountKeys recipient_keys() {
  return AccountKeys::from_seeds(AccountId{}, Secret::from_bytes(run(0x61, 32)), Secret::from_bytes(run(0x71, 32)));
}

// libsodium's randomness from a fixed-key stream, so a crash reproduces from its input alone.
// Must run before sodium_init (LLVMFuzzerInitialize, or the replayer's main, calls it first).
inline void use_deterministic_rng() {
  static std::uint64_t counter = 0;
  static randombytes_implementation impl = {
      [] { return "zkwiki-fuzz"; },
      [] {
        std::uint32_t v;
        randombytes_buf_deterministic(&v, sizeof v, run(0xf0, 32).data());  // fixed seed...
        return v ^ static_cast<std::uint32_t>(++counter * 0x9e3779b9u);     // ...and a counter
      },
      nullptr,
      nullptr,
      [](void* buf, std::size_t n) {
        unsigned char seed[randombytes_SEEDBYTES] = {};
        std::uint64_t c = ++counter;
        for (int i = 0; i < 8; ++i) seed[i] = static_cast<unsigned char>(c >> (8 * i));
        randombytes_buf_deterministic(buf, n, seed);
      },
      nullptr,
  };
  randombytes_set_implementation(&impl);
  if (sodium_init() < 0) std::abort();
}

inline std::span<const std::uint8_t> bytes(const std::uint8_t* data, std::size_t size) { return {data, size}; }
inline std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace zkwiki::fuzz

// Every target starts with the deterministic RNG.
#define ZKWIKI_FUZZ_INIT                                                        \
  extern "C" int LLVMFuzzerInitialize(int*, char***) {                          \
    zkwiki::fuzz::use_deterministic_rng();                                      \
    return 0;                                                                   \
  }

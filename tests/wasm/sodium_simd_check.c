/* libsodium's SIMD code as the wasm build compiles it (wasm SIMD through Emscripten's SSE
 * headers, wasm/cmake/deps.cmake) against libsodium's reference code, in the same wasm binary:
 * ChaCha20 (original and IETF, every length from 0 to 2,100 bytes and a few long ones, around
 * the counter's 32-bit edge) and Argon2id's memory filling (several costs, both the data-
 * independent and the data-dependent passes). The envelope vectors cover only some lengths;
 * this is where a miscompiled vector path shows (the one this found: clang 14's wasm SIMD
 * instruction selection, four-block ChaCha20 path). Also checks that libsodium picks the SIMD
 * code at run time (and, in a build without wasm SIMD, that it reports no SIMD feature). Run by
 * ctest as wasm_sodium_simd; prints "N passed, N failed". */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "argon2-core.h"
#include "argon2.h"
#include "dolbeau/chacha20_dolbeau-ssse3.h"
#include "ref/chacha20_ref.h"

static int passed, failed;

static void check(int ok, const char *what, unsigned long long a, unsigned long long b) {
  if (ok) {
    passed++;
  } else {
    failed++;
    if (failed <= 20) printf("FAILED: %s (%llu, %llu)\n", what, a, b);
  }
}

#if defined(ZKWIKI_SIMD_CHACHA20) || defined(ZKWIKI_SIMD_ARGON2)
static void fill(unsigned char *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) p[i] = (unsigned char) ((i * 131u + seed * 7u + (i >> 8)) & 0xFF);
}
#endif

#ifdef ZKWIKI_SIMD_CHACHA20
static void check_chacha20(void) {
  enum { MAX = 70000 };
  static unsigned char m[MAX], a[MAX], b[MAX];
  unsigned char k[32], n[12];
  const crypto_stream_chacha20_implementation *simd = &crypto_stream_chacha20_dolbeau_ssse3_implementation;
  const crypto_stream_chacha20_implementation *ref = &crypto_stream_chacha20_ref_implementation;
  static const unsigned long long counters[] = {0, 1, 7, 0xFFFFFFFDull, 0xFFFFFFFFull};
  static const size_t long_lengths[] = {4095, 4096, 4097, 65536, 65552, MAX};
  fill(m, MAX, 1);
  fill(k, sizeof k, 2);
  fill(n, sizeof n, 3);
  for (size_t c = 0; c < sizeof counters / sizeof counters[0]; c++) {
    for (size_t len = 0; len <= 2100 + sizeof long_lengths / sizeof long_lengths[0]; len++) {
      size_t l = len <= 2100 ? len : long_lengths[len - 2101];
      simd->stream_xor_ic(a, m, l, n, counters[c], k);
      ref->stream_xor_ic(b, m, l, n, counters[c], k);
      check(memcmp(a, b, l) == 0, "chacha20 xor_ic (length, counter)", l, counters[c]);
      /* The IETF counter is 32 bits: its edge is where the SIMD code's 64-bit adds differ. */
      if ((unsigned long long) (uint32_t) counters[c] + l / 64 <= 0xFFFFFFFFull) {
        simd->stream_ietf_ext_xor_ic(a, m, l, n, (uint32_t) counters[c], k);
        ref->stream_ietf_ext_xor_ic(b, m, l, n, (uint32_t) counters[c], k);
        check(memcmp(a, b, l) == 0, "chacha20 ietf xor_ic (length, counter)", l, counters[c]);
      }
    }
  }
  for (size_t l = 0; l <= 1100; l += 17) {
    simd->stream(a, l, n, k);
    ref->stream(b, l, n, k);
    check(memcmp(a, b, l) == 0, "chacha20 stream (length)", l, 0);
  }
}
#endif

#ifdef ZKWIKI_SIMD_ARGON2
/* Argon2id with the given fill function, through libsodium's internals (as
 * wasm/src/argon2_progress.c): the same tag as crypto_pwhash when fill_segment is right. */
static int argon2id_with(fill_segment_fn fill_segment, uint32_t t_cost, uint32_t m_cost, unsigned char out[32]) {
  unsigned char pwd[11] = "passphrase", salt[16];
  argon2_context context;
  argon2_instance_t instance;
  uint32_t segment_length;
  fill(salt, sizeof salt, t_cost + m_cost);
  memset(&context, 0, sizeof context);
  context.out = out;
  context.outlen = 32;
  context.pwd = pwd;
  context.pwdlen = 10;
  context.salt = salt;
  context.saltlen = sizeof salt;
  context.t_cost = t_cost;
  context.m_cost = m_cost;
  context.lanes = 1;
  context.threads = 1;
  context.flags = ARGON2_DEFAULT_FLAGS;
  if (validate_inputs(&context) != ARGON2_OK) return -1;
  segment_length = m_cost / ARGON2_SYNC_POINTS;
  memset(&instance, 0, sizeof instance);
  instance.passes = t_cost;
  instance.current_pass = ~0U;
  instance.memory_blocks = segment_length * ARGON2_SYNC_POINTS;
  instance.segment_length = segment_length;
  instance.lane_length = segment_length * ARGON2_SYNC_POINTS;
  instance.lanes = 1;
  instance.threads = 1;
  instance.type = Argon2_id;
  if (initialize(&instance, &context) != ARGON2_OK) return -1;
  for (uint32_t pass = 0; pass < t_cost; pass++) {
    for (uint8_t slice = 0; slice < ARGON2_SYNC_POINTS; slice++) {
      argon2_position_t position;
      position.pass = pass;
      position.lane = 0;
      position.slice = slice;
      position.index = 0;
      fill_segment(&instance, position);
    }
  }
  finalize(&context, &instance);
  return 0;
}

static void check_argon2(void) {
  static const uint32_t costs[][2] = {{1, 8}, {1, 64}, {2, 256}, {3, 1024}, {1, 4096}};
  for (size_t i = 0; i < sizeof costs / sizeof costs[0]; i++) {
    unsigned char a[32], b[32];
    int ra = argon2id_with(fill_segment_ssse3, costs[i][0], costs[i][1], a);
    int rb = argon2id_with(fill_segment_ref, costs[i][0], costs[i][1], b);
    check(ra == 0 && rb == 0 && memcmp(a, b, 32) == 0, "argon2id fill_segment (t, m KiB)", costs[i][0], costs[i][1]);
  }
}
#endif

int main(void) {
  if (sodium_init() < 0) {
    printf("sodium_init failed\n");
    return 1;
  }
#ifdef __wasm_simd128__
  check(sodium_runtime_has_ssse3() == 1 && sodium_runtime_has_avx2() == 0, "SIMD features reported under wasm SIMD", 0, 0);
#else
  check(sodium_runtime_has_sse2() == 0 && sodium_runtime_has_ssse3() == 0, "no SIMD feature reported without wasm SIMD", 0, 0);
#endif
#ifdef ZKWIKI_SIMD_CHACHA20
  check_chacha20();
#endif
#ifdef ZKWIKI_SIMD_ARGON2
  check_argon2();
#endif
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

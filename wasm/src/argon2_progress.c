/* Argon2id for the wasm build, pass by pass, reporting progress to JS between passes.
 *
 * libsodium's crypto_pwhash runs all passes in one call, so a browser can show no progress. This
 * is argon2_hash + argon2_ctx of libsodium 1.0.18 (crypto_pwhash/argon2/argon2.c) with the same
 * context (one lane, no secret, no associated data, default flags) and a call to
 * Module.zkwKdfProgress(done, total) after initialization and after each pass. It uses
 * libsodium's own internals (initialize, fill_memory_blocks, finalize), so the output is
 * crypto_pwhash's: the account vectors (tests/vectors/account-*.json) check that under node. */
#include <emscripten.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>

#include "argon2-core.h"
#include "argon2.h"

EM_JS(void, zkw_js_kdf_progress, (uint32_t done, uint32_t total), {
  const f = Module['zkwKdfProgress'];
  if (typeof f === 'function') {
    try { f(done, total); } catch (e) { /* a failing callback must not break the KDF */ }
  }
});

int zkwiki_wasm_argon2id(uint8_t *out, size_t outlen, const uint8_t *pwd, size_t pwdlen,
                         const uint8_t *salt, size_t saltlen, uint32_t t_cost, uint32_t m_cost_kib) {
  argon2_context context;
  argon2_instance_t instance;
  uint32_t memory_blocks, segment_length, pass;
  uint8_t *hash;
  int result;

  if (pwdlen > ARGON2_MAX_PWD_LENGTH || outlen > ARGON2_MAX_OUTLEN || saltlen > ARGON2_MAX_SALT_LENGTH) return -1;
  hash = (uint8_t *) malloc(outlen);
  if (hash == NULL) return -1;

  context.out = hash;
  context.outlen = (uint32_t) outlen;
  context.pwd = (uint8_t *) pwd;
  context.pwdlen = (uint32_t) pwdlen;
  context.salt = (uint8_t *) salt;
  context.saltlen = (uint32_t) saltlen;
  context.secret = NULL;
  context.secretlen = 0;
  context.ad = NULL;
  context.adlen = 0;
  context.t_cost = t_cost;
  context.m_cost = m_cost_kib;
  context.lanes = 1;
  context.threads = 1;
  context.flags = ARGON2_DEFAULT_FLAGS;

  result = validate_inputs(&context);
  if (result != ARGON2_OK) goto fail;

  memory_blocks = context.m_cost;
  if (memory_blocks < 2 * ARGON2_SYNC_POINTS * context.lanes) memory_blocks = 2 * ARGON2_SYNC_POINTS * context.lanes;
  segment_length = memory_blocks / (context.lanes * ARGON2_SYNC_POINTS);
  memory_blocks = segment_length * (context.lanes * ARGON2_SYNC_POINTS);

  instance.region = NULL;
  instance.passes = context.t_cost;
  instance.current_pass = ~0U;
  instance.memory_blocks = memory_blocks;
  instance.segment_length = segment_length;
  instance.lane_length = segment_length * ARGON2_SYNC_POINTS;
  instance.lanes = context.lanes;
  instance.threads = context.threads;
  instance.type = Argon2_id;

  result = initialize(&instance, &context);  /* frees what it allocated on failure */
  if (result != ARGON2_OK) goto fail;
  zkw_js_kdf_progress(0, instance.passes);
  for (pass = 0; pass < instance.passes; pass++) {
    fill_memory_blocks(&instance, pass);
    zkw_js_kdf_progress(pass + 1, instance.passes);
  }
  finalize(&context, &instance);  /* wipes and frees the memory blocks */

  memcpy(out, hash, outlen);
  sodium_memzero(hash, outlen);
  free(hash);
  return 0;

fail:
  sodium_memzero(hash, outlen);
  free(hash);
  return -1;
}

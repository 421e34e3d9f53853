// The module's C ABI: what wasm/js/api.js calls. Every name here is in wasm/exports.txt, and
// nothing else is exported (tests/wasm/exports.test.mjs checks the built module).
//
// Conventions
// - Inputs are (pointer, length) pairs into wasm memory, allocated by the caller with zkw_alloc
//   and released with zkw_free (which wipes them first). Text is UTF-8.
// - Every function but the memory helpers returns 0 on success or an Errc code (1...); the
//   error's message is then at zkw_error_ptr()/zkw_error_len(), and its stable name comes from
//   zkw_errc_name(code).
// - Outputs go to one output buffer, zkw_out_ptr()/zkw_out_len(): bytes, or UTF-8 (JSON where
//   the result has structure). It holds the last call's output until the next call that
//   produces one; the previous contents are wiped when replaced (they may be plaintext). The
//   caller copies it out at once.
// - Ids and hashes are lowercase hex; key strings use the SDK's typed forms (docs/FORMAT.md).
// - Clients are opaque handles (small integers); an unknown or closed handle is
//   invalid_argument, never a crash. Transports and stores are JS objects registered by id in
//   Module.zkwObjects (wasm/src/js_bridge.h).
// - Functions marked (async) may suspend (ASYNCIFY) on fetch, storage or KDF progress: JS must
//   call them through the wrapper's queue, one at a time. The others never suspend and may be
//   called at any time.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Memory and results.
uint8_t* zkw_alloc(size_t size);         // null when memory is exhausted
void zkw_free(uint8_t* p, size_t size);  // wipes `size` bytes, then frees; null is fine
const uint8_t* zkw_out_ptr(void);
size_t zkw_out_len(void);
void zkw_out_clear(void);                // wipes the output buffer
const uint8_t* zkw_error_ptr(void);
size_t zkw_error_len(void);
int32_t zkw_errc_name(int32_t code);     // output: the name ("auth_failed"); unknown code: "internal"
int32_t zkw_info(void);                  // output: JSON {version, libsodium, limits...}

// Markdown and diffs (the web app's view and history).
// HTML of a Markdown page through md4c (CommonMark + tables, strikethrough, task lists,
// autolinks, wiki links as <x-wikilink data-target=...>); raw HTML is escaped, never passed
// through (MD_FLAG_NOHTML). Errors: invalid_argument (not UTF-8), too_large.
int32_t zkw_markdown_to_html(const uint8_t* md, size_t md_len);
// JSON {hunks: [{oldStart, oldCount, newStart, newCount, lines: [{op, oldLine, newLine, text,
// noNewline}]}], added, removed}. Errors: too_large.
int32_t zkw_diff_lines(const uint8_t* a, size_t a_len, const uint8_t* b, size_t b_len, uint32_t context);
int32_t zkw_unified_diff(const uint8_t* a, size_t a_len, const uint8_t* b, size_t b_len, const uint8_t* path,
                         size_t path_len);
// JSON {text, conflicts: [{markerLine, base:[start,count], ours:[...], theirs:[...]}]}.
int32_t zkw_merge3(const uint8_t* base, size_t base_len, const uint8_t* ours, size_t ours_len,
                   const uint8_t* theirs, size_t theirs_len);
// Front matter, title and links of a Markdown page: JSON {title, tags, fields, links}.
int32_t zkw_markdown_meta(const uint8_t* path, size_t path_len, const uint8_t* md, size_t md_len);

// The format, byte for byte (interop and the vectors in tests/vectors/).
// `ctx` is an envelope context, 89 bytes: u8 kind | workspace[16] | collection[16] | page[16] |
// u64 revision (LE) | parent[32]. A keyset is one generation (number, 32-byte key), primary.
int32_t zkw_envelope_seal(const uint8_t* ctx, size_t ctx_len, uint32_t generation, const uint8_t* key,
                          size_t key_len, const uint8_t* pt, size_t pt_len);
int32_t zkw_envelope_open(const uint8_t* ctx, size_t ctx_len, uint32_t generation, const uint8_t* key,
                          size_t key_len, const uint8_t* env, size_t env_len);
// Sealing with given randomness (dek[32] | wrap_nonce[24] | stream_prefix[16]): test vectors only.
int32_t zkw_envelope_seal_with(const uint8_t* ctx, size_t ctx_len, uint32_t generation, const uint8_t* key,
                               size_t key_len, const uint8_t* pt, size_t pt_len, const uint8_t* rnd, size_t rnd_len);
int32_t zkw_envelope_inspect(const uint8_t* env, size_t env_len);  // JSON {version, kind, generation}
int32_t zkw_revision_decode(const uint8_t* rec, size_t rec_len);    // JSON (fields and hash)
int32_t zkw_revision_sign(const uint8_t* ctx, size_t ctx_len, const uint8_t* env, size_t env_len,
                          const uint8_t* seed, size_t seed_len);    // record bytes
int32_t zkw_revision_verify_envelope(const uint8_t* rec, size_t rec_len, const uint8_t* env, size_t env_len);
int32_t zkw_blob_id(const uint8_t* bytes, size_t len);              // hex
int32_t zkw_page_encode(const uint8_t* json, size_t json_len);      // PageContent JSON -> bytes
int32_t zkw_page_decode(const uint8_t* bytes, size_t len);          // bytes -> PageContent JSON
// type: 0 recovery_key, 1 public_keys, 2 agent_public, 3 grant, 4 agent_secret (KeyStringType order).
int32_t zkw_keystring_decode(const uint8_t* text, size_t text_len, int32_t type);  // payload bytes
int32_t zkw_keystring_encode(int32_t type, const uint8_t* payload, size_t payload_len, int32_t group);
int32_t zkw_public_keys_fingerprint(const uint8_t* text, size_t text_len);
// (async: Argon2id progress) JSON {publicKeys, loginPublicKey}.
int32_t zkw_account_unlock(const uint8_t* rec, size_t rec_len, const uint8_t* pass, size_t pass_len,
                           uint32_t min_opslimit, uint32_t min_memlimit_kib);
// Argon2id as login runs it (NFC passphrase, derived salt, fresh random seed and account) at
// these parameters; the key is wiped. For benchmarks and to calibrate a progress bar.
// Errors: weak_parameters (outside the default policy), internal (out of memory).
int32_t zkw_kdf_benchmark(uint32_t opslimit, uint32_t memlimit_kib);
// JSON {generation, primary, key, granter} (the key in hex: test vectors only).
int32_t zkw_unwrap_generation(const uint8_t* wrapped, size_t wrapped_len, int32_t scope_kind, const uint8_t* ws,
                              size_t ws_len, const uint8_t* coll, size_t coll_len, const uint8_t* x25519_secret,
                              size_t xs_len, const uint8_t* ed25519_seed, size_t es_len);

// Agent grants (agent.h). Certificates as JSON {workspace, grant, issuer, issuerKey, agent
// ("zkwagent_..."), notBefore, notAfter (unix seconds), readOnly, collections, pathPrefix, label}.
int32_t zkw_agent_certificate_decode(const uint8_t* bytes, size_t len);  // verifies the signature
// Signs those fields (issuerKey ignored: it comes from the seed). Output: the certificate bytes.
int32_t zkw_agent_certificate_sign(const uint8_t* json, size_t json_len, const uint8_t* issuer_seed, size_t seed_len);
int32_t zkw_agent_revocation_decode(const uint8_t* bytes, size_t len);  // JSON {workspace, grant, revokedAt, signer}
int32_t zkw_agent_revocation_sign(const uint8_t* ws, size_t ws_len, const uint8_t* grant, size_t grant_len,
                                  double revoked_at, const uint8_t* signer_seed, size_t seed_len);
// Workspace records (workspace_record.h): JSON {workspace, owner, defaultCollection, ownerKey}
// (hex), the signature checked under ownerKey. Errors: truncated, trailing_data, malformed,
// unsupported_version, auth_failed.
int32_t zkw_workspace_record_decode(const uint8_t* bytes, size_t len);
// The record of workspace `ws` owned by account `owner`, signed with its Ed25519 seed: the bytes.
int32_t zkw_workspace_record_sign(const uint8_t* ws, size_t ws_len, const uint8_t* owner, size_t owner_len,
                                  const uint8_t* default_collection, size_t dc_len, const uint8_t* owner_seed,
                                  size_t seed_len);
// Opens a "zkwgrant_..." string with an agent secret ("zkwagentkey_...", empty for a bearer
// grant): JSON {bearer, server, certificate, token, agent, keys: [{collection, generation,
// primary, key}], bearerSecret?}. Reveals the token and keys: test vectors only.
int32_t zkw_grant_open(const uint8_t* text, size_t text_len, const uint8_t* agent_secret, size_t agent_secret_len);

// The search index's byte strings (search.h, search_manifest.h).
int32_t zkw_search_segment_inspect(const uint8_t* bytes, size_t len);  // JSON {seq, documents, tombstones, live, bytes}
// One segment of {documents: [{page, revision, path, title, tags, body}], deleted: [{page,
// revision}]}, built as SearchIndex builds it: its bytes.
int32_t zkw_search_segment_build(const uint8_t* json, size_t json_len);
// JSON {collection, feedSeq, pages, segments: [{blob, size, seq, documents, tombstones}]}.
int32_t zkw_search_manifest_decode(const uint8_t* bytes, size_t len);
int32_t zkw_search_manifest_encode(const uint8_t* json, size_t json_len);
// The search key of a collection key generation and the collection's manifest page id: JSON
// {generation, searchKey, manifestPage}. Reveals a key: test vectors only.
int32_t zkw_search_keys(const uint8_t* ws, size_t ws_len, const uint8_t* coll, size_t coll_len, uint32_t generation,
                        const uint8_t* key, size_t key_len);

// A local search index (search.h) with no keys and no I/O, by handle: segments from anywhere
// (another device, the native SDK) searched as the client searches them.
int32_t zkw_index_new(void);  // output: the handle (decimal)
int32_t zkw_index_free(int32_t handle);
// {page, revision, path, title?, tags?, body}; output "true", or "false" (an older revision: ignored).
int32_t zkw_index_put(int32_t handle, const uint8_t* json, size_t json_len);
int32_t zkw_index_remove(int32_t handle, const uint8_t* page, size_t page_len, double revision);
int32_t zkw_index_flush(int32_t handle);  // JSON [{seq, documents, tombstones, live, bytes}]
int32_t zkw_index_segment(int32_t handle, uint32_t i);  // the segment's bytes. Errors: not_found
int32_t zkw_index_add_segment(int32_t handle, const uint8_t* bytes, size_t len);  // errors of inspect
// Flags as zkw_client_search. JSON [{page, revision, score, path, title, phraseUnverified}].
int32_t zkw_index_search(int32_t handle, const uint8_t* query, size_t query_len, uint32_t limit, int32_t flags);

// The client (all async). Revisions are doubles (exact below 2^53); a negative one means "none".
// Output of create/login/recover: JSON {handle, account, workspace, fingerprint[, recoveryKey]}.
int32_t zkw_client_create_account(int32_t transport, const uint8_t* pass, size_t pass_len, uint32_t opslimit,
                                  uint32_t memlimit_kib);
int32_t zkw_client_bind_store(int32_t handle, int32_t store);
int32_t zkw_client_login(int32_t transport, int32_t store, const uint8_t* account, size_t account_len,
                         const uint8_t* pass, size_t pass_len, const uint8_t* workspace, size_t workspace_len);
int32_t zkw_client_recover(int32_t transport, int32_t store, const uint8_t* account, size_t account_len,
                           const uint8_t* recovery, size_t recovery_len, const uint8_t* pass, size_t pass_len,
                           uint32_t opslimit, uint32_t memlimit_kib);
int32_t zkw_client_close(int32_t handle);  // wipes the account's keys
int32_t zkw_client_change_passphrase(int32_t handle, const uint8_t* pass, size_t pass_len, uint32_t opslimit,
                                     uint32_t memlimit_kib);
int32_t zkw_client_list(int32_t handle, const uint8_t* prefix, size_t prefix_len);
int32_t zkw_client_read(int32_t handle, const uint8_t* path, size_t path_len, double revision);
int32_t zkw_client_write(int32_t handle, const uint8_t* path, size_t path_len, const uint8_t* body, size_t body_len);
int32_t zkw_client_move(int32_t handle, const uint8_t* from, size_t from_len, const uint8_t* to, size_t to_len);
int32_t zkw_client_remove(int32_t handle, const uint8_t* path, size_t path_len);
int32_t zkw_client_restore(int32_t handle, const uint8_t* path, size_t path_len, double revision);
int32_t zkw_client_log(int32_t handle, const uint8_t* path, size_t path_len);
int32_t zkw_client_diff(int32_t handle, const uint8_t* path, size_t path_len, double a, double b);
int32_t zkw_client_backlinks(int32_t handle, const uint8_t* path, size_t path_len);
int32_t zkw_client_sync(int32_t handle);
int32_t zkw_client_status(int32_t handle);
int32_t zkw_client_fingerprint_of(int32_t handle, const uint8_t* account, size_t account_len);
int32_t zkw_client_share(int32_t handle, const uint8_t* account, size_t account_len, const uint8_t* fingerprint,
                         size_t fingerprint_len, int32_t read_only);
int32_t zkw_client_trust(int32_t handle, const uint8_t* account, size_t account_len, const uint8_t* fingerprint,
                         size_t fingerprint_len);

// Search (search.h for the query syntax): flags 1 = prefix (type-ahead on the last word),
// 2 = typos. JSON {results: [{page, path, title, revision, score, snippet, highlights:
// [[start, end]...] (UTF-16 code units of snippet, as JS strings index), phraseUnverified}],
// coverage}. Coverage (also the output of the next three): {indexed, known, segments, bytes,
// indexFeedSeq, deviceSeq, uploaded, rebuilt, notices}. Errors: invalid_argument (the query, a
// limit outside 1..1000), io (a device without a local index that cannot fetch one).
int32_t zkw_client_search(int32_t handle, const uint8_t* query, size_t query_len, uint32_t limit, int32_t flags);
// Adopts another device's newer index, indexes what changed here, uploads (Client::maintain_index).
int32_t zkw_client_maintain_index(int32_t handle);
int32_t zkw_client_reindex(int32_t handle);
int32_t zkw_client_index_coverage(int32_t handle);

#ifdef __cplusplus
}
#endif

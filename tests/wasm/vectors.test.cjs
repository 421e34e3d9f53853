// Every case in tests/vectors/ through the wasm module: the same files the native build checks
// (tests/unit/format_vectors_test.cc), with the same expectations.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { root, load } = require('./support.cjs');

const dir = path.join(root, 'tests/vectors');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

// Runs `fn`; returns its value when the vector expects success, or checks the error code.
function outcome(expected, fn) {
  if (expected.ok) return fn();
  assert.throws(fn, (e) => {
    assert.equal(e.name, 'ZkwikiError');
    assert.equal(e.code, expected.error, e.message);
    return true;
  });
  return undefined;
}

const checks = {
  envelope(zk, v) {
    const key = { generation: v.generation, key: v.generation_key };
    const opened = outcome(v.expected, () => zk.format.openEnvelope(v.context, key, v.envelope));
    if (!v.expected.ok) return;
    assert.equal(zk.hex(opened), v.plaintext);
    const sealed = zk.format.sealEnvelopeWithRandomnessForTests(v.context, key, zk.unhex(v.plaintext),
      { dek: v.dek, wrapNonce: v.wrap_nonce, streamPrefix: v.stream_prefix });
    assert.equal(zk.hex(sealed), v.envelope, 'sealing no longer gives the specified bytes');
  },
  revision(zk, v) {
    const rec = outcome(v.expected, () => zk.format.decodeRevision(v.record));
    if (!v.expected.ok) return;
    assert.equal(rec.hash, v.record_hash);
    assert.equal(zk.hex(zk.format.signRevision(v.context, v.envelope, v.author_seed)), v.record);
    zk.format.verifyEnvelope(v.record, v.envelope);
  },
  keystring(zk, v) {
    const payload = outcome(v.expected, () => zk.format.decodeKeyString(v.string, v.type));
    if (!v.expected.ok) return;
    assert.equal(zk.hex(payload), v.payload);
    const grouped = v.string.includes('-');
    assert.equal(zk.format.encodeKeyString(v.type, v.payload, grouped ? 5 : 0), v.string);
    if (v.fingerprint) assert.equal(zk.format.fingerprint(v.string), v.fingerprint);
  },
  account(zk, v) {
    const pass = Buffer.from(v.passphrase, 'hex').toString('utf8');
    const policy = { minOpslimit: v.policy.min_opslimit, minMemlimitKib: v.policy.min_memlimit_kib };
    const u = outcome(v.expected, () => zk.format.unlockAccount(v.record, pass, policy));
    if (!v.expected.ok) return;
    assert.equal(u.publicKeys, v.public_keys);
    assert.equal(u.loginPublicKey, v.login_public_key);
  },
  page(zk, v) {
    const page = { path: v.path, title: v.title, tags: v.tags, createdMs: v.created_ms, modifiedMs: v.modified_ms,
                   links: v.links, deleted: v.deleted, body: v.body };
    assert.equal(zk.hex(zk.format.encodePage(page)), v.bytes);
    const back = outcome(v.expected, () => zk.format.decodePage(v.bytes));
    if (back) assert.deepEqual(back, page);
  },
  wrapped_key(zk, v) {
    const u = outcome(v.expected, () => zk.format.unwrapGenerationForTests(v.wrapped,
      { kind: v.scope_kind, workspace: v.workspace, collection: v.collection },
      { x25519Secret: v.recipient_x25519_secret, ed25519Seed: v.recipient_ed25519_seed }));
    if (!v.expected.ok) return;
    assert.equal(u.generation, v.generation);
    assert.equal(u.primary, v.primary);
    assert.equal(u.key, v.key);
    assert.equal(u.granter, v.granter);
  },
  agent_certificate(zk, v) {
    const c = outcome(v.expected, () => zk.format.decodeAgentCertificate(v.certificate));
    if (!v.expected.ok) return;
    assert.deepEqual(c, {
      workspace: v.workspace, grant: v.grant, issuer: v.issuer, issuerKey: v.issuer_key, agent: v.agent,
      notBefore: v.not_before, notAfter: v.not_after, readOnly: v.read_only, collections: v.collections,
      pathPrefix: v.path_prefix, label: v.label,
    });
    // Signing the same fields with the issuer's seed gives the same bytes (Ed25519 is deterministic).
    assert.equal(zk.hex(zk.format.signAgentCertificate(c, v.issuer_ed25519_seed)), v.certificate);
  },
  agent_revocation(zk, v) {
    const r = outcome(v.expected, () => zk.format.decodeAgentRevocation(v.revocation));
    if (!v.expected.ok) return;
    assert.deepEqual(r, { workspace: v.workspace, grant: v.grant, revokedAt: v.revoked_at, signer: v.signer });
    assert.equal(zk.hex(zk.format.signAgentRevocation(r, v.signer_ed25519_seed)), v.revocation);
  },
  agent_grant(zk, v) {
    const g = outcome(v.expected, () => zk.format.openGrantForTests(v.grant, v.agent_secret));
    if (!v.expected.ok) return;
    assert.equal(g.server, v.server);
    assert.equal(g.certificate, v.certificate);
    assert.equal(g.token, v.token);
    assert.equal(g.bearer, v.bearer_secret !== undefined);
    if (g.bearer) {
      assert.equal(g.bearerSecret, v.bearer_secret);
      assert.equal(g.agent, v.agent);
    }
    const keys = g.keys.map((k) => ({ collection: k.collection, generation: k.generation, key: k.key }));
    const want = v.keys.map((k) => ({ collection: k.collection, generation: k.generation, key: k.key }));
    const order = (a, b) => (a.collection + a.generation).localeCompare(b.collection + b.generation);
    assert.deepEqual(keys.sort(order), want.sort(order));
  },
  workspace_record(zk, v) {
    const r = outcome(v.expected, () => zk.format.decodeWorkspaceRecord(v.record));
    if (!v.expected.ok) return;
    assert.deepEqual(r, { workspace: v.workspace, owner: v.owner, defaultCollection: v.default_collection,
                          ownerKey: v.owner_key });
    assert.equal(zk.hex(zk.format.signWorkspaceRecord(r, v.owner_ed25519_seed)), v.record);
  },
  search_segment(zk, v) {
    const info = outcome(v.expected, () => zk.format.inspectSearchSegment(v.bytes));
    if (!v.documents) return;
    assert.equal(info.documents, v.documents.length);
    assert.equal(info.tombstones, v.deleted.length);
    // Building the same pages gives the same bytes.
    assert.equal(zk.hex(zk.format.buildSearchSegment(v.documents, v.deleted)), v.bytes);
  },
  search_manifest(zk, v) {
    const m = outcome(v.expected, () => zk.format.decodeSearchManifest(v.bytes));
    if (!v.expected.ok) return;
    assert.deepEqual(m, { collection: v.collection, feedSeq: v.feed_seq, pages: v.pages, segments: v.segments });
    assert.equal(zk.hex(zk.format.encodeSearchManifest(m)), v.bytes);
  },
  search_keys(zk, v) {
    const k = zk.format.searchKeysForTests({ workspace: v.workspace, collection: v.collection },
                                           { generation: v.generation, key: v.generation_key });
    assert.deepEqual(k, { generation: v.generation, searchKey: v.search_key, manifestPage: v.manifest_page });
  },
};

test('tests/vectors holds cases of every kind', () => {
  const kinds = new Set(files.map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).kind));
  for (const k of Object.keys(checks)) assert.ok(kinds.has(k), `no vectors of kind ${k}`);
});

for (const f of files) {
  const v = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  test(`${f}: ${v.description || ''}`, async () => {
    const zk = await load();
    const check = checks[v.kind];
    assert.ok(check, `unknown vector kind ${v.kind}`);
    check(zk, v);
  });
}

// What one build seals the other opens: the native SDK (through zkwiki-wasm-interop) and the
// wasm module, both ways, at sizes around the chunk boundary; a tampered envelope fails in both.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('crypto');
const { load, interop } = require('./support.cjs');

const ctx = {
  kind: 1,
  workspace: crypto.randomBytes(16).toString('hex'),
  collection: crypto.randomBytes(16).toString('hex'),
  page: crypto.randomBytes(16).toString('hex'),
  revision: 7,
  parent: crypto.randomBytes(32).toString('hex'),
};
const keyHex = crypto.randomBytes(32).toString('hex');
const key = { generation: 2, key: keyHex };

function ctxHex(c) {
  const b = Buffer.alloc(89);
  b[0] = c.kind;
  Buffer.from(c.workspace, 'hex').copy(b, 1);
  Buffer.from(c.collection, 'hex').copy(b, 17);
  Buffer.from(c.page, 'hex').copy(b, 33);
  b.writeBigUInt64LE(BigInt(c.revision), 49);
  Buffer.from(c.parent, 'hex').copy(b, 57);
  return b.toString('hex');
}

const sizes = [0, 100, 65535, 65536, 65537, 300000];

test('sealed natively, opened in wasm', async () => {
  const zk = await load();
  for (const n of sizes) {
    const pt = crypto.randomBytes(n);
    const env = interop('seal', ctxHex(ctx), key.generation, keyHex, pt);
    assert.deepEqual(Buffer.from(zk.format.openEnvelope(ctx, key, env)), pt, `size ${n}`);
  }
});

test('sealed in wasm, opened natively', async () => {
  const zk = await load();
  for (const n of sizes) {
    const pt = crypto.randomBytes(n);
    const env = zk.format.sealEnvelope(ctx, key, pt);
    assert.deepEqual(interop('open', ctxHex(ctx), key.generation, keyHex, env), pt, `size ${n}`);
  }
});

test('a tampered wasm envelope fails natively, with auth_failed and no plaintext', async () => {
  const zk = await load();
  const env = zk.format.sealEnvelope(ctx, key, 'page text that must not leak');
  env[env.length - 3] ^= 0x40;
  assert.throws(() => interop('open', ctxHex(ctx), key.generation, keyHex, env),
                (e) => /error: auth_failed/.test(String(e.stderr)) && e.stdout.length === 0);
});

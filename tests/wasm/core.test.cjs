// The module's stateless API: Markdown, diffs, sealing, randomness, and typed errors for bad
// input (never a crash: the module stays usable after every one).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('crypto');
const { load } = require('./support.cjs');

const ctx = {
  kind: 1,
  workspace: '10'.repeat(16),
  collection: '20'.repeat(16),
  page: '30'.repeat(16),
  revision: 2,
  parent: '40'.repeat(32),
};
const key = { generation: 3, key: '80'.repeat(32) };

function throwsCode(fn, code) {
  assert.throws(fn, (e) => e.name === 'ZkwikiError' && e.code === code || assert.fail(`${e.code}: ${e.message}`));
}

test('Markdown renders to HTML with raw HTML escaped and wiki links marked', async () => {
  const zk = await load();
  const html = zk.markdownToHtml('# Title\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n' +
                                 'See [[Other page|the other]] and | a | b |\n|---|---|\n| 1 | 2 |\n');
  assert.match(html, /<h1>Title<\/h1>/);
  assert.doesNotMatch(html, /<script/);
  assert.doesNotMatch(html, /<img/);
  assert.match(html, /&lt;script&gt;/);
  assert.match(html, /<x-wikilink data-target="Other page">the other<\/x-wikilink>/);
  assert.match(html, /<table>/);
});

test('Markdown entities come out as written, for the HTML parser to decode', async () => {
  // The module has no table of named entities (wasm/md4c/entity_verbatim.c): md4c passes each
  // entity through verbatim; DOMPurify and the browser decode it (the e2e test checks the text).
  const zk = await load();
  assert.equal(zk.markdownToHtml('Caf&eacute; &amp; cr&egrave;me &#233; &#x2603; &copy;'),
               '<p>Caf&eacute; &amp; cr&egrave;me &#233; &#x2603; &copy;</p>\n');
  assert.equal(zk.markdownToHtml('[a](https://example.org/?a=1&amp;b=2 "t&eacute;")'),
               '<p><a href="https://example.org/?a=1&amp;b=2" title="t&eacute;">a</a></p>\n');
  // Not an entity (no semicolon, or in code): escaped as before.
  assert.equal(zk.markdownToHtml('AT&T `&eacute;`'), '<p>AT&amp;T <code>&amp;eacute;</code></p>\n');
});

test('Markdown that is not UTF-8 is refused with invalid_argument', async () => {
  const zk = await load();
  throwsCode(() => zk.markdownToHtml(new Uint8Array([0x23, 0x20, 0xff, 0xfe])), 'invalid_argument');
  assert.equal(zk.markdownToHtml('ok'), '<p>ok</p>\n');
});

test('front matter, title and links come out of markdownMeta', async () => {
  const zk = await load();
  const m = zk.markdownMeta('notes/a.md', '---\ntitle: Alpha\ntags: [x, y]\n---\nSee [[B]] and [c](../c.md).\n');
  assert.equal(m.title, 'Alpha');
  assert.deepEqual(m.tags, ['x', 'y']);
  assert.deepEqual(m.links, ['B', 'c.md']);
  throwsCode(() => zk.markdownMeta('a.md', '---\ntitle: [unclosed\n---\n'), 'malformed');
});

test('line diffs, unified diffs and three-way merges match the SDK', async () => {
  const zk = await load();
  const d = zk.diffLines('a\nb\nc\n', 'a\nB\nc\n');
  assert.equal(d.added, 1);
  assert.equal(d.removed, 1);
  assert.deepEqual(d.hunks[0].lines.map((l) => l.op), ['context', 'removed', 'added', 'context']);
  assert.equal(zk.unifiedDiff('a\n', 'b\n', 'p.md'), '--- a/p.md\n+++ b/p.md\n@@ -1 +1 @@\n-a\n+b\n');
  const clean = zk.merge3('a\nb\nc\n', 'A\nb\nc\n', 'a\nb\nC\n');
  assert.equal(clean.text, 'A\nb\nC\n');
  assert.deepEqual(clean.conflicts, []);
  const conflict = zk.merge3('a\n', 'ours\n', 'theirs\n');
  assert.equal(conflict.conflicts.length, 1);
  assert.match(conflict.text, /<<<<<<< ours\nours\n=======\ntheirs\n>>>>>>> theirs\n/);
});

test('seal and open round-trip at every size class, and each seal is fresh', async () => {
  const zk = await load();
  for (const n of [0, 1, 255, 256, 65535, 65536, 65537, 200000, 1 << 20]) {
    const pt = crypto.randomBytes(n);
    const env = zk.format.sealEnvelope(ctx, key, pt);
    assert.deepEqual(Buffer.from(zk.format.openEnvelope(ctx, key, env)), pt, `size ${n}`);
    assert.deepEqual(zk.format.inspectEnvelope(env), { version: 1, kind: 1, generation: 3 });
  }
  const a = zk.format.sealEnvelope(ctx, key, 'same text');
  const b = zk.format.sealEnvelope(ctx, key, 'same text');
  assert.notDeepEqual(a, b);
});

test('a sealed page takes one crypto.getRandomValues call per random buffer', async () => {
  const zk = await load();
  const real = globalThis.crypto.getRandomValues.bind(globalThis.crypto);
  const calls = [];
  globalThis.crypto.getRandomValues = (a) => { calls.push(a.length); return real(a); };
  try {
    zk.format.sealEnvelope(ctx, key, 'x'.repeat(1000));
  } finally {
    globalThis.crypto.getRandomValues = real;
  }
  // The DEK (32), the wrap nonce (24) and the stream prefix (16): never byte by byte.
  assert.ok(calls.length >= 1 && calls.length <= 4, `calls: ${calls}`);
  assert.ok(calls.every((n) => n >= 16), `calls: ${calls}`);
});

test('tampering, another context or another key never releases plaintext', async () => {
  const zk = await load();
  const env = zk.format.sealEnvelope(ctx, key, 'secret page text');
  for (let i = 0; i < env.length; i += 7) {
    const bad = new Uint8Array(env);
    bad[i] ^= 0x01;
    assert.throws(() => zk.format.openEnvelope(ctx, key, bad), (e) => e.name === 'ZkwikiError');
  }
  throwsCode(() => zk.format.openEnvelope({ ...ctx, revision: 3 }, key, env), 'auth_failed');
  throwsCode(() => zk.format.openEnvelope(ctx, { generation: 3, key: '81'.repeat(32) }, env), 'auth_failed');
  throwsCode(() => zk.format.openEnvelope(ctx, { generation: 4, key: key.key }, env), 'unknown_key');
  throwsCode(() => zk.format.openEnvelope(ctx, key, env.subarray(0, 50)), 'truncated');
});

// The seal/open exports reuse their buffers and hand them to JS in place (abi_envelope.cc):
// every size after every other still opens to its own bytes, and no page text stays in wasm
// memory once a call returned, whether the open succeeded or failed on its last chunk.
test('seal and open reuse their buffers: any size after any other, no plaintext left in wasm memory', async () => {
  const zk = await load();
  const heap = () => Buffer.from(zk._module.HEAPU8.buffer);
  for (const n of [1 << 20, 300, 200000, 0, 65536, 1 << 20, 17]) {
    const pt = crypto.randomBytes(n);
    assert.deepEqual(Buffer.from(zk.format.openEnvelope(ctx, key, zk.format.sealEnvelope(ctx, key, pt))), pt,
                     `size ${n}`);
  }
  const marker = crypto.randomBytes(64);
  const page = Buffer.concat(Array.from({ length: 3000 }, () => marker));  // 192,000 bytes: 3 chunks
  const env = zk.format.sealEnvelope(ctx, key, page);
  assert.equal(heap().indexOf(marker), -1, 'the plaintext copied in for sealing was wiped');
  assert.deepEqual(Buffer.from(zk.format.openEnvelope(ctx, key, env)), page);
  assert.equal(heap().indexOf(marker), -1, 'the opened plaintext was wiped once copied out');
  const bad = new Uint8Array(env);
  bad[bad.length - 5] ^= 0x01;  // the last chunk: the first two decrypt before the failure
  throwsCode(() => zk.format.openEnvelope(ctx, key, bad), 'auth_failed');
  assert.equal(heap().indexOf(marker), -1, 'a failed open leaves none of the chunks it had opened');
});

// A fresh user's reports: text arguments that are not strings were passed on as pointers, and
// an argument refused after others were copied in left those in wasm memory, unwiped.
test('text arguments must be strings, and a refused call leaves nothing of its inputs behind', async () => {
  const zk = await load();
  const heap = () => Buffer.from(zk._module.HEAPU8.buffer);
  const secret = 'page text ' + crypto.randomBytes(24).toString('hex');
  for (const call of [() => zk.diffLines(secret, {}), () => zk.diffLines('a\n', 1024), () => zk.unifiedDiff(0, 'b\n', 'p.md'),
                      () => zk.unifiedDiff(secret, 'b\n', null), () => zk.markdownToHtml(12345), () => zk.markdownToHtml(true),
                      () => zk.markdownToHtml(undefined), () => zk.markdownMeta('p.md', 7), () => zk.merge3(secret, secret, 3),
                      () => zk.format.decodeKeyString(42, 'account'), () => zk.format.unlockAccount(new Uint8Array(8), 99)])
    throwsCode(call, 'invalid_argument');
  assert.equal(heap().indexOf(Buffer.from(secret)), -1, 'no input of a refused call stays in wasm memory');
  assert.equal(zk.markdownToHtml('fine'), '<p>fine</p>\n');
});

test('an envelope context\'s numbers are checked, not truncated', async () => {
  const zk = await load();
  const pt = new Uint8Array([1, 2, 3]);
  for (const kind of [300, 256, -1, 1.5, '1']) throwsCode(() => zk.format.sealEnvelope({ ...ctx, kind }, key, pt), 'invalid_argument');
  for (const revision of [-1, 1.5, 2 ** 64, -1n, 1n << 64n]) throwsCode(() => zk.format.sealEnvelope({ ...ctx, revision }, key, pt), 'invalid_argument');
  for (const generation of [-1, 2 ** 32, 0.5]) throwsCode(() => zk.format.sealEnvelope(ctx, { ...key, generation }, pt), 'invalid_argument');
  const big = { ...ctx, revision: (1n << 64n) - 1n };
  assert.deepEqual(zk.format.openEnvelope(big, key, zk.format.sealEnvelope(big, key, pt)), pt, 'the largest revision still works');
});

test('a KDF run inside another one\'s progress callback leaves the outer callback in place', async () => {
  const zk = await load();
  const kdf = { opslimit: 3, memlimitKib: 65536 };  // the client's floor
  let alone = 0;
  zk.format.kdfBenchmark(kdf, () => { alone++; });
  assert.ok(alone >= 2, `progress reported ${alone} times`);
  let outer = 0, inner = 0;
  zk.format.kdfBenchmark(kdf, () => {
    if (outer++ === 0) zk.format.kdfBenchmark(kdf, () => { inner++; });
  });
  assert.equal(inner, alone);
  assert.equal(outer, alone, 'the outer run kept reporting after the inner one ended');
});

// Loading the node build must not take over the host's error handling (emscripten's node glue
// adds rethrowing uncaughtException / unhandledRejection listeners unless told not to).
test('loading the module adds no process-wide listeners', async () => {
  const before = ['uncaughtException', 'unhandledRejection', 'exit'].map((e) => process.listenerCount(e));
  await load();
  await load();
  assert.deepEqual(['uncaughtException', 'unhandledRejection', 'exit'].map((e) => process.listenerCount(e)), before);
});

test('bad inputs to every parser give typed errors, and the module keeps working', async () => {
  const zk = await load();
  const codes = new Set(['invalid_argument', 'truncated', 'too_large', 'trailing_data', 'malformed',
                         'unsupported_version', 'unknown_key', 'auth_failed', 'wrong_type']);
  const parsers = [
    (b) => zk.format.openEnvelope(ctx, key, b),
    (b) => zk.format.inspectEnvelope(b),
    (b) => zk.format.decodeRevision(b),
    (b) => zk.format.decodePage(b),
    (b) => zk.format.decodeKeyString(Buffer.from(b).toString('latin1'), 'recovery_key'),
    (b) => zk.format.unlockAccount(b, 'passphrase'),
    (b) => zk.markdownMeta('a.md', Buffer.from(b).toString('latin1')),
    (b) => zk.format.decodeAgentCertificate(b),
    (b) => zk.format.decodeAgentRevocation(b),
    (b) => zk.format.openGrantForTests('zkwgrant_' + Buffer.from(b).toString('hex')),
    (b) => zk.format.inspectSearchSegment(b),
    (b) => zk.format.decodeSearchManifest(b),
  ];
  for (let round = 0; round < 200; round++) {
    const b = crypto.randomBytes(round % 5 === 0 ? 4 : Math.floor(Math.random() * 600));
    if (round % 3 === 0) b.write('ZKW', 0);
    for (const p of parsers) {
      try { p(b); } catch (e) {
        assert.equal(e.name, 'ZkwikiError', String(e));
        assert.ok(codes.has(e.code), `${e.code}: ${e.message}`);
      }
    }
  }
  throwsCode(() => zk.format.sealEnvelope({ ...ctx, page: 'abc' }, key, 'x'), 'invalid_argument');
  throwsCode(() => zk.format.sealEnvelope(ctx, { generation: 1, key: '00' }, 'x'), 'invalid_argument');
  throwsCode(() => zk.format.encodePage({ path: 5, body: 'x' }), 'invalid_argument');
  throwsCode(() => zk.format.encodePage({ path: 'a.md', body: 'x', tags: [1] }), 'invalid_argument');
  throwsCode(() => zk.format.decodeKeyString('zkwpub_aaaa', 'recovery_key'), 'wrong_type');
  // The JSON-taking encoders refuse missing fields and wrong types.
  throwsCode(() => zk.format.signAgentCertificate({ workspace: '10'.repeat(16) }, '91'.repeat(32)), 'invalid_argument');
  throwsCode(() => zk.format.encodeSearchManifest({ collection: 'zz', feedSeq: 1, pages: 1, segments: [] }),
             'invalid_argument');
  throwsCode(() => zk.format.encodeSearchManifest({ collection: '50'.repeat(16), feedSeq: -1, pages: 1, segments: [] }),
             'invalid_argument');
  throwsCode(() => zk.format.buildSearchSegment([{ page: '10'.repeat(16), revision: 0, path: 'a.md', title: '',
                                                   body: 'x' }]), 'invalid_argument');
  throwsCode(() => zk.format.buildSearchSegment([{ page: '10'.repeat(16), revision: 1, path: 'a.md', body: 5 }]),
             'invalid_argument');
  throwsCode(() => zk.format.signAgentRevocation({ workspace: '10'.repeat(16), grant: '40'.repeat(16), revokedAt: -5 },
                                                 '91'.repeat(32)), 'invalid_argument');
  assert.equal(zk.markdownToHtml('still fine'), '<p>still fine</p>\n');
});

test('a local search index searches a segment built natively (the vector), and its own', async () => {
  const zk = await load();
  const v = JSON.parse(require('fs').readFileSync(require('path').join(__dirname, '../vectors/search-segment.json'), 'utf8'));
  const index = zk.searchIndex();
  index.addSegment(v.bytes);
  assert.deepEqual(index.search('archive').map((h) => [h.path, h.title, h.revision]), [['notes/tar.md', 'tar', 3]]);
  // NFC and NFD, accents folded.
  const nfc = index.search('résumé'.normalize('NFC')).map((h) => h.path);
  assert.deepEqual(nfc, ['notes/café.md']);
  assert.deepEqual(index.search('résumé'.normalize('NFD')).map((h) => h.path), nfc);
  assert.deepEqual(index.search('resume').map((h) => h.path), nfc);
  assert.deepEqual(index.search('ファイル').map((h) => h.path), ['ja/ファイル.md']);
  assert.deepEqual(index.search('arch', { prefix: true }).map((h) => h.path), ['notes/tar.md']);
  assert.deepEqual(index.search('archve', { typos: true }).map((h) => h.path), ['notes/tar.md']);
  // The vector's deleted page never shows; a page removed here neither.
  index.remove('101112131415161718191a1b1c1d1e1f', 4);
  assert.deepEqual(index.search('archive'), []);
  assert.equal(index.put({ page: '101112131415161718191a1b1c1d1e1f', revision: 2, path: 'notes/tar.md', body: 'old' }), false,
               'an older revision than the one deleted is ignored');
  // Building the vector's pages here gives the same segment, byte for byte.
  const own = zk.searchIndex();
  for (const d of v.documents) assert.equal(own.put(d), true);
  for (const d of v.deleted) own.remove(d.page, d.revision);
  assert.equal(own.flush().length, 1);
  assert.equal(zk.hex(own.segment(0)), v.bytes);
  // Typed errors: a bad segment, a bad document, a bad query, a freed index.
  throwsCode(() => own.addSegment(v.bytes.slice(0, 40)), 'truncated');
  throwsCode(() => own.put({ page: 'zz', revision: 1, path: 'a.md', body: '' }), 'invalid_argument');
  throwsCode(() => own.search('x'.repeat(5000)), 'invalid_argument');
  throwsCode(() => own.segment(7), 'not_found');
  own.free();
  index.free();
  throwsCode(() => own.search('tar'), 'invalid_argument');
});

test('a search hit carries every character of its path and title, and the exact float score', async () => {
  const zk = await load();
  const index = zk.searchIndex();
  // Quotes, backslashes, control characters, non-ASCII and an astral code point: the result
  // text is JSON written by hand in wasm (abi_search.cc).
  const title = 'say "hi" \\ back\\slash \t tab \u0001 ctl é 𝄞 end';
  const page = 'a0'.repeat(16);
  assert.equal(index.put({ page, revision: 7, path: 'dir/"q"\\x.md', title, body: 'zebra zebra quagga' }), true);
  index.flush();
  const [hit, ...rest] = index.search('zebra');
  assert.deepEqual(rest, []);
  assert.deepEqual(Object.keys(hit).sort(), ['page', 'path', 'phraseUnverified', 'revision', 'score', 'title']);
  assert.equal(hit.page, page);
  assert.equal(hit.revision, 7);
  assert.equal(hit.path, 'dir/"q"\\x.md');
  assert.equal(hit.title, title);
  assert.equal(hit.phraseUnverified, false);
  assert.ok(hit.score > 0);
  assert.equal(Math.fround(hit.score), hit.score, 'the score is the float the index ranked with');
  assert.equal(index.search('"zebra quagga"')[0].phraseUnverified, true, 'no page text here to check the phrase against');
  for (const revision of [1.5, 0, -1, NaN, 2 ** 53]) throwsCode(() => index.remove(page, revision), 'invalid_argument');
  index.free();
});

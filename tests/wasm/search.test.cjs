// Search through the wasm client against a real zkwiki-server: an index built natively (CLI
// import, which uploads it sealed) is searched from wasm, and one built in wasm (its writes keep
// the index up to date) from the CLI, with the same results; NFC and NFD queries find the same
// pages; a deleted page never shows; highlights index the snippet as JS strings do; no query
// term reaches the server.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { load, startServer, cli, tmpdir } = require('./support.cjs');

let server;
test.before(async () => { server = await startServer(); });
test.after(async () => { if (server) await server.stop(); });

const PASS = 'correct horse battery staple, searching';

const PAGES = {
  'tar.md': '# tar\n\nArchive files with tar: `tar -cf out.tar dir`, then compress them.\n',
  'cafe.md': '# Le café\n\nUn café crème au comptoir, puis un deuxième café.\n',
  'fox.md': '# 🦊 Fox notes\n\nThe 🦊 quick brown fox jumps over the lazy dog.\n',
  'old.md': '# Obsolete\n\nA zebra page that is about to be removed.\n',
  'ssh.md': '# ssh\n\nRemote login over an encrypted channel; archive keys elsewhere.\n',
};

function cliJson(home, args) {
  const r = cli(home, PASS, ['--json', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

// What a user compares between two devices: the same pages, in the same order, with the same scores.
function ranked(results) {
  return results.map((h) => [h.path, h.title, h.revision]);
}
function assertSameScores(a, b) {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++)
    assert.ok(Math.abs(a[i].score - b[i].score) <= 1e-9 * Math.abs(a[i].score), `${a[i].path}: ${a[i].score} vs ${b[i].score}`);
}

// A transport that records every request, to show that no query term is ever sent.
function recording(zk) {
  const inner = zk.fetchTransport(server.url);
  const sent = [];
  return {
    sent,
    transport: { send(req) { sent.push(Buffer.concat([Buffer.from(req.target), Buffer.from(req.body)])); return inner.send(req); } },
  };
}

test('an index built natively is searched from wasm, with the same results', async () => {
  const zk = await load();
  const dir = tmpdir('zkwiki-wasm-search-pages-');
  for (const [name, body] of Object.entries(PAGES)) fs.writeFileSync(path.join(dir, name), body);
  const home = path.join(tmpdir('zkwiki-wasm-search-'), 'home');
  let r = cli(home, PASS, ['init', '--server', server.url]);
  assert.equal(r.code, 0, r.stderr);
  const account = /[0-9a-f]{32}/.exec(r.stdout)[0];
  r = cli(home, PASS, ['import', dir, '--into', 'docs']);
  assert.equal(r.code, 0, r.stderr);
  const native = cliJson(home, ['search', 'archive']);
  assert.deepEqual(native.results.map((h) => h.path).sort(), ['docs/ssh.md', 'docs/tar.md']);
  assert.equal(native.coverage.uploaded, true);

  // A new device that has synced no page: its results can only come from the native index.
  const rec = recording(zk);
  const c = await zk.login({ transport: rec.transport, account, passphrase: PASS });
  const cold = await c.search('archive');
  assert.deepEqual(ranked(cold.results), ranked(native.results));
  assertSameScores(cold.results, native.results);
  for (const h of cold.results) assert.equal(h.snippet, '', 'no snippet without the page text');
  assert.equal(cold.coverage.rebuilt, false);
  assert.equal(cold.coverage.segments, native.coverage.segments);
  assert.equal(cold.coverage.bytes, native.coverage.bytes);
  assert.equal(cold.coverage.indexed, Object.keys(PAGES).length);

  // After a sync the snippets come from the local pages; highlights are JS string indices.
  await c.sync();
  const warm = await c.search('fox');
  assert.deepEqual(warm.results.map((h) => h.path), ['docs/fox.md']);
  const fox = warm.results[0];
  assert.ok(fox.highlights.length >= 1, 'highlights');
  for (const [b, e] of fox.highlights) assert.equal(fox.snippet.slice(b, e).toLowerCase(), 'fox', fox.snippet);
  assert.ok(fox.snippet.includes('🦊'), 'the emoji before the match is in the snippet');

  // NFC and NFD queries find the same page (and so does the accentless word).
  const nfc = await c.search('café'.normalize('NFC'));
  const nfd = await c.search('café'.normalize('NFD'));
  const bare = await c.search('cafe');
  assert.deepEqual(nfc.results.map((h) => h.path), ['docs/cafe.md']);
  assert.deepEqual(ranked(nfd.results), ranked(nfc.results));
  assert.deepEqual(ranked(bare.results), ranked(nfc.results));
  for (const [b, e] of nfc.results[0].highlights)
    assert.equal(nfc.results[0].snippet.slice(b, e).normalize('NFC').toLowerCase(), 'café');

  // Typos and prefixes as the CLI takes them.
  assert.deepEqual((await c.search('archve', { typos: true })).results.map((h) => h.path).sort(),
                   ['docs/ssh.md', 'docs/tar.md']);
  assert.deepEqual((await c.search('archve')).results, []);
  assert.deepEqual((await c.search('zeb', { prefix: true })).results.map((h) => h.path), ['docs/old.md']);
  assert.equal((await c.search('archive OR fox', { limit: 1 })).results.length, 1);

  // Deleted on the CLI: once this device syncs, the page never shows again.
  assert.deepEqual((await c.search('zebra')).results.map((h) => h.path), ['docs/old.md']);
  r = cli(home, PASS, ['rm', 'docs/old.md']);
  assert.equal(r.code, 0, r.stderr);
  const synced = await c.sync();
  assert.deepEqual(synced.indexNotices, []);
  assert.deepEqual((await c.search('zebra')).results, []);
  assert.deepEqual((await c.search('zeb', { prefix: true })).results, []);

  // No query term, and no page text, was sent to the server.
  const sent = Buffer.concat(rec.sent);
  for (const needle of ['archive', 'archve', 'zebra', 'café', 'cafe', 'fox', 'quick brown'])
    assert.equal(sent.includes(needle), false, `"${needle}" was sent to the server`);
  await c.close();
});

test('an index built in wasm is searched from the CLI, with the same results', async () => {
  const zk = await load();
  const { client } = await zk.createAccount({ server: server.url, passphrase: PASS });
  for (const [name, body] of Object.entries(PAGES)) {
    const w = await client.write('wasm/' + name, body);
    assert.deepEqual(w.indexNotices, [], 'each write keeps the index up to date');
  }
  // NFD text in a page; NFC queries find it on both sides.
  await client.write('wasm/dessert.md', '# Crème brûlée\n\nA dessert: crème brûlée.\n'.normalize('NFD'));
  assert.deepEqual((await client.search('zebra')).results.map((h) => h.path), ['wasm/old.md']);
  const removed = await client.remove('wasm/old.md');
  assert.deepEqual(removed.indexNotices, []);
  const cov = await client.indexCoverage();
  assert.equal(cov.uploaded, true);
  assert.equal(cov.indexed, 5);
  assert.equal(cov.known, 5);

  const mine = await client.search('archive');
  const home = path.join(tmpdir('zkwiki-wasm-search-'), 'home');
  let r = cli(home, PASS, ['login', '--server', server.url, '--account', client.account]);
  assert.equal(r.code, 0, r.stderr);
  const native = cliJson(home, ['search', 'archive']);
  assert.deepEqual(ranked(native.results), ranked(mine.results));
  assertSameScores(native.results, mine.results);
  assert.equal(native.coverage.rebuilt, false);
  assert.equal(native.coverage.segments, cov.segments);
  assert.equal(native.coverage.bytes, cov.bytes);
  assert.deepEqual(native.results.map((h) => h.snippet), mine.results.map((h) => h.snippet));

  const creme = cliJson(home, ['search', 'crème brûlée'.normalize('NFC')]);
  assert.deepEqual(creme.results.map((h) => h.path), ['wasm/dessert.md']);
  assert.deepEqual((await client.search('creme brulee')).results.map((h) => h.path), ['wasm/dessert.md']);
  // The page removed in wasm is gone on the CLI too.
  assert.deepEqual(cliJson(home, ['search', 'zebra']).results, []);
  assert.deepEqual((await client.search('zebra')).results, []);

  // A CLI edit reaches wasm through sync (the CLI uploads the index; wasm adopts it).
  r = cli(home, PASS, ['put', 'wasm/ssh.md', '-'], '# ssh\n\nRemote shells; nothing about storage here.\n');
  assert.equal(r.code, 0, r.stderr);
  const s = await client.sync();
  assert.equal(s.pagesUpdated, 1);
  assert.deepEqual((await client.search('archive')).results.map((h) => h.path), ['wasm/tar.md']);
  assert.deepEqual((await client.search('shells')).results.map((h) => h.path), ['wasm/ssh.md']);
  await client.close();
});

test('reindex rebuilds from the pages; bad queries and closed clients give typed errors', async () => {
  const zk = await load();
  const { client } = await zk.createAccount({ server: server.url, passphrase: PASS, indexUpkeep: false });
  const w = await client.write('a.md', '# Alpha\n\nsome words\n');
  assert.equal(w.indexNotices, undefined, 'no upkeep when the client was opened with indexUpkeep: false');
  // search() indexes local pages newer than the index before answering, upkeep or not.
  assert.deepEqual((await client.search('words')).results.map((h) => h.path), ['a.md']);
  // Nothing was uploaded: a new device that has synced no page finds nothing.
  const coldSearch = async () => {
    const other = await zk.login({ server: server.url, account: client.account, passphrase: PASS });
    const found = (await other.search('words')).results.map((h) => h.path);
    await other.close();
    return found;
  };
  assert.deepEqual(await coldSearch(), []);
  const cov = await client.reindex();
  assert.equal(cov.indexed, 1);
  assert.equal(cov.known, 1);
  assert.equal(cov.uploaded, true);
  assert.deepEqual(await coldSearch(), ['a.md']);
  assert.equal((await client.maintainIndex()).uploaded, true);

  const bad = async (p, code) =>
    assert.rejects(p, (e) => e.name === 'ZkwikiError' && e.code === code || assert.fail(`${e.code}: ${e.message}`));
  await bad(client.search('x'.repeat(5000)), 'invalid_argument');
  await bad(client.search('words', { limit: 0 }), 'invalid_argument');
  await bad(client.search('words', { limit: 1.5 }), 'invalid_argument');
  await bad(client.search(42), 'invalid_argument');
  assert.deepEqual((await client.search('')).results, []);
  await client.close();
  await bad(client.search('words'), 'invalid_argument');
  await bad(client.indexCoverage(), 'invalid_argument');
});

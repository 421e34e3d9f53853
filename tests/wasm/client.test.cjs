// The wasm client against a real zkwiki-server (started here, like the native tests): accounts
// created in wasm log in from the native CLI and the other way round; pages, history, diffs,
// moves, deletes, backlinks and conflicts; the device store holds no plaintext; errors are typed;
// close() ends the session.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { load, startServer, cli, tmpdir } = require('./support.cjs');

let server;
test.before(async () => { server = await startServer(); });
test.after(async () => { if (server) await server.stop(); });

const PASS = 'correct horse battery staple, in wasm';

async function rejectsCode(promise, code) {
  await assert.rejects(promise, (e) => e.name === 'ZkwikiError' && e.code === code || assert.fail(`${e.code}: ${e.message}`));
}

test('an account made in wasm: pages, history, diff, backlinks, move, delete, logout', async () => {
  const zk = await load();
  const progress = [];
  const store = zk.memoryStore();
  const { client, recoveryKey } = await zk.createAccount({
    server: server.url, passphrase: PASS, store: () => store, onProgress: (d, t) => progress.push([d, t]),
  });
  assert.match(recoveryKey, /^zkwrec_/);
  assert.match(client.account, /^[0-9a-f]{32}$/);
  assert.deepEqual(progress.at(-1), [3, 3], 'Argon2id reports each of its 3 passes');

  const w1 = await client.write('notes/alpha.md', '# Alpha\n\nFirst line, links to [[Beta]] and [b](beta.md).\n');
  assert.equal(w1.revision, 1);
  await client.write('notes/beta.md', '# Beta\n\nBeta text.\n');
  const w2 = await client.write('notes/alpha.md', '# Alpha\n\nSecond line, links to [[Beta]] and [b](beta.md).\n');
  assert.equal(w2.revision, 2);
  assert.equal((await client.write('notes/alpha.md', '# Alpha\n\nSecond line, links to [[Beta]] and [b](beta.md).\n')).unchanged, true);

  const list = await client.list('notes/');
  assert.deepEqual(list.map((p) => [p.path, p.title, p.revision]), [['notes/alpha.md', 'Alpha', 2], ['notes/beta.md', 'Beta', 1]]);
  const page = await client.read('notes/alpha.md');
  assert.match(page.body, /Second line/);
  assert.equal((await client.read('notes/alpha.md', 1)).body.includes('First line'), true);
  const log = await client.log('notes/alpha.md');
  assert.deepEqual(log.map((r) => r.revision).sort(), [1, 2]);
  assert.equal(log[0].author, client.fingerprint);
  const diff = await client.diff('notes/alpha.md');
  assert.match(diff, /^-First line/m);
  assert.match(diff, /^\+Second line/m);
  assert.deepEqual(await client.backlinks('notes/beta.md'), ['notes/alpha.md']);

  const moved = await client.move('notes/beta.md', 'notes/gamma.md');
  assert.equal(moved.revision, 2);
  await client.remove('notes/gamma.md');
  assert.deepEqual((await client.list('notes/')).filter((p) => !p.deleted).map((p) => p.path), ['notes/alpha.md']);
  await rejectsCode(client.read('notes/nope.md'), 'not_found');

  // The device store: hashed keys and sealed values only.
  const held = Buffer.concat(store.entries().flatMap(([t, k, v]) => [Buffer.from(t), Buffer.from(k), Buffer.from(v)]));
  for (const needle of ['Second line', 'notes/alpha.md', 'Alpha', 'Beta text'])
    assert.equal(held.includes(needle), false, `"${needle}" is readable in the device store`);

  await client.close();
  assert.equal(client.closed, true);
  await rejectsCode(client.list(), 'invalid_argument');

  // Logging in again on this device (same store) and on a new one (empty store) both see the pages.
  const again = await zk.login({ server: server.url, account: client.account, passphrase: PASS, store: () => store });
  assert.match((await again.read('notes/alpha.md')).body, /Second line/);
  await again.close();
  const fresh = await zk.login({ server: server.url, account: client.account, passphrase: PASS });
  await fresh.sync();
  assert.match((await fresh.read('notes/alpha.md')).body, /Second line/);
  await fresh.close();

  await rejectsCode(zk.login({ server: server.url, account: client.account, passphrase: 'wrong passphrase!' }),
                    'wrong_passphrase');
  await rejectsCode(zk.login({ server: server.url, account: 'zz', passphrase: PASS }), 'invalid_argument');
  await rejectsCode(zk.login({ server: 'http://127.0.0.1:1', account: client.account, passphrase: PASS }), 'io');
});

test('two devices editing one page: a clean merge, then a visible conflict', async () => {
  const zk = await load();
  const { client: a } = await zk.createAccount({ server: server.url, passphrase: PASS });
  await a.write('shared.md', 'one\ntwo\nthree\nfour\nfive\n');
  const b = await zk.login({ server: server.url, account: a.account, passphrase: PASS });
  await b.sync();
  await a.write('shared.md', 'ONE\ntwo\nthree\nfour\nfive\n');
  const merged = await b.write('shared.md', 'one\ntwo\nthree\nfour\nFIVE\n');
  assert.equal(merged.merged, true);
  assert.equal((await b.read('shared.md')).body, 'ONE\ntwo\nthree\nfour\nFIVE\n');
  await a.sync();
  await a.write('shared.md', 'ONE\ntwo\nthree from a\nfour\nFIVE\n');
  const conflict = await b.write('shared.md', 'ONE\ntwo\nthree from b\nfour\nFIVE\n');
  assert.equal(conflict.conflict, true);
  const body = (await b.read('shared.md')).body;
  assert.match(body, /three from a/);
  assert.match(body, /three from b/);
  assert.match(body, /<<<<<<< /);
  await a.close();
  await b.close();
});

test('a wasm account logs in from the native CLI, and a CLI account from wasm', async () => {
  const zk = await load();
  const { client } = await zk.createAccount({ server: server.url, passphrase: PASS });
  await client.write('from-wasm.md', '# From wasm\n\nWritten in the module.\n');
  const home = path.join(tmpdir('zkwiki-wasm-cli-'), 'home');
  let r = cli(home, PASS, ['login', '--server', server.url, '--account', client.account]);
  assert.equal(r.code, 0, r.stderr);
  r = cli(home, PASS, ['cat', 'from-wasm.md']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '# From wasm\n\nWritten in the module.\n');
  r = cli(home, PASS, ['put', 'from-cli.md', '-'], '# From the CLI\n');
  assert.equal(r.code, 0, r.stderr);
  await client.sync();
  assert.equal((await client.read('from-cli.md')).body, '# From the CLI\n');
  await client.close();

  const home2 = path.join(tmpdir('zkwiki-wasm-cli-'), 'home');
  r = cli(home2, PASS, ['init', '--server', server.url]);
  assert.equal(r.code, 0, r.stderr);
  const account = /[0-9a-f]{32}/.exec(r.stdout)[0];
  r = cli(home2, PASS, ['put', 'native.md', '-'], 'native text\n');
  assert.equal(r.code, 0, r.stderr);
  const c = await zk.login({ server: server.url, account, passphrase: PASS });
  await c.sync();  // login() opens this device's state; sync() fetches what others wrote
  assert.equal((await c.read('native.md')).body, 'native text\n');
  await c.close();
});

test('synchronous calls stay correct while a client call waits on the network', async () => {
  const zk = await load();
  const { client } = await zk.createAccount({ server: server.url, passphrase: PASS });
  const inner = zk.fetchTransport(server.url);
  let renders = 0;
  const slow = {
    async send(req) {
      // While the wasm stack is suspended here, the page keeps using the module.
      assert.equal(zk.markdownToHtml('**x**'), '<p><strong>x</strong></p>\n');
      renders++;
      await new Promise((r) => setTimeout(r, 5));
      return inner.send(req);
    },
  };
  const c = await zk.login({ transport: slow, account: client.account, passphrase: PASS });
  const [w, x] = await Promise.all([c.write('a.md', 'a\n'), c.write('b.md', 'b\n')]);
  assert.equal(w.revision, 1);
  assert.equal(x.revision, 1);
  assert.ok(renders > 0);
  assert.deepEqual((await c.list()).map((p) => p.path), ['a.md', 'b.md']);
  await c.close();
  await client.close();
});

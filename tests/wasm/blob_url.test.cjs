// The wasm client follows the server's public URL for blob reads (zkwiki-server --public-url,
// the login answer's blob_url; docs/API.md "Blob reads through a cache"), as the native SDK
// does: a real zkwiki-server names a counting proxy in front of itself; a second device's sync
// and reads fetch every blob through the proxy, without a token, and everything else from the
// origin; a transport without forUrl, or a cache that is down, reads from the origin; the
// transport the module registers for the cache is released at logout.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('http');
const { load, startServer } = require('./support.cjs');

const PASS = 'correct horse battery staple, through a cache';
const BLOB_GET = /^GET \/v1\/blobs\/[0-9a-f]{64}$/;

// A proxy in front of the origin that records what it forwards (and any token it is shown).
function startProxy() {
  const seen = [];
  let upstream = null;
  const server = http.createServer((req, res) => {
    seen.push({ line: `${req.method} ${req.url}`, authorization: req.headers.authorization });
    const u = new URL(upstream);
    const fwd = http.request({ host: u.hostname, port: u.port, method: req.method, path: req.url, headers: req.headers },
                             (up) => { res.writeHead(up.statusCode, up.headers); up.pipe(res); });
    fwd.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(fwd);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`,
    seen,
    setUpstream: (u) => { upstream = u; },
    close: () => new Promise((r) => { server.close(r); server.closeAllConnections(); }),
  })));
}

// fetch() that records "origin METHOD /path" for every request the module makes.
function countingFetch(log) {
  return (url, init) => {
    const u = new URL(url);
    log.push({ origin: u.origin, line: `${(init && init.method) || 'GET'} ${u.pathname}` });
    return fetch(url, init);
  };
}

let server, proxy, account;
const pages = {
  'notes/alpha.md': '# Alpha\n\nThe first page, links to [[Beta]].\n',
  'notes/beta.md': '# Beta\n\n' + 'A longer body line that fills a blob. '.repeat(400) + '\n',
  'docs/gamma.md': '# Gamma\n\nIn another folder.\n',
};

test.before(async () => {
  proxy = await startProxy();
  server = await startServer(['--public-url', proxy.url]);
  proxy.setUpstream(server.url);
  const zk = await load();
  const { client } = await zk.createAccount({ server: server.url, passphrase: PASS });
  for (const [p, body] of Object.entries(pages)) await client.write(p, body);
  account = client.account;
  await client.close();
});
test.after(async () => {
  if (proxy) await proxy.close();
  if (server) await server.stop();
});

test('fetchTransport().forUrl gives a transport for http(s) origins and null for anything else', async () => {
  const zk = await load();
  const t = zk.fetchTransport(server.url);
  assert.equal(typeof t.forUrl('https://cdn.example.com').send, 'function');
  assert.equal(typeof t.forUrl(proxy.url).send, 'function');
  for (const bad of ['ftp://cdn.example.com', 'javascript:alert(1)', 'data:,x', 'not a url', '', '/v1/blobs'])
    assert.equal(t.forUrl(bad), null, bad);
});

test('a new device reads blobs through the public URL and everything else from the origin', async () => {
  const zk = await load();
  const objects = zk._module.zkwObjects;
  const before = objects.size;
  const log = [];
  proxy.seen.length = 0;
  const client = await zk.login({ transport: zk.fetchTransport(server.url, { fetch: countingFetch(log) }),
                                  account, passphrase: PASS });
  assert.equal(objects.size, before + 3, 'the transport, the store and the transport to the public URL');
  const sync = await client.sync();
  assert.ok(sync.pagesUpdated >= 3, JSON.stringify(sync));
  for (const [p, body] of Object.entries(pages)) assert.equal((await client.read(p)).body, body, p);
  assert.deepEqual((await client.backlinks('notes/beta.md')), ['notes/alpha.md']);

  const viaProxy = log.filter((r) => r.origin === proxy.url).map((r) => r.line);
  const viaOrigin = log.filter((r) => r.origin === server.url).map((r) => r.line);
  assert.equal(viaProxy.length + viaOrigin.length, log.length, 'no third origin');
  assert.ok(viaProxy.length >= 3, `at least one blob GET per page through the public URL: ${viaProxy}`);
  for (const line of viaProxy) assert.match(line, BLOB_GET);
  assert.ok(viaOrigin.some((l) => l === 'POST /v1/auth/login'), viaOrigin.join('\n'));
  for (const line of viaOrigin) {
    assert.doesNotMatch(line, /^GET \/v1\/blobs\//, 'no blob read from the origin');
    assert.notEqual(line, 'POST /v1/blobs/batch', 'no batch blob read from the origin');
  }
  // The proxy really carried them, and never saw a token.
  assert.deepEqual(proxy.seen.map((s) => s.line), viaProxy);
  assert.equal(proxy.seen.filter((s) => s.authorization !== undefined).length, 0);

  await client.close();
  assert.equal(objects.size, before, 'logout releases the transport to the public URL too');
});

test('a transport without forUrl reads every blob from the origin', async () => {
  const zk = await load();
  const log = [];
  proxy.seen.length = 0;
  const t = zk.fetchTransport(server.url, { fetch: countingFetch(log) });
  const client = await zk.login({ transport: { send: (r) => t.send(r) }, account, passphrase: PASS });
  await client.sync();
  for (const [p, body] of Object.entries(pages)) assert.equal((await client.read(p)).body, body, p);
  await client.close();
  assert.equal(log.filter((r) => r.origin !== server.url).length, 0);
  assert.ok(log.some((r) => r.line === 'POST /v1/blobs/batch'), 'blobs came from the origin in a batch');
  assert.equal(proxy.seen.length, 0);
});

test('with the cache down the client reads blobs from the origin and the pages still open', async () => {
  const zk = await load();
  const log = [];
  const down = http.createServer();
  await new Promise((r) => down.listen(0, '127.0.0.1', r));
  const downUrl = `http://127.0.0.1:${down.address().port}`;
  await new Promise((r) => down.close(r));  // nothing listens there now: connection refused
  const t = zk.fetchTransport(server.url, { fetch: countingFetch(log) });
  // The server's blob_url is the proxy; this transport points it at the dead port instead.
  const transport = { send: (r) => t.send(r), forUrl: () => t.forUrl(downUrl) };
  const client = await zk.login({ transport, account, passphrase: PASS });
  await client.sync();
  for (const [p, body] of Object.entries(pages)) assert.equal((await client.read(p)).body, body, p);
  await client.close();
  const tried = log.filter((r) => r.origin === downUrl);
  assert.ok(tried.length >= 1 && tried.every((r) => BLOB_GET.test(r.line)), JSON.stringify(tried));
  assert.ok(log.some((r) => r.origin === server.url && r.line === 'POST /v1/blobs/batch'));
});

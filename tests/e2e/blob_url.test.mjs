// The web app reads blobs through the cache the server names (zkwiki-server --public-url) in a
// real browser: the page is on the server's origin, the cache (a counting proxy here) on
// another, so this holds only if the server's CSP lets the app connect there and blob answers
// carry Access-Control-Allow-Origin. A new device logs in and opens a page: every blob it reads
// comes through the proxy, without a token, no CSP violation, nothing blocked; everything else
// goes to the origin. With the header stripped by the proxy the browser refuses those answers
// and the app falls back to the origin: the page still opens.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const { root, load, startServer, tmpdir } = require('../wasm/support.cjs');

const appDir = process.env.ZKWIKI_SPA_DIR || path.join(root, 'build/spa');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
               '--disable-component-update', '--disable-sync'];
const PASS = 'cache-front pelican with a ledger';
const BLOB_GET = /^GET \/v1\/blobs\/[0-9a-f]{64}$/;
const PAGES = {
  'notes/pelican-ledger.md': '# Pelican Ledger\n\nThe pelicans count herring on Tuesdays.\n',
  'notes/herring-census.md': '# Herring Census\n\n' + 'Herring are counted twice. '.repeat(300) + '\n',
};

// Forwards everything to the origin; records each request; optionally strips CORS headers.
function startProxy() {
  const state = { seen: [], upstream: null, stripCors: false };
  const server = http.createServer((req, res) => {
    state.seen.push({ line: `${req.method} ${req.url}`, authorization: req.headers.authorization });
    const u = new URL(state.upstream);
    const fwd = http.request({ host: u.hostname, port: u.port, method: req.method, path: req.url, headers: req.headers },
                             (up) => {
                               const headers = { ...up.headers };
                               if (state.stripCors) delete headers['access-control-allow-origin'];
                               res.writeHead(up.statusCode, headers);
                               up.pipe(res);
                             });
    fwd.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(fwd);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(Object.assign(state, {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => { server.close(r); server.closeAllConnections(); }),
  }))));
}

test('the web app reads blobs through --public-url in Chromium (CSP and CORS)', { timeout: 150000 }, async (t) => {
  assert.ok(fs.existsSync(path.join(appDir, 'index.html')), `${appDir} is missing: run node examples/spa/build.mjs`);
  const proxy = await startProxy();
  const server = await startServer(['--app', appDir, '--public-url', proxy.url]);
  proxy.upstream = server.url;
  t.after(async () => { await proxy.close(); await server.stop(); });

  // The pages, written by another device (the module under node).
  const zk = await load();
  const { client } = await zk.createAccount({ server: server.url, passphrase: PASS });
  for (const [p, body] of Object.entries(PAGES)) await client.write(p, body);
  const account = client.account;
  await client.close();

  // A fresh browser profile (a new device) logs in and opens a page; returns what it sent.
  async function newDeviceOpensAPage(name) {
    const context = await chromium.launchPersistentContext(tmpdir(`zkwiki-e2e-${name}-`), {
      executablePath: '/usr/bin/chromium', args: FLAGS, headless: true,
    });
    try {
      const sent = [], failed = [], problems = [];
      context.on('request', (r) => sent.push({ origin: new URL(r.url()).origin, line: `${r.method()} ${new URL(r.url()).pathname}` }));
      context.on('requestfailed', (r) => failed.push({ origin: new URL(r.url()).origin, line: `${r.method()} ${new URL(r.url()).pathname}` }));
      const page = context.pages()[0] || await context.newPage();
      page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
      page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
      await page.goto(server.url + '/app/');
      await page.locator('#main h1').filter({ hasText: 'Log in' }).waitFor();
      await page.getByLabel('Account id').fill(account);
      await page.getByLabel('Passphrase').fill(PASS);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.locator('#tree').getByRole('link', { name: 'Pelican Ledger' }).click({ timeout: 30000 });
      await page.locator('#main h1').filter({ hasText: 'Pelican Ledger' }).waitFor();
      assert.match(await page.locator('article.page').textContent(), /count herring on Tuesdays/);
      await page.locator('#tree').getByRole('link', { name: 'Herring Census' }).click();
      await page.locator('#main h1').filter({ hasText: 'Herring Census' }).waitFor();
      assert.match(await page.locator('article.page').textContent(), /Herring are counted twice/);
      return { sent, failed, problems };
    } finally {
      await context.close().catch(() => {});
    }
  }

  await t.test('blobs through the cache, everything else from the origin', async () => {
    proxy.seen.length = 0;
    const { sent, failed, problems } = await newDeviceOpensAPage('cache');
    const viaProxy = sent.filter((r) => r.origin === proxy.url).map((r) => r.line);
    const api = sent.filter((r) => r.origin === server.url && r.line.includes(' /v1/')).map((r) => r.line);
    assert.equal(sent.filter((r) => r.origin !== proxy.url && r.origin !== server.url).length, 0, 'no third origin');
    assert.ok(viaProxy.length >= Object.keys(PAGES).length, `blob reads through the cache: ${viaProxy}`);
    for (const line of viaProxy) assert.match(line, BLOB_GET);
    assert.ok(api.includes('POST /v1/auth/login'), api.join('\n'));
    for (const line of api) {
      assert.doesNotMatch(line, /^GET \/v1\/blobs\//, 'no blob read from the origin');
      assert.notEqual(line, 'POST /v1/blobs/batch', 'no batch blob read from the origin');
    }
    assert.deepEqual(failed, [], 'nothing blocked (CSP, CORS) or failed');
    assert.deepEqual(problems.filter((p) => /Content Security Policy|CORS|blocked/i.test(p)), []);
    // The proxy carried exactly those, and saw no token.
    assert.deepEqual(proxy.seen.map((s) => s.line.replace(/\?.*$/, '')), viaProxy);
    assert.equal(proxy.seen.filter((s) => s.authorization !== undefined).length, 0);
  });

  await t.test('without Access-Control-Allow-Origin the browser refuses the cache and the app reads from the origin', async () => {
    proxy.stripCors = true;
    const { sent, failed } = await newDeviceOpensAPage('nocors');
    proxy.stripCors = false;
    const blocked = failed.filter((r) => r.origin === proxy.url);
    assert.ok(blocked.length >= 1 && blocked.every((r) => BLOB_GET.test(r.line)), JSON.stringify(failed));
    assert.ok(sent.some((r) => r.origin === server.url && r.line === 'POST /v1/blobs/batch'),
              'the blobs came from the origin instead');
  });
});

// The web app in headless Chromium beside the native CLI, in one run (issue 6): a new device's
// first log-in to an account of N pages (browser vs `zkwiki login`), a log-in on a browser that
// already holds the pages (IndexedDB), how long the page's thread is blocked while the worker
// runs Argon2id, and the app's size beside the module's. Prints Markdown (bench/areas/65-webapp.sh).
//
//   node bench/webapp_bench.mjs    (ROOT, BIN from the runner; BENCH_QUICK=1: fewer pages)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { spawn, spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';

const root = process.env.ROOT || path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const bin = process.env.BIN || path.join(root, 'build/bin');
const appDir = path.join(root, 'build/spa');
const pages = process.env.BENCH_QUICK === '1' ? 100 : 1000;
const PASS = 'bench passphrase for the web app';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
               '--disable-component-update', '--disable-sync'];
const tmp = (p) => fs.mkdtempSync(path.join(os.tmpdir(), p));
const log = (...a) => console.error(...a);

if (!fs.existsSync(path.join(appDir, 'index.html'))) {
  console.log('Not run: the web app is missing (./zkwiki.sh build-spa).');
  process.exit(1);
}

function cli(home, args) {
  const t0 = performance.now();
  const r = spawnSync(path.join(bin, 'zkwiki'), args, {
    env: { ...process.env, ZKWIKI_HOME: home, ZKWIKI_PASSPHRASE: PASS }, encoding: 'utf8', maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`zkwiki ${args.join(' ')}: ${r.stderr}`);
  return { out: r.stdout, ms: performance.now() - t0 };
}

async function startServer() {
  const data = tmp('zkwiki-bench-webapp-');
  const child = spawn(path.join(bin, 'zkwiki-server'), ['--data', data, '--listen', '127.0.0.1:0', '--app', appDir],
                      { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => { out += d; const m = /http:\/\/[0-9.:]+/.exec(out); if (m) resolve(m[0]); });
    child.once('exit', (c) => reject(new Error('server exited ' + c)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

// N pages of a few paragraphs each, in a handful of folders.
function writePages(dir) {
  const words = 'ledger quokka harbor lantern orbit meadow copper signal thistle ember walrus cobalt'.split(' ');
  for (let i = 0; i < pages; i++) {
    const folder = path.join(dir, 'area-' + (i % 10));
    fs.mkdirSync(folder, { recursive: true });
    const lines = [`# Page ${i}`, ''];
    for (let p = 0; p < 6; p++) {
      const s = [];
      for (let w = 0; w < 40; w++) s.push(words[(i * 7 + p * 13 + w * 3) % words.length]);
      lines.push(s.join(' ') + '.', '');
    }
    fs.writeFileSync(path.join(folder, `page-${i}.md`), lines.join('\n'));
  }
}

async function browserLogin(context, url, account, { first }) {
  const page = context.pages()[0] || await context.newPage();
  const kinds = new Map();
  const onRequest = (r) => {
    const k = r.method() + ' ' + new URL(r.url()).pathname.replace(/[0-9a-f]{16,}/g, '{id}').replace(/\/\d+$/, '/{n}');
    kinds.set(k, (kinds.get(k) || 0) + 1);
  };
  page.on('request', onRequest);
  await page.goto(url + '/app/');
  await page.getByLabel('Account id').fill(account);
  await page.getByLabel('Passphrase').fill(PASS);
  await page.evaluate(() => {
    window.__b = { longest: 0, kdfStart: 0, kdfEnd: 0 };
    let last = performance.now();
    const frame = (now) => { window.__b.longest = Math.max(window.__b.longest, now - last); last = now; if (!window.__b.stop) requestAnimationFrame(frame); };
    requestAnimationFrame(frame);
    new MutationObserver(() => {
      const p = document.querySelector('.progress progress');
      if (!p || !p.hasAttribute('value')) return;
      if (p.value === 0 && !window.__b.kdfStart) window.__b.kdfStart = performance.now();
      if (p.value === p.max && !window.__b.kdfEnd) window.__b.kdfEnd = performance.now();
    }).observe(document.getElementById('app'), { subtree: true, attributes: true, childList: true });
  });
  const t0 = performance.now();
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('#tree .tree-title', { hasText: `Pages (${pages})` }).waitFor({ timeout: 600000 });
  await page.locator('article.page').waitFor({ timeout: 600000 });
  const ms = performance.now() - t0;
  // A page already on this device: the sync after it still runs; wait for it to end before the
  // numbers are read, so that the frame watch covers it too.
  await page.getByRole('button', { name: 'Sync' }).and(page.locator(':enabled')).waitFor({ timeout: 600000 });
  const b = await page.evaluate(() => { window.__b.stop = true; return window.__b; });
  page.off('request', onRequest);
  const requests = [...kinds.values()].reduce((a, n) => a + n, 0);
  const heads = [...kinds.entries()].filter(([k]) => /revisions/.test(k)).reduce((a, [, n]) => a + n, 0);
  log(first ? 'first' : 'again', Math.round(ms), 'ms', JSON.stringify([...kinds]));
  return { ms, requests, heads, longestFrame: b.longest, kdfMs: b.kdfEnd - b.kdfStart };
}

const fmt = (ms) => (ms >= 10000 ? (ms / 1000).toFixed(1) + ' s' : Math.round(ms) + ' ms');

const server = await startServer();
let context;
try {
  const src = tmp('zkwiki-bench-pages-');
  writePages(src);
  const home = tmp('zkwiki-bench-home-');
  cli(home, ['init', '--server', server.url]);
  cli(home, ['import', src, '--into', 'bench']);
  const account = JSON.parse(cli(home, ['whoami', '--json']).out).account;

  const native = cli(tmp('zkwiki-bench-device2-'), ['login', '--server', server.url, '--account', account]);
  log('native login', Math.round(native.ms), 'ms');
  context = await chromium.launchPersistentContext(tmp('zkwiki-bench-chromium-'), {
    executablePath: '/usr/bin/chromium', args: FLAGS, headless: true,
  });
  const first = await browserLogin(context, server.url, account, { first: true });
  const again = await browserLogin(context, server.url, account, { first: false });

  console.log(`A new device's first log-in to an account of ${pages} pages (imported by the CLI): from "Log in"`);
  console.log('to the first page on screen in a fresh headless Chromium profile, beside `zkwiki login` (a new');
  console.log('`ZKWIKI_HOME`; process start, Argon2id, log-in, sync of every page) on the same server.');
  console.log();
  console.log('| what | browser (web app) | native CLI | browser / native |');
  console.log('|---|---|---|---|');
  console.log(`| first log-in of a new device, ${pages} pages | ${fmt(first.ms)} (${first.requests} requests, ${first.heads} of them page-head records) | ${fmt(native.ms)} | ${(first.ms / native.ms).toFixed(2)} |`);
  console.log(`| log-in again, pages already in IndexedDB (first page on screen; the sync follows) | ${fmt(again.ms)} | — | — |`);
  console.log();
  console.log('The page\'s thread while the worker runs Argon2id (t=3, m=64 MiB) at log-in:');
  console.log();
  console.log('| log-in | Argon2id, as the page saw it (progress 0 to 3 of 3) | longest gap between two frames on the page | gap / Argon2id |');
  console.log('|---|---|---|---|');
  for (const [name, r] of [['first', first], ['again', again]])
    console.log(`| ${name} | ${Math.round(r.kdfMs)} ms | ${Math.round(r.longestFrame)} ms | ${(r.longestFrame / r.kdfMs).toFixed(2)} |`);
  console.log();
  console.log('A gap / Argon2id ratio well under 1 means the derivation never froze the page (a main-thread');
  console.log('derivation would make the gap at least the derivation itself). The longest gap includes');
  console.log('rendering the tree and the first page.');
  console.log();
  const files = fs.readdirSync(appDir).filter((f) => !f.endsWith('.map') && !f.endsWith('.txt')).sort();
  const size = (f) => gzipSync(fs.readFileSync(path.join(appDir, f)), { level: 9 }).length;
  const own = files.filter((f) => !f.startsWith('zkwiki.'));
  const ownBytes = own.reduce((a, f) => a + size(f), 0);
  const moduleBytes = size('zkwiki.mjs') + size('zkwiki.wasm');
  console.log('Size of `build/spa` (gzip -9): the app\'s own files beside the module they load.');
  console.log();
  console.log('| the app (' + own.join(', ') + ') | the module (zkwiki.mjs + zkwiki.wasm) | app / module |');
  console.log('|---|---|---|');
  console.log(`| ${(ownBytes / 1024).toFixed(1)} KiB | ${(moduleBytes / 1024).toFixed(1)} KiB | ${(ownBytes / moduleBytes).toFixed(2)} |`);
  console.log();
  console.log('`app.js` bundles DOMPurify (esbuild, minified); nothing is fetched from anywhere else.');
} finally {
  if (context) await context.close().catch(() => {});
  server.stop();
}

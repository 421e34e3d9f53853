// The wasm module beside the native SDK and libsodium-wrappers-sumo, in one run (issue 6):
// page seal + open MB/s at 1 KiB, 64 KiB and 1 MiB, Argon2id at the default parameters, and
// search query p50 on tldr-en (wasm, native, MiniSearch).
//
//   node bench/wasm_bench.cjs build/bin/zkwiki-bench      (./zkwiki.sh bench wasm)
//
// - wasm: zk.format.sealEnvelope + openEnvelope from JS: the page is copied into wasm memory,
//   sealed, the envelope copied out, copied back in, opened, the plaintext copied out.
// - libsodium-wrappers-sumo: the same envelope work done with its XChaCha20-Poly1305 from JS:
//   a fresh DEK wrapped under the collection key (random nonce), the page padded to its Padmé
//   size, sealed in 64 KiB chunks under the DEK, then unwrapped and opened chunk by chunk; its
//   wrapper copies across its own JS/wasm boundary on every call.
// - native: `zkwiki-bench crypto` (BM_SdkSealOpen, BM_Argon2idDefault) run from here.
// MB/s counts page bytes once per seal + open, as the native benchmark does.
// - search: the query set ../shared/bench/queries-tldr.json (skipped when ../shared is absent).
//   wasm: zk.searchIndex() fed every page, flushed to one segment, the segment loaded into a
//   fresh index (as `zkwiki-bench search` does natively), then each query from JS (its JSON
//   result parsed: the copy across the boundary is counted); native: `zkwiki-bench search
//   --json`; MiniSearch 7.2 as bench/search_compare.mjs runs it (AND; prefix for the prefix set).
'use strict';
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const nativeBench = process.argv[2] || path.join(root, 'build/bin/zkwiki-bench');
const { load } = require(path.join(root, 'build/wasm/dist/node/zkwiki.cjs'));
const sodium = require(path.join(root, 'node_modules/libsodium-wrappers-sumo'));

const fs = require('fs');

const SIZES = [1024, 64 * 1024, 1024 * 1024];
const SECONDS = 1.0;

function rate(fn, bytes) {
  for (let i = 0; i < 3; i++) fn();  // warm up
  let n = 0;
  const t0 = process.hrtime.bigint();
  let t;
  do {
    fn();
    n++;
    t = Number(process.hrtime.bigint() - t0) / 1e9;
  } while (t < SECONDS);
  return (n * bytes) / t / 1e6;
}

function padme(n) {
  const l = Math.max(n + 1, 256);
  const e = Math.floor(Math.log2(l));
  const s = Math.floor(Math.log2(e)) + 1;
  const mask = 2 ** (e - s) - 1;
  return Math.ceil(l / (mask + 1)) * (mask + 1);
}

// The envelope's work with libsodium-wrappers-sumo (same primitive, same chunking).
function sodiumSealOpen(genKey, header, page) {
  const dek = sodium.randombytes_buf(32);
  const wrapNonce = sodium.randombytes_buf(24);
  const wrapped = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(dek, header, null, wrapNonce, genKey);
  const padded = new Uint8Array(padme(page.length));
  padded.set(page);
  padded[page.length] = 0x80;
  const prefix = sodium.randombytes_buf(16);
  const chunks = [];
  const CH = 65536;
  const count = Math.max(1, Math.ceil(padded.length / CH));
  const nonce = new Uint8Array(24);
  nonce.set(prefix);
  const dv = new DataView(nonce.buffer);
  for (let i = 0; i < count; i++) {
    dv.setUint32(16, i, true);
    nonce[20] = i === count - 1 ? 1 : 0;
    chunks.push(sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(padded.subarray(i * CH, (i + 1) * CH), header,
                                                                  null, nonce, dek));
  }
  // Open.
  const dek2 = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, wrapped, header, wrapNonce, genKey);
  const out = new Uint8Array(padded.length);
  for (let i = 0; i < count; i++) {
    dv.setUint32(16, i, true);
    nonce[20] = i === count - 1 ? 1 : 0;
    out.set(sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, chunks[i], header, nonce, dek2), i * CH);
  }
  return out.subarray(0, page.length);
}

// Runs the native benchmark and reads its table ("| 64 KiB | SDK | raw | ratio |") and its
// Argon2id line.
function nativeNumbers() {
  const out = execFileSync(nativeBench, ['crypto', '--benchmark_min_time=0.5'],
                           { encoding: 'utf8', maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
  const seal = {};
  for (const m of out.matchAll(/^\| (1 KiB|64 KiB|1 MiB) \| (\d+) \| (\d+) \|/gm))
    seal[{ '1 KiB': 1024, '64 KiB': 65536, '1 MiB': 1048576 }[m[1]]] = Number(m[2]);
  const a = /Argon2id \(t=3, m=64 MiB, the default\): (\d+) ms/.exec(out);
  if (Object.keys(seal).length !== 3 || !a) throw new Error('unexpected zkwiki-bench output:\n' + out);
  return { seal, argon: Number(a[1]) };
}

const { corpus, latencies } = require('./lib/query_corpus.cjs');
const p50 = (run, queries) => latencies(run, queries).p50;

async function searchRows(zk) {
  const file = path.join(root, '../shared/bench/queries-tldr.json');
  if (!fs.existsSync(file)) return null;
  const qs = JSON.parse(fs.readFileSync(file, 'utf8'));
  const docs = corpus(path.resolve(root, qs.root));
  // The same page ids as zkwiki-bench: i + 1, little-endian, in the first 8 bytes.
  const pageId = (i) => { const b = Buffer.alloc(16); b.writeBigUInt64LE(BigInt(i + 1)); return b.toString('hex'); };
  const built = zk.searchIndex();
  for (const d of docs) built.put({ page: pageId(d.n), revision: 1, path: d.id, title: d.title, body: d.body });
  built.flush();
  const index = zk.searchIndex();
  index.addSegment(built.segment(0));
  built.free();
  const wasm = (prefix) => (q) => index.search(q, { limit: 10, prefix });

  const { default: MiniSearch } = await import('minisearch');
  const options = { fields: ['title', 'body'], idField: 'n' };
  const ms = new MiniSearch(options);
  ms.addAll(docs);
  const mini = MiniSearch.loadJSON(JSON.stringify(ms), options);
  const miniOne = (q) => mini.search(q, { combineWith: 'AND' }).slice(0, 10);
  const miniPre = (q) => mini.search(q, { prefix: true }).slice(0, 10);

  const native = JSON.parse(execFileSync(nativeBench, ['search', file, '--json'],
                                         { cwd: root, encoding: 'utf8', maxBuffer: 16 << 20 }));
  for (const q of qs.warmup.one) { wasm(false)(q.q); miniOne(q.q); }
  for (const q of qs.warmup.prefix) { wasm(true)(q.q); miniPre(q.q); }
  const rows = [];
  for (const kind of ['one', 'and', 'prefix']) {
    const pre = kind === 'prefix';
    rows.push({ kind, wasm: p50(wasm(pre), qs.queries[kind]), native: native.queries[kind].p50_us,
                mini: p50(pre ? miniPre : miniOne, qs.queries[kind]) });
  }
  index.free();
  return { corpus: qs.corpus, pages: docs.length, rows };
}

(async () => {
  const zk = await load();
  await sodium.ready;
  const ctx = { kind: 1, workspace: '11'.repeat(16), collection: '22'.repeat(16), page: '33'.repeat(16),
                revision: 1, parent: '00'.repeat(32) };
  const key = { generation: 1, key: new Uint8Array(32).fill(7) };
  const genKey = sodium.randombytes_buf(32);
  const header = new Uint8Array(100);

  console.log(`native: ${nativeBench} crypto (same run)`);
  const native = nativeNumbers();
  const rows = [];
  for (const n of SIZES) {
    const page = sodium.randombytes_buf(n);
    const w = rate(() => zk.format.openEnvelope(ctx, key, zk.format.sealEnvelope(ctx, key, page)), n);
    const s = rate(() => sodiumSealOpen(genKey, header, page), n);
    rows.push({ n, wasm: w, sodium: s, native: native.seal[n] });
  }
  const kib = (n) => (n >= 1 << 20 ? `${n >> 20} MiB` : `${n >> 10} KiB`);
  console.log('\npage seal+open (MB/s)\n');
  console.log('| page | wasm | libsodium-wrappers-sumo | native SDK | wasm / sumo | wasm / native |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(`| ${kib(r.n)} | ${r.wasm.toFixed(0)} | ${r.sodium.toFixed(0)} | ${r.native.toFixed(0)} | ` +
                `${(r.wasm / r.sodium).toFixed(2)} | ${(r.wasm / r.native).toFixed(2)} |`);

  const times = [];
  for (let i = 0; i < 5; i++) times.push(zk.format.kdfBenchmark());
  times.sort((a, b) => a - b);
  const sumoTimes = [];
  const salt = sodium.randombytes_buf(16);
  for (let i = 0; i < 3; i++) {
    const t0 = Date.now();
    sodium.crypto_pwhash(32, 'correct horse battery staple', salt, 3, 64 << 20, sodium.crypto_pwhash_ALG_ARGON2ID13);
    sumoTimes.push(Date.now() - t0);
  }
  sumoTimes.sort((a, b) => a - b);
  const wasmMs = times[2];
  console.log('\nArgon2id t=3, m=64 MiB (median ms)\n');
  console.log('| wasm | libsodium-wrappers-sumo | native SDK | wasm / native |');
  console.log('|---|---|---|---|');
  console.log(`| ${wasmMs} | ${sumoTimes[1]} | ${native.argon.toFixed(0)} | ${(wasmMs / native.argon).toFixed(2)} |`);

  const search = await searchRows(zk);
  let searchMet = 'not run (../shared/bench/queries-tldr.json absent)';
  if (search) {
    console.log(`\nsearch query p50 (µs, top 10) on ${search.corpus}, ${search.pages} pages\n`);
    console.log('| queries | wasm | native SDK | MiniSearch 7.2 | wasm / native | wasm / MiniSearch |');
    console.log('|---|---|---|---|---|---|');
    for (const r of search.rows)
      console.log(`| ${r.kind} | ${r.wasm.toFixed(1)} | ${r.native.toFixed(1)} | ${r.mini.toFixed(1)} | ` +
                  `${(r.wasm / r.native).toFixed(2)} | ${(r.wasm / r.mini).toFixed(2)} |`);
    searchMet = search.rows.every((r) => r.wasm <= r.mini) ? 'met' : 'NOT met';
  }

  console.log('\ntargets: wasm >= 1.0x sumo at 64 KiB and 1 MiB: ' +
              (rows.slice(1).every((r) => r.wasm >= r.sodium) ? 'met' : 'NOT met') +
              `; Argon2id wasm <= 2x native: ${wasmMs <= 2 * native.argon ? 'met' : 'NOT met'}` +
              `; search p50 wasm <= MiniSearch: ${searchMet}`);
})().catch((e) => { console.error(e); process.exit(1); });

// The wasm module beside the native SDK and libsodium-wrappers-sumo, in one run (issue 6):
// page seal + open MB/s at 1 KiB, 64 KiB and 1 MiB, and Argon2id at the default parameters.
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
'use strict';
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const nativeBench = process.argv[2] || path.join(root, 'build/bin/zkwiki-bench');
const { load } = require(path.join(root, 'build/wasm/dist/node/zkwiki.cjs'));
const sodium = require(path.join(root, 'node_modules/libsodium-wrappers-sumo'));

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
  console.log('\npage seal+open (MB/s)');
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
  console.log('\nArgon2id t=3, m=64 MiB (median ms)');
  console.log('| wasm | libsodium-wrappers-sumo | native SDK | wasm / native |');
  console.log('|---|---|---|---|');
  console.log(`| ${wasmMs} | ${sumoTimes[1]} | ${native.argon.toFixed(0)} | ${(wasmMs / native.argon).toFixed(2)} |`);

  console.log('\ntargets: wasm >= 1.0x sumo at 64 KiB and 1 MiB: ' +
              (rows.slice(1).every((r) => r.wasm >= r.sodium) ? 'met' : 'NOT met') +
              `; Argon2id wasm <= 2x native: ${wasmMs <= 2 * native.argon ? 'met' : 'NOT met'}`);
})().catch((e) => { console.error(e); process.exit(1); });

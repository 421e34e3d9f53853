// Two or more builds of the wasm module side by side in one node process, rounds interleaved
// (this machine is shared and noisy: an A/B in one process is the comparison that holds):
// page seal + open MB/s at 64 KiB and 1 MiB (zk.format, as bench/wasm_bench.cjs) and the
// median of Argon2id at the default parameters (zk.format.kdfBenchmark).
//
//   node bench/wasm_ab.cjs DIST_A DIST_B [...]     (each a build/wasm/dist copy)
//   ROUNDS=5 node bench/wasm_ab.cjs ...
// Prints, per build, the range over the rounds (min-max) and the median of each round's best
// call (the fastest seal + open; the fastest of three derivations).
'use strict';
const path = require('path');

const dists = process.argv.slice(2);
if (dists.length < 1) {
  console.error('usage: node bench/wasm_ab.cjs DIST_A [DIST_B ...]');
  process.exit(2);
}
const ROUNDS = Number(process.env.ROUNDS || 3);
const SECONDS = Number(process.env.SECONDS_PER_RATE || 0.7);

// MB/s of the fastest call in SECONDS: on a shared machine the best call is the one least
// disturbed by other processes, so the comparison holds better than an average.
function rate(fn, bytes) {
  for (let i = 0; i < 3; i++) fn();
  let best = Infinity;
  const start = process.hrtime.bigint();
  for (;;) {
    const t0 = process.hrtime.bigint();
    fn();
    const t1 = process.hrtime.bigint();
    best = Math.min(best, Number(t1 - t0) / 1e9);
    if (Number(t1 - start) / 1e9 >= SECONDS) break;
  }
  return bytes / best / 1e6;
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const range = (a) => `${Math.min(...a).toFixed(0)}-${Math.max(...a).toFixed(0)} (median ${median(a).toFixed(0)})`;

(async () => {
  const ctx = { kind: 1, workspace: '11'.repeat(16), collection: '22'.repeat(16), page: '33'.repeat(16),
                revision: 1, parent: '00'.repeat(32) };
  const key = { generation: 1, key: new Uint8Array(32).fill(7) };
  const mods = [];
  for (const d of dists) {
    const { load } = require(path.resolve(d, 'node/zkwiki.cjs'));
    mods.push({ name: d, zk: await load(), r64: [], r1m: [], kdf: [] });
  }
  const page = (n) => { const p = new Uint8Array(n); for (let i = 0; i < n; i++) p[i] = (i * 131 + 7) & 255; return p; };
  const p64 = page(64 << 10);
  const p1m = page(1 << 20);
  for (const m of mods) {  // the builds must agree on the bytes they open
    const back = m.zk.format.openEnvelope(ctx, key, m.zk.format.sealEnvelope(ctx, key, p1m));
    if (Buffer.compare(Buffer.from(back), Buffer.from(p1m)) !== 0) throw new Error(m.name + ': round trip differs');
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const m of mods) {
      const f = m.zk.format;
      m.r64.push(rate(() => f.openEnvelope(ctx, key, f.sealEnvelope(ctx, key, p64)), p64.length));
      m.r1m.push(rate(() => f.openEnvelope(ctx, key, f.sealEnvelope(ctx, key, p1m)), p1m.length));
      m.kdf.push(Math.min(f.kdfBenchmark(), f.kdfBenchmark(), f.kdfBenchmark()));
    }
  }
  console.log('| build | seal+open 64 KiB MB/s | seal+open 1 MiB MB/s | Argon2id t=3 64 MiB ms |');
  console.log('|---|---|---|---|');
  for (const m of mods) console.log(`| ${m.name} | ${range(m.r64)} | ${range(m.r1m)} | ${range(m.kdf)} |`);
})().catch((e) => { console.error(e); process.exit(1); });

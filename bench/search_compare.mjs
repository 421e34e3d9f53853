// node bench/search_compare.mjs [QUERIES.json ...]   (from the repository root)
// The search index beside MiniSearch 7.2 and FlexSearch 0.8 in one run, on the same corpus,
// titles and queries (the query sets' rules): build time, serialized size (gzip), load time and
// p50/p95 per query kind (top 10), and the ratios zkwiki / reference. zkwiki's side is
// build/bin/zkwiki-bench search QUERIES --json (native; its size is the sealed envelope).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import MiniSearch from 'minisearch';
import FlexSearch from 'flexsearch';
import queryCorpus from './lib/query_corpus.cjs';

const { corpus, latencies } = queryCorpus;

const now = () => Number(process.hrtime.bigint()) / 1e6;  // ms

function mini(docs, qs) {
  const options = { fields: ['title', 'body'], idField: 'n' };
  let t = now();
  const ms = new MiniSearch(options);
  ms.addAll(docs);
  const build = now() - t;
  const json = JSON.stringify(ms);
  t = now();
  const loaded = MiniSearch.loadJSON(json, options);
  const load = now() - t;
  const one = (q) => loaded.search(q, { combineWith: 'AND' }).slice(0, 10);
  const pre = (q) => loaded.search(q, { prefix: true }).slice(0, 10);
  for (const q of qs.warmup.one) one(q.q);
  return {
    build, bytes: json.length, gzip: zlib.gzipSync(json).length, load,
    one: latencies(one, qs.queries.one), and: latencies(one, qs.queries.and), prefix: latencies(pre, qs.queries.prefix),
  };
}

async function flex(docs, qs, tokenize) {
  let t = now();
  const index = new FlexSearch.Index({ tokenize });
  for (const d of docs) index.add(d.n, d.title + '\n' + d.body);
  const build = now() - t;
  const parts = {};
  await index.export((key, data) => { parts[key] = data; });
  const json = JSON.stringify(parts);
  t = now();
  const loaded = new FlexSearch.Index({ tokenize });
  for (const [k, v] of Object.entries(JSON.parse(json))) await loaded.import(k, v);
  const load = now() - t;
  const run = (q) => loaded.search(q, { limit: 10 });
  for (const q of qs.warmup.one) run(q.q);
  return {
    build, bytes: json.length, gzip: zlib.gzipSync(json).length, load,
    one: latencies(run, qs.queries.one), and: latencies(run, qs.queries.and), prefix: latencies(run, qs.queries.prefix),
  };
}

const files = process.argv.slice(2).length ? process.argv.slice(2) : ['../shared/bench/queries-tldr.json', '../shared/bench/queries-cppdocs.json'];
const f1 = (x) => x.toFixed(1), mb = (b) => (b / 1e6).toFixed(2);
for (const file of files) {
  const qs = JSON.parse(fs.readFileSync(file, 'utf8'));
  const zk = JSON.parse(execFileSync('build/bin/zkwiki-bench', ['search', file, '--json'], { encoding: 'utf8' }));
  const docs = corpus(qs.root);
  const m = mini(docs, qs);
  const fs_ = await flex(docs, qs, 'strict');
  const ff = await flex(docs, qs, 'forward');
  console.log(`\n### ${qs.corpus} (${docs.length} pages; ${file})\n`);
  console.log('| library | build ms | serialized MB (gzip) | load ms | one p50/p95 µs | AND p50/p95 µs | prefix p50/p95 µs |');
  console.log('|---|---|---|---|---|---|---|');
  const row = (name, r, size) => console.log(`| ${name} | ${f1(r.build)} | ${size} | ${f1(r.load)} | ${f1(r.one.p50)} / ${f1(r.one.p95)} | ${f1(r.and.p50)} / ${f1(r.and.p95)} | ${f1(r.prefix.p50)} / ${f1(r.prefix.p95)} |`);
  const zq = { build: zk.build_ms, load: zk.load_ms, one: { p50: zk.queries.one.p50_us, p95: zk.queries.one.p95_us },
    and: { p50: zk.queries.and.p50_us, p95: zk.queries.and.p95_us }, prefix: { p50: zk.queries.prefix.p50_us, p95: zk.queries.prefix.p95_us } };
  row('zkwiki (native)', zq, `${mb(zk.serialized_bytes)} (sealed ${mb(zk.sealed_bytes)})`);
  row('MiniSearch 7.2', m, `${mb(m.bytes)} (${mb(m.gzip)})`);
  row('FlexSearch 0.8 strict', fs_, `${mb(fs_.bytes)} (${mb(fs_.gzip)})`);
  row('FlexSearch 0.8 forward', ff, `${mb(ff.bytes)} (${mb(ff.gzip)})`);
  const r = (a, b) => (a / b).toFixed(2);
  const bestFlex = (k) => Math.min(fs_[k].p50, ff[k].p50);
  console.log(`\nratios zkwiki / reference (≤ 1 is better): build / Flex strict ${r(zk.build_ms, fs_.build)}; ` +
    `sealed / MiniSearch gzip ${r(zk.sealed_bytes, m.gzip)}; load / Flex ${r(zk.load_ms, Math.min(fs_.load, ff.load))}; ` +
    `p50 / best Flex: one ${r(zq.one.p50, bestFlex('one'))}, AND ${r(zq.and.p50, bestFlex('and'))}, prefix ${r(zq.prefix.p50, bestFlex('prefix'))}; ` +
    `p50 / MiniSearch: one ${r(zq.one.p50, m.one.p50)}, AND ${r(zq.and.p50, m.and.p50)}, prefix ${r(zq.prefix.p50, m.prefix.p50)}`);
}

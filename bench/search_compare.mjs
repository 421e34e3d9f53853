// node bench/search_compare.mjs [QUERIES.json ...]   (from the repository root)
// The search index beside MiniSearch 7.2 and FlexSearch 0.8 in one run, on the same corpus,
// titles and queries (the query sets' rules): build time, serialized size (gzip), load time and
// p50/p95 per query kind (top 10), with the results each returned, and the ratios zkwiki / reference. zkwiki's side is
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
  console.log('| library | build ms | serialized MB (gzip) | load ms | one p50/p95 µs (results) | AND p50/p95 µs (results) | prefix p50/p95 µs (results) |');
  console.log('|---|---|---|---|---|---|---|');
  const cell = (k) => `${f1(k.p50)} / ${f1(k.p95)} (${k.results})`;
  const row = (name, r, size) => console.log(`| ${name} | ${f1(r.build)} | ${size} | ${f1(r.load)} | ${cell(r.one)} | ${cell(r.and)} | ${cell(r.prefix)} |`);
  const zkKind = (k) => ({ p50: zk.queries[k].p50_us, p95: zk.queries[k].p95_us, results: zk.queries[k].hits });
  const zq = { build: zk.build_ms, load: zk.load_ms, one: zkKind('one'), and: zkKind('and'), prefix: zkKind('prefix') };
  row('zkwiki (native)', zq, `${mb(zk.serialized_bytes)} (sealed ${mb(zk.sealed_bytes)})`);
  row('MiniSearch 7.2', m, `${mb(m.bytes)} (${mb(m.gzip)})`);
  row('FlexSearch 0.8 strict', fs_, `${mb(fs_.bytes)} (${mb(fs_.gzip)})`);
  row('FlexSearch 0.8 forward', ff, `${mb(ff.bytes)} (${mb(ff.gzip)})`);
  const r = (a, b) => (a / b).toFixed(2);
  // The best FlexSearch configuration for a kind, among those that answer it: "strict" indexes
  // whole words only, so it answers a prefix query with the pages that hold the prefix as a
  // word (few or none: see its results count); for prefix queries the reference is "forward",
  // the configuration that indexes every prefix (as the anchors give it).
  const bestFlex = (k) => (k === 'prefix' ? ff[k].p50 : Math.min(fs_[k].p50, ff[k].p50));
  console.log(`\nratios zkwiki / reference (≤ 1 is better): build / Flex strict ${r(zk.build_ms, fs_.build)}; ` +
    `sealed / MiniSearch gzip ${r(zk.sealed_bytes, m.gzip)}; load / Flex ${r(zk.load_ms, Math.min(fs_.load, ff.load))}; ` +
    `p50 / best Flex (prefix: forward): one ${r(zq.one.p50, bestFlex('one'))}, AND ${r(zq.and.p50, bestFlex('and'))}, prefix ${r(zq.prefix.p50, bestFlex('prefix'))}; ` +
    `p50 / MiniSearch: one ${r(zq.one.p50, m.one.p50)}, AND ${r(zq.and.p50, m.and.p50)}, prefix ${r(zq.prefix.p50, m.prefix.p50)}`);
}

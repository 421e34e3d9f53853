// What the search benchmarks share (bench/search_compare.mjs, bench/wasm_bench.cjs): the query
// sets' corpus rules and the latency measure.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

// Every *.md under root, sorted by path (bytes); the title is the first "# " line, else the
// file name. Documents are numbered in that order.
function corpus(root) {
  const files = [];
  (function walk(d) {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.md')) files.push(p);
    }
  })(root);
  return files.map((f) => path.relative(root, f).split(path.sep).join('/'))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map((id, i) => {
      const body = fs.readFileSync(path.join(root, id), 'utf8');
      const m = body.match(/^# (.*)$/m);
      return { n: i, id, title: m ? m[1].trim() : path.basename(id, '.md'), body };
    });
}

// Runs each query ({q}) once through run(q) and returns its p50 and p95 in µs, and how many
// results run returned in all (run returns an array). Once, as the anchors were
// measured: repeating the set lets a library answer from caches the first pass filled.
function latencies(run, queries) {
  const us = [];
  let results = 0;
  for (const q of queries) {
    const t = process.hrtime.bigint();
    const out = run(q.q);
    us.push(Number(process.hrtime.bigint() - t) / 1e3);
    results += out ? out.length : 0;
  }
  us.sort((a, b) => a - b);
  return { p50: us[Math.floor(us.length / 2)], p95: us[Math.min(us.length - 1, Math.floor(us.length * 0.95))], results };
}

module.exports = { corpus, latencies };

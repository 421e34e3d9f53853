// The built module exports exactly what wasm/exports.txt lists: the C ABI (abi.h), and the
// Emscripten runtime's own exports named in the list's "runtime" lines. Anything else is a
// failure, in both builds. Emscripten minifies the export names in the .wasm (p, q, ...); the
// glue binds each one to its real name (Module["_zkw_info"] = Module["asm"]["C"]), which is
// where the names are read from. An export the glue does not name fails too.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { root, dist } = require('./support.cjs');

function allowed() {
  const lines = fs.readFileSync(path.join(root, 'wasm/exports.txt'), 'utf8').split('\n')
    .map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const exact = new Set(), prefixes = [];
  for (const l of lines) {
    const name = l.startsWith('runtime ') ? l.slice(8).trim() : l;
    if (name.endsWith('*')) prefixes.push(name.slice(0, -1));
    else exact.add(name);
  }
  return { exact, prefixes, abi: lines.filter((l) => !l.startsWith('runtime ')) };
}

// Minified export name -> real name, from the glue's bindings: Module["_zkw_info"] =
// Module["asm"]["C"] as emscripten writes it, e._zkw_info=e.asm.C once esbuild has minified
// the glue (wasm/CMakeLists.txt). The memory and the table are bound to variables whose names
// the minifier drops: they are named by their kind.
function realNames(glue, exports) {
  const map = new Map();
  const bound = /(?:Module\["([\w$]+)"\]|\b[\w$]+\.([\w$]+))=(?:Module\["asm"\]\["([^"]+)"\]|\b[\w$]+\.asm\.([\w$]+))/g;
  for (const m of glue.matchAll(bound)) {
    const name = m[1] || m[2], raw = m[3] || m[4];
    if (name !== 'asm') map.set(raw, name.replace(/^_/, ''));
  }
  const kinds = { memory: 'memory', table: '__indirect_function_table' };
  for (const e of exports) if (!map.has(e.name) && kinds[e.kind]) map.set(e.name, kinds[e.kind]);
  for (const m of glue.matchAll(/addOnInit\(Module\["asm"\]\["([^"]+)"\]\)/g)) map.set(m[1], '__wasm_call_ctors');
  return map;
}

for (const flavor of ['web', 'node']) {
  test(`${flavor}/zkwiki.wasm exports nothing outside wasm/exports.txt`, () => {
    const bytes = fs.readFileSync(path.join(dist, flavor, 'zkwiki.wasm'));
    const glue = fs.readFileSync(path.join(dist, flavor, flavor === 'web' ? 'zkwiki.mjs' : 'zkwiki.cjs'), 'utf8');
    const exports = WebAssembly.Module.exports(new WebAssembly.Module(bytes));
    const real = realNames(glue, exports);
    const raw = exports.map((e) => e.name);
    assert.deepEqual(raw.filter((n) => !real.has(n)), [], 'exports the glue does not name');
    const names = raw.map((n) => real.get(n));
    const { exact, prefixes, abi } = allowed();
    const extra = names.filter((n) => !exact.has(n) && !prefixes.some((p) => n.startsWith(p)));
    assert.deepEqual(extra, [], 'exported but not listed in wasm/exports.txt');
    const missing = abi.filter((n) => !names.includes(n));
    assert.deepEqual(missing, [], 'listed in wasm/exports.txt but not exported');
  });
}

test('the JS wrapper reaches the C ABI only through listed functions', () => {
  const api = fs.readFileSync(path.join(root, 'wasm/js/api.js'), 'utf8');
  const { exact } = allowed();
  const used = new Set();
  for (const m of api.matchAll(/['"_](zkw_[a-z0-9_]+)/g)) used.add(m[1]);
  for (const n of used) assert.ok(exact.has(n), `api.js calls ${n}, which is not in wasm/exports.txt`);
});

test('the ES module build has no eval or new Function (strict CSP)', () => {
  const js = fs.readFileSync(path.join(dist, 'web/zkwiki.mjs'), 'utf8');
  assert.doesNotMatch(js, /\beval\s*\(/);
  assert.doesNotMatch(js, /new\s+Function\s*\(/);
});

test('zkwiki.d.ts type-checks, with a use of the client and format APIs (tsc --strict)', (t) => {
  const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
  if (!fs.existsSync(tsc)) { t.skip('typescript is not installed (npm ci)'); return; }
  const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'zkwiki-dts-'));
  fs.copyFileSync(path.join(root, 'wasm/zkwiki.d.ts'), path.join(dir, 'zkwiki.d.ts'));
  fs.writeFileSync(path.join(dir, 'use.ts'), `
import { load, SearchResult, IndexCoverage } from './zkwiki';
async function main(): Promise<void> {
  const zk = await load();
  const c = await zk.login({ server: '', account: 'a', passphrase: 'p', indexUpkeep: true });
  const { results, coverage } = await c.search('query', { limit: 5, prefix: true, typos: false });
  const first: SearchResult | undefined = results[0];
  const spans: string[] = first ? first.highlights.map(([b, e]) => first.snippet.slice(b, e)) : [];
  const cov: IndexCoverage = await c.reindex();
  const notices: string[] | undefined = (await c.write('a.md', 'x')).indexNotices;
  const m = zk.format.decodeSearchManifest(new Uint8Array(0));
  const cert = zk.format.decodeAgentCertificate('00');
  const local = zk.searchIndex();
  const hits: { path: string; score: number }[] = local.search('q', { limit: 3 });
  local.free();
  console.log(hits.length);
  console.log(spans, cov.indexed + coverage.known, notices, m.segments.length, cert.collections, await c.indexCoverage());
}
main();
`);
  const r = require('child_process').spawnSync(process.execPath,
    [tsc, '--noEmit', '--strict', '--target', 'es2020', '--moduleResolution', 'node', path.join(dir, 'use.ts')],
    { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

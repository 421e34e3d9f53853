// Builds the web app into a static folder: the page's code bundled with DOMPurify (app.js), the
// worker (worker.js, which imports the module's ES build), the module itself (zkwiki.mjs +
// zkwiki.wasm, copied from the wasm build), index.html and style.css. Nothing is fetched at run
// time from anywhere but the folder itself.
//
//   node examples/spa/build.mjs [--wasm build/wasm/dist/web] [--out build/spa]
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? resolve(process.argv[i + 1]) : fallback;
};
const wasmDir = arg('--wasm', join(root, 'build/wasm/dist/web'));
const out = arg('--out', join(root, 'build/spa'));

for (const f of ['zkwiki.mjs', 'zkwiki.wasm']) {
  if (!existsSync(join(wasmDir, f))) {
    console.error(`build.mjs: ${join(wasmDir, f)} is missing: build the module first (./zkwiki.sh build-wasm)`);
    process.exit(1);
  }
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const common = {
  bundle: true,
  format: 'esm',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
};
await build({ ...common, entryPoints: [join(here, 'src/main.js')], outfile: join(out, 'app.js') });
// The module stays a file of its own (it finds zkwiki.wasm next to itself via import.meta.url).
await build({ ...common, entryPoints: [join(here, 'src/worker.js')], outfile: join(out, 'worker.js'),
              external: ['./zkwiki.mjs'] });

for (const f of ['index.html', 'style.css', 'favicon.svg']) copyFileSync(join(here, 'src', f), join(out, f));
copyFileSync(join(wasmDir, 'zkwiki.mjs'), join(out, 'zkwiki.mjs'));
copyFileSync(join(wasmDir, 'zkwiki.wasm'), join(out, 'zkwiki.wasm'));

let total = 0, gz = 0;
const rows = [];
for (const f of readdirSync(out).sort()) {
  if (f.endsWith('.map') || f.endsWith('.LEGAL.txt')) continue;
  const bytes = readFileSync(join(out, f));
  const z = gzipSync(bytes, { level: 9 }).length;
  total += statSync(join(out, f)).size;
  gz += z;
  rows.push(`  ${f.padEnd(12)} ${String(bytes.length).padStart(9)} B  ${String(z).padStart(8)} B gzip`);
}
console.log(`web app: ${out}\n${rows.join('\n')}\n  total        ${String(total).padStart(9)} B  ${String(gz).padStart(8)} B gzip`);

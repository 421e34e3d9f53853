// Shared by the wasm module's node tests: where things are, loading the module, a real
// zkwiki-server on a fresh data directory, the native CLI and interop tool.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, execFileSync, spawnSync } = require('child_process');

const root = process.env.ZKWIKI_SOURCE_ROOT || path.resolve(__dirname, '../..');
const dist = process.env.ZKWIKI_WASM_DIST || path.join(root, 'build/wasm/dist');
const bin = process.env.ZKWIKI_BIN || path.join(root, 'build/bin');

function requireModule() {
  const file = path.join(dist, 'node/zkwiki.cjs');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: build the module with ./zkwiki.sh build-wasm`);
  return require(file);
}

let loaded = null;
// One module instance per test file (instantiating costs ~50 ms).
function load() {
  if (!loaded) loaded = requireModule().load();
  return loaded;
}

function tmpdir(prefix) { return fs.mkdtempSync(path.join(os.tmpdir(), prefix)); }

// Starts zkwiki-server on 127.0.0.1 with a port of its choosing (and `extraArgs`, such as
// ['--app', DIR]); resolves to {url, data, stop()}.
function startServer(extraArgs = []) {
  const data = tmpdir('zkwiki-wasm-server-');
  const child = spawn(path.join(bin, 'zkwiki-server'), ['--data', data, '--listen', '127.0.0.1:0', ...extraArgs],
                      { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stderr.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start: ' + err)), 10000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /http:\/\/[0-9.:]+/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[0],
          data,
          stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
}

// Runs the native CLI with its own ZKWIKI_HOME; returns {code, stdout, stderr}.
function cli(home, passphrase, args, input) {
  const r = spawnSync(path.join(bin, 'zkwiki'), args, {
    env: { ...process.env, ZKWIKI_HOME: home, ZKWIKI_PASSPHRASE: passphrase },
    input: input === undefined ? '' : input,
    encoding: 'utf8',
    timeout: 120000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function interop(op, ctxHex, generation, keyHex, input) {
  return execFileSync(path.join(bin, 'zkwiki-wasm-interop'), [op, ctxHex, String(generation), keyHex],
                      { input, maxBuffer: 256 << 20 });
}

module.exports = { root, dist, bin, load, requireModule, tmpdir, startServer, cli, interop };

#!/usr/bin/env bash
# The WASM module beside the native SDK and libsodium-wrappers-sumo (bench/wasm_bench.cjs, issue 6).
set -euo pipefail
echo "## WebAssembly module (issue 6)"
echo
echo '```sh'
echo './zkwiki.sh bench wasm            # = node bench/wasm_bench.cjs build/bin/zkwiki-bench'
echo '```'
echo
if [ ! -f "$ROOT/build/wasm/dist/node/zkwiki.cjs" ]; then
  echo "Not run: the WASM build is missing (./zkwiki.sh build-wasm)."
  exit 1
fi
echo 'One node process: the module'"'"'s `format.sealEnvelope` + `openEnvelope` from JS, the same'
echo 'envelope work done from JS with libsodium-wrappers-sumo, and the native SDK'
echo '(`zkwiki-bench crypto`, run by the script in the same run). MB/s counts page bytes once per'
echo 'seal + open.'
echo
cd "$ROOT"
node bench/wasm_bench.cjs "$BIN/zkwiki-bench"

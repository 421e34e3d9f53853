#!/usr/bin/env bash
# The web app in headless Chromium beside the native CLI (bench/webapp_bench.mjs, issue 6).
set -euo pipefail
echo "## Web app (issue 6)"
echo
echo '```sh'
echo './zkwiki.sh bench webapp          # = node bench/webapp_bench.mjs (needs ./zkwiki.sh build-spa)'
echo '```'
echo
cd "$ROOT"
node bench/webapp_bench.mjs

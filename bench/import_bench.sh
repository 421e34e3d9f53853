#!/usr/bin/env bash
# Import of tldr-en and cppdocs-subset through a real zkwiki-server on loopback: the client's
# sealed import beside the same bytes uploaded as plain blobs, in the same run, plus the peak
# RSS of the CLI importing tldr-en. Prints Markdown rows for docs/PERFORMANCE.md.
#   bench/import_bench.sh [CONNECTIONS]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN=${ZKWIKI_BIN_DIR:-$ROOT/build/bin}
SHARED=${ZKWIKI_SHARED_DIR:-$ROOT/../shared}
CONN=${1:-16}
WORK=$(mktemp -d)
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$WORK"' EXIT
"$BIN/zkwiki-server" --data "$WORK/data" --listen 127.0.0.1:0 > "$WORK/out" 2>/dev/null &
PID=$!
for _ in $(seq 100); do URL=$(grep -o 'http://[0-9.:]*' "$WORK/out" 2>/dev/null) && [ -n "$URL" ] && break; sleep 0.05; done
echo "| corpus | pages | MB | plain blobs: pages/s | zkwiki import: pages/s | sealed / plain time | peak RSS (MiB) |"
echo "|---|---|---|---|---|---|---|"
for corpus in tldr-en cppdocs-subset; do
  "$BIN/zkwiki-bench" import "$URL" "$SHARED/corpus/$corpus" "$CONN"
done
export ZKWIKI_HOME=$WORK/home ZKWIKI_PASSPHRASE='import bench passphrase'
"$BIN/zkwiki" init --server "$URL" > /dev/null
/usr/bin/time -f '%M' -o "$WORK/rss" "$BIN/zkwiki" import "$SHARED/corpus/tldr-en" --into t 2> "$WORK/cli"
echo
echo "CLI: $(tail -1 "$WORK/cli"); peak RSS $(( $(cat "$WORK/rss") / 1024 )) MiB"

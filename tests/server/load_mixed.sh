#!/usr/bin/env bash
# load_mixed.sh BIN_DIR CONNECTIONS SECONDS: a real zkwiki-server on a fresh SQLite store, then
# zkwiki-server-load mixed (reads and racing CAS writes) against it. ctest runs it short
# (LoadMixedShort); the 60 s run with 64 connections is the benchmark in docs/PERFORMANCE.md:
#   tests/server/load_mixed.sh build/bin 64 60
set -euo pipefail
bin=$1 conns=$2 secs=$3
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin/zkwiki-server" --data "$work/data" --listen 127.0.0.1:0 --max-connections 256 > "$work/out" 2> "$work/log" &
pid=$!
url=""
for _ in $(seq 100); do url=$(grep -o 'http://[0-9.:]*' "$work/out" 2>/dev/null) && [ -n "$url" ] && break; sleep 0.1; done
[ -n "$url" ] || { echo "the server did not start: $(cat "$work/log")"; exit 1; }
port=${url##*:}
"$bin/zkwiki-server-load" mixed 127.0.0.1 "$port" "$conns" "$secs"
kill -0 "$pid"  # the server is still up

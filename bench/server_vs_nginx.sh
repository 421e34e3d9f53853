#!/usr/bin/env bash
# bench/server_vs_nginx.sh — zkwiki-server against nginx on the same bytes, in the same run.
#
#   bench/server_vs_nginx.sh [SECONDS]        (default 10 s per wrk run)
#
# Seeds zkwiki-server with 1,000 random 4 KiB and 1,000 random 64 KiB blobs (and writes the same
# bytes as files under the same URL paths for nginx), then runs wrk with random GETs against each
# server, and finally measures CAS writes/s for 4 KiB revisions with 16 concurrent writers.
# Needs: wrk, nginx (nginx-light), and build/bin/zkwiki-server + build/bin/zkwiki-server-load
# (override the directory with ZKWIKI_BIN_DIR). Both servers get the same number of threads /
# worker processes (ZKWIKI_BENCH_THREADS, default: all cores); wrk runs on the same machine.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${ZKWIKI_BIN_DIR:-$ROOT/build/bin}"
SECS="${1:-10}"
THREADS="${ZKWIKI_BENCH_THREADS:-$(nproc)}"
CONNS="${ZKWIKI_BENCH_CONNECTIONS:-32}"
NGINX="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"

die() { printf 'server_vs_nginx.sh: %s\n' "$*" >&2; exit 1; }
for b in "$BIN/zkwiki-server" "$BIN/zkwiki-server-load"; do
  [ -x "$b" ] || die "missing $b (cmake --build --preset release --target zkwiki-server zkwiki-server-load)"
done
command -v wrk >/dev/null || die "wrk is not installed (apt-get install wrk)"
[ -x "$NGINX" ] || die "nginx is not installed (apt-get install nginx-light)"

T="$(mktemp -d /tmp/zkwiki-bench.XXXXXX)"
chmod 755 "$T"  # nginx workers run as an unprivileged user when started by root
ZK_PID="" NGINX_PID=""
cleanup() {
  [ -n "$ZK_PID" ] && kill "$ZK_PID" 2>/dev/null && wait "$ZK_PID" 2>/dev/null
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# zkwiki-server (SQLite store in the temp dir, no quota).
"$BIN/zkwiki-server" --data "$T/data" --listen 127.0.0.1:0 --threads "$THREADS" --quota 0 \
  >"$T/zk.out" 2>"$T/zk.err" &
ZK_PID=$!
for _ in $(seq 100); do grep -q '^listening on' "$T/zk.out" 2>/dev/null && break; sleep 0.05; done
ZK_PORT="$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$T/zk.out")"
[ -n "$ZK_PORT" ] || die "zkwiki-server did not start: $(cat "$T/zk.err")"

echo "seeding 1,000 x 4 KiB and 1,000 x 64 KiB random blobs ..." >&2
"$BIN/zkwiki-server-load" seed 127.0.0.1 "$ZK_PORT" "$T"

# nginx serving the same bytes under the same paths: own config, loopback, foreground.
NG_PORT="$(free_port)"
mkdir -p "$T/nginx-tmp"
cat >"$T/nginx.conf" <<CONF
daemon off;
worker_processes $THREADS;
pid $T/nginx.pid;
error_log $T/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 10000000;
  client_body_temp_path $T/nginx-tmp/body;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$NG_PORT;
    root $T/www;
    location /v1/blobs/ { add_header Cache-Control "public, max-age=31536000, immutable"; }
  }
}
CONF
"$NGINX" -p "$T" -c "$T/nginx.conf" -e "$T/nginx-error.log" &
NGINX_PID=$!
for _ in $(seq 100); do
  curl -fs -o /dev/null "http://127.0.0.1:$NG_PORT$(head -1 "$T/paths-4k.txt")" && break; sleep 0.05
done

cat >"$T/random.lua" <<'LUA'
local paths = {}
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end
function request() return wrk.format("GET", paths[math.random(#paths)]) end
function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("RESULT %.0f %.1f %.2f %d %d\n", summary.requests / secs,
    summary.bytes / secs / 1048576, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout, e.status))
end
LUA

run_wrk() {  # PORT PATHS -> "req/s MiB/s p99ms socket_errors non2xx"
  wrk -t2 -c"$CONNS" -d"${SECS}s" -s "$T/random.lua" "http://127.0.0.1:$1" -- "$2" |
    sed -n 's/^RESULT //p'
}

printf '\n%-8s %-14s %10s %9s %9s %8s\n' size server "req/s" "MiB/s" "p99 ms" errors
for size in 4k 64k; do
  zk=$(run_wrk "$ZK_PORT" "$T/paths-$size.txt")
  ng=$(run_wrk "$NG_PORT" "$T/paths-$size.txt")
  read -r zr zm zp ze zs <<<"$zk"
  read -r nr nm np ne ns <<<"$ng"
  printf '%-8s %-14s %10s %9s %9s %8s\n' "$size" zkwiki-server "$zr" "$zm" "$zp" "$((ze + zs))"
  printf '%-8s %-14s %10s %9s %9s %8s\n' "$size" nginx "$nr" "$nm" "$np" "$((ne + ns))"
  printf '%-8s %-14s %10s\n' "$size" "ratio zk/nginx" "$(python3 -c "print(f'{$zr/$nr:.2f}')")"
done

echo
"$BIN/zkwiki-server-load" cas 127.0.0.1 "$ZK_PORT" 16 "$SECS" 4096
echo
echo "machine: $(nproc) cores, $(uname -r); wrk -t2 -c$CONNS -d${SECS}s; server threads / nginx workers: $THREADS"

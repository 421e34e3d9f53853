#!/usr/bin/env bash
# bench/blob_reads.sh — blob reads from zkwiki-server, from nginx serving the same bytes as
# files, and through Varnish (server/deploy's VCL), nginx proxy_cache (server/deploy's
# nginx/zkwiki-cache.conf) and nginx as a blob mirror (nginx/zkwiki-mirror.conf) in front of
# zkwiki-server, all in one run; then page writes (CAS) per second.
#
#   bench/blob_reads.sh [SECONDS [ROUNDS]]   (default 3 s per wrk run, 3 rounds; prints Markdown)
#
# Seeds zkwiki-server (started with --public-url naming the Varnish) with 1,000 random 4 KiB and
# 1,000 random 64 KiB blobs and writes the same bytes under the same URL paths for nginx; fills
# caches (every path once), then runs wrk with random GETs against each in turn, ROUNDS
# times, interleaved (origin, nginx, Varnish, nginx proxy_cache, the nginx mirror, nginx with the
# proxy_cache configuration's file settings, origin, ...), and reports each one's
# median and the median of the ratios of runs made next to each other: on a shared machine the
# load from elsewhere changes between runs, and interleaving spreads it over all of them. Both
# servers and nginx get the same number of threads / workers (ZKWIKI_BENCH_THREADS, default all
# cores); wrk (2 threads, ZKWIKI_BENCH_CONNECTIONS=32 connections) runs on the same machine.
# Needs: wrk, nginx, varnishd, build/bin/zkwiki-server and zkwiki-server-load (ZKWIKI_BIN_DIR).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${ZKWIKI_BIN_DIR:-$ROOT/build/bin}"
SECS="${1:-3}"
ROUNDS="${2:-3}"
THREADS="${ZKWIKI_BENCH_THREADS:-$(nproc)}"
CONNS="${ZKWIKI_BENCH_CONNECTIONS:-32}"
NGINX="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"
VARNISHD="${VARNISHD:-$(command -v varnishd || echo /usr/sbin/varnishd)}"

die() { printf 'blob_reads.sh: %s\n' "$*" >&2; exit 1; }
for b in "$BIN/zkwiki-server" "$BIN/zkwiki-server-load"; do
  [ -x "$b" ] || die "missing $b (cmake --build --preset release --target zkwiki-server zkwiki-server-load)"
done
command -v wrk >/dev/null || die "wrk is not installed (apt-get install wrk)"
[ -x "$NGINX" ] || die "nginx is not installed (apt-get install nginx-light)"
[ -x "$VARNISHD" ] || die "varnishd is not installed (apt-get install varnish)"

T="$(mktemp -d /tmp/zkwiki-bench.XXXXXX)"
chmod 755 "$T"  # nginx workers run as an unprivileged user when started by root
ZK_PID="" NGINX_PID="" VARNISH_PID="" NGCACHE_PID="" NGMIRROR_PID="" NGOFC_PID=""
cleanup() {
  local p
  for p in $NGOFC_PID $NGMIRROR_PID $NGCACHE_PID $VARNISH_PID $NGINX_PID $ZK_PID; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
# shellcheck source=lib/http.sh
. "$ROOT/bench/lib/http.sh"

VARNISH_PORT="$(free_port)"
start_zkwiki_server origin --public-url "http://127.0.0.1:$VARNISH_PORT"
echo "seeding 1,000 x 4 KiB and 1,000 x 64 KiB random blobs ..." >&2
"$BIN/zkwiki-server-load" seed 127.0.0.1 "$ZK_PORT" "$T" >&2

NG_PORT="$(free_port)"
start_nginx_static "$NG_PORT"

# Varnish: the shipped VCL with the backend port set and the deploy notes' throughput
# parameters; the cache in memory.
sed "s/\.port = \"8787\";/.port = \"$ZK_PORT\";/" "$ROOT/server/deploy/varnish/zkwiki.vcl" > "$T/zkwiki.vcl"
# shellcheck disable=SC2046  # the deploy notes' throughput parameters, as words
"$VARNISHD" -F -j none -f "$T/zkwiki.vcl" -a "127.0.0.1:$VARNISH_PORT" -T none -S none -n "$T/varnish" \
  -s malloc,512m $(cat "$ROOT/server/deploy/varnish/throughput.args") > "$T/varnish.log" 2>&1 &
VARNISH_PID=$!

# nginx proxy_cache: the shipped configuration with its two ports set and as many workers as
# the others get; everything it writes (cache files, its access log) under $T/ngcache.
NGCACHE_PORT="$(free_port)"
mkdir -p "$T/ngcache"
sed -e "s/server 127\.0\.0\.1:8787;/server 127.0.0.1:$ZK_PORT;/" -e "s/listen 0\.0\.0\.0:8080;/listen 127.0.0.1:$NGCACHE_PORT;/" \
    -e "s/^worker_processes auto;/worker_processes $THREADS;/" \
    "$ROOT/server/deploy/nginx/zkwiki-cache.conf" > "$T/ngcache/zkwiki-cache.conf"
"$NGINX" -p "$T/ngcache/" -c "$T/ngcache/zkwiki-cache.conf" -e stderr -g 'daemon off;' > "$T/ngcache.log" 2>&1 &
NGCACHE_PID=$!

# nginx as a blob mirror: the shipped zkwiki-mirror.conf, the same way; its blobs directory
# belongs to the workers' user (nobody when started by root), as the deploy notes say.
NGMIRROR_PORT="$(free_port)"
mkdir -p "$T/ngmirror/blobs"
[ "$(id -u)" = 0 ] && chown nobody "$T/ngmirror/blobs"
sed -e "s/server 127\.0\.0\.1:8787;/server 127.0.0.1:$ZK_PORT;/" -e "s/listen 0\.0\.0\.0:8080;/listen 127.0.0.1:$NGMIRROR_PORT;/" \
    -e "s/^worker_processes auto;/worker_processes $THREADS;/" \
    "$ROOT/server/deploy/nginx/zkwiki-mirror.conf" > "$T/ngmirror/zkwiki-mirror.conf"
"$NGINX" -p "$T/ngmirror/" -c "$T/ngmirror/zkwiki-mirror.conf" -e stderr -g 'daemon off;' > "$T/ngmirror.log" 2>&1 &
NGMIRROR_PID=$!

# nginx static again, with the proxy_cache configuration's file-serving lines (sendfile,
# output_buffers, open_file_cache) in place of the reference's sendfile line: what the reference
# itself would gain from them.
NGOFC_PORT="$(free_port)"
mkdir -p "$T/ngofc"
FILE_LINES="$(grep -E '^  (sendfile|output_buffers|open_file_cache) ' "$ROOT/server/deploy/nginx/zkwiki-cache.conf" | sed 's/$/\\n/' | tr -d '\n')"
[ -n "$FILE_LINES" ] || die "server/deploy/nginx/zkwiki-cache.conf has no sendfile/output_buffers/open_file_cache line"
sed -e "s|listen 127.0.0.1:$NG_PORT;|listen 127.0.0.1:$NGOFC_PORT;|" -e "s|^pid .*|pid $T/ngofc/nginx.pid;|" \
    -e "s|^  sendfile on;|${FILE_LINES%\\n}|" "$T/nginx.conf" > "$T/ngofc/nginx.conf"
grep -q "open_file_cache" "$T/ngofc/nginx.conf" || die "bench/lib/http.sh's nginx.conf changed: no sendfile line"
"$NGINX" -p "$T" -c "$T/ngofc/nginx.conf" -e "$T/ngofc/error.log" &
NGOFC_PID=$!

FIRST="$(head -1 "$T/paths-4k.txt")"
wait_http "http://127.0.0.1:$NGOFC_PORT$FIRST" || die "nginx (the cache's file settings) did not start: $(cat "$T/ngofc/error.log")"
wait_http "http://127.0.0.1:$NG_PORT$FIRST" || die "nginx did not start: $(cat "$T/nginx-error.log")"
wait_http "http://127.0.0.1:$VARNISH_PORT$FIRST" || die "varnishd did not start: $(cat "$T/varnish.log")"
wait_http "http://127.0.0.1:$NGCACHE_PORT$FIRST" || die "nginx proxy_cache did not start: $(cat "$T/ngcache.log")"
wait_http "http://127.0.0.1:$NGMIRROR_PORT$FIRST" || die "nginx (mirror) did not start: $(cat "$T/ngmirror.log")"

write_wrk_scripts
cat "$T/paths-4k.txt" "$T/paths-64k.txt" > "$T/paths-all.txt"
# Fill the caches: every blob (at least) once.
for port in "$VARNISH_PORT" "$NGCACHE_PORT" "$NGMIRROR_PORT" "$NGOFC_PORT"; do
  wrk -t1 -c4 -d5s -s "$T/each.lua" "http://127.0.0.1:$port" -- "$T/paths-all.txt" > /dev/null
done
# Blob reads that reached zkwiki-server (its /metrics), to show what the caches answered alone.
origin_reads() {
  curl -fs "http://127.0.0.1:$ZK_PORT/metrics" |
    awk '/^zkwiki_http_requests_total\{route="\/v1\/blobs\/\{id\}"/ { n += $NF } END { printf "%d", n }'
}
vstat() { varnishstat -n "$T/varnish" -1 -f "$1" | awk '{print $2}'; }

declare -A R RUNS
med() { python3 -c 'import statistics, sys; print(f"{statistics.median(map(float, sys.argv[1:])):.2f}")' "$@"; }
for size in 4k 64k; do
  for round in $(seq "$ROUNDS"); do
    for target in origin:"$ZK_PORT" nginx:"$NG_PORT" varnish:"$VARNISH_PORT" ngcache:"$NGCACHE_PORT" ngmirror:"$NGMIRROR_PORT" ngofc:"$NGOFC_PORT"; do
      name=${target%%:*} port=${target#*:}
      h0=$(vstat MAIN.cache_hit) m0=$(vstat MAIN.cache_miss) o0=$(origin_reads)
      out=$(run_wrk "$port" "$T/paths-$size.txt")
      RUNS[$size.$name]+="$out;"
      if [ "$name" = varnish ]; then
        sleep 0.3  # Varnish adds a worker's counters to the shared ones when its task ends
        R[$size.$name.origin]=$(( ${R[$size.$name.origin]:-0} + $(origin_reads) - o0 ))
        R[$size.hits]=$(( ${R[$size.hits]:-0} + $(vstat MAIN.cache_hit) - h0 ))
        R[$size.misses]=$(( ${R[$size.misses]:-0} + $(vstat MAIN.cache_miss) - m0 ))
      elif [ "$name" = ngcache ] || [ "$name" = ngmirror ]; then
        R[$size.$name.origin]=$(( ${R[$size.$name.origin]:-0} + $(origin_reads) - o0 ))
      fi
    done
  done
  for name in origin nginx varnish ngcache ngmirror ngofc; do  # median of each column over the rounds
    IFS=';' read -r -a rs <<<"${RUNS[$size.$name]}"
    cols=()
    for k in 0 1 2; do cols+=("$(med $(for r in "${rs[@]}"; do set -- $r; shift "$k"; echo "$1"; done))"); done
    errs=0; for r in "${rs[@]}"; do set -- $r; errs=$(( errs + $4 + $5 )); done
    R[$size.$name]="${cols[0]} ${cols[1]} ${cols[2]} $errs 0"
  done
done
# The median over rounds of the ratio A/B of runs made next to each other.
paired() {  # SIZE A B
  local -a a b; IFS=';' read -r -a a <<<"${RUNS[$1.$2]}"; IFS=';' read -r -a b <<<"${RUNS[$1.$3]}"
  local rs=() i
  for i in "${!a[@]}"; do rs+=("$(ratio "${a[$i]%% *}" "${b[$i]%% *}")"); done
  med "${rs[@]}"
}
row() {  # SIZE NAME LABEL
  read -r rq mb p99 se ns <<<"${R[$1.$2]}"
  echo "| $1 | $3 | $(fmt_int "$rq") | $mb | $p99 | $((se + ns)) |"
}
rps() { read -r rq _ <<<"${R[$1.$2]}"; echo "$rq"; }

echo "### zkwiki-server beside nginx (issue 3)"
echo
echo "| blobs | server | req/s | MiB/s | p99 ms | errors |"
echo "|---|---|---|---|---|---|"
for size in 4k 64k; do
  row "$size" origin zkwiki-server
  row "$size" nginx "nginx (static files)"
  echo "| $size | **zkwiki-server / nginx** | **$(paired "$size" origin nginx)** | | | |"
done
echo
"$BIN/zkwiki-server-load" cas 127.0.0.1 "$ZK_PORT" 16 "$SECS" 4096 > "$T/cas.txt"
read -r _ _ _ _ _ writers _ wps _ p50 _ p99 _ <<<"$(cat "$T/cas.txt")"
echo "CAS page writes (4 KiB revisions, $writers writers, each fsynced before its answer): **$(fmt_int "$wps") writes/s**, p50 $p50 ms, p99 $p99 ms."
echo
echo "Target (issue 3): zkwiki-server ≥ 0.7× nginx's req/s at 4 KiB and 64 KiB."
echo
echo "### Blob reads through a cache (issue 8)"
echo
echo "| blobs | served by | req/s | MiB/s | p99 ms | errors |"
echo "|---|---|---|---|---|---|"
for size in 4k 64k; do
  hits=${R[$size.hits]} misses=${R[$size.misses]}
  row "$size" varnish "Varnish 7.1 ($(fmt_int "$hits") hits, $misses misses; $(fmt_int "${R[$size.varnish.origin]}") reads reached the server)"
  row "$size" ngcache "nginx proxy_cache ($(fmt_int "${R[$size.ngcache.origin]}") reads reached the server)"
  row "$size" ngmirror "nginx blob mirror ($(fmt_int "${R[$size.ngmirror.origin]}") reads reached the server)"
  row "$size" nginx "nginx (static files, the reference)"
  row "$size" ngofc "nginx (static files, with the proxy_cache configuration's file settings)"
  row "$size" origin "zkwiki-server (no cache)"
  echo "| $size | **Varnish / nginx static** | **$(paired "$size" varnish nginx)** | | | |"
  echo "| $size | **nginx proxy_cache / nginx static** | **$(paired "$size" ngcache nginx)** | | | |"
  echo "| $size | **nginx blob mirror / nginx static** | **$(paired "$size" ngmirror nginx)** | | | |"
  echo "| $size | nginx proxy_cache / nginx static with the same file settings | $(paired "$size" ngcache ngofc) | | | |"
  echo "| $size | Varnish / zkwiki-server | $(paired "$size" varnish origin) | | | |"
  echo "| $size | nginx proxy_cache / zkwiki-server | $(paired "$size" ngcache origin) | | | |"
  echo "| $size | nginx blob mirror / zkwiki-server | $(paired "$size" ngmirror origin) | | | |"
done
echo
echo "Target (issue 8): blob reads through the cache ≥ 0.9× nginx's req/s at 4 KiB and 64 KiB."
# Which shipped cache configuration meets it in this run (both sizes), from the ratios above.
verdicts=()
for cache in "varnish:Varnish" "ngcache:nginx proxy_cache" "ngmirror:nginx blob mirror"; do
  name=${cache%%:*} label=${cache#*:}
  r4=$(paired 4k "$name" nginx) r64=$(paired 64k "$name" nginx)
  if python3 -c 'import sys; sys.exit(0 if min(map(float, sys.argv[1:])) >= 0.9 else 1)' "$r4" "$r64"; then
    verdicts+=("$label: **met** ($r4, $r64)")
  else
    verdicts+=("$label: not met ($r4, $r64)")
  fi
done
echo "In this run (4 KiB, 64 KiB): $(IFS=';'; echo "${verdicts[*]}" | sed 's/;/; /g')."
echo
echo "wrk -t2 -c$CONNS -d${SECS}s per run, a random blob of the set per request, $ROUNDS interleaved rounds: each row is the median over its runs, each ratio the median of the ratios of runs made next to each other. Server threads, nginx workers: $THREADS; Varnish: server/deploy/varnish/zkwiki.vcl, -s malloc,512m, server/deploy/varnish/throughput.args (no per-request shared-memory log records), default thread pools; nginx proxy_cache: server/deploy/nginx/zkwiki-cache.conf as shipped (no access log; sendfile off, output_buffers 1 64k, open_file_cache) with $THREADS workers; the nginx blob mirror: server/deploy/nginx/zkwiki-mirror.conf as shipped (no access log; sendfile and tcp_nopush like the reference, open_file_cache) with $THREADS workers. The reference is nginx serving the same bytes as files with Debian's defaults (sendfile on, tcp_nopush on) and no access log (as for issue 3); the row with the proxy_cache configuration's file settings shows what nginx static gains from the same three lines."

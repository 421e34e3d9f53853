#!/usr/bin/env bash
# bench/varnish_params.sh — Varnish parameter sets side by side: one zkwiki-server, nginx serving
# the same blobs as files (the reference), and one varnishd per parameter set (the shipped VCL
# and server/deploy/varnish/throughput.args, plus the set's own -p options), all filled, then
# ROUNDS interleaved rounds of wrk against each at 4 KiB and 64 KiB; prints each set's median
# ratio to nginx static and the range of its per-round ratios, and the same for CPU time per
# request (nginx's / the set's: above 1, Varnish spends less CPU on a request than nginx). The
# CPU ratio does not depend on how the other load on the machine shares the cores out between
# processes (Varnish's ~200 threads get a larger share of a busy machine than nginx's 2 workers,
# which flatters its req/s). Not part of ./zkwiki.sh bench:
# the tool behind the choice of parameters in server/deploy/README.md.
#
#   bench/varnish_params.sh [SECONDS [ROUNDS]] -- 'NAME=-p a=1 -p b=2' ...   (default 2 s, 5 rounds)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${ZKWIKI_BIN_DIR:-$ROOT/build/bin}"
SECS="${1:-2}" ROUNDS="${2:-5}"
shift 2 || true
[ "${1:-}" = -- ] && shift
THREADS="${ZKWIKI_BENCH_THREADS:-$(nproc)}" CONNS="${ZKWIKI_BENCH_CONNECTIONS:-32}"
NGINX="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"
VARNISHD="${VARNISHD:-$(command -v varnishd || echo /usr/sbin/varnishd)}"
SETS=("base=" "$@")

T="$(mktemp -d /tmp/zkwiki-vparams.XXXXXX)"
chmod 755 "$T"
PIDS=()
cleanup() { local p; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
# shellcheck source=lib/http.sh
. "$ROOT/bench/lib/http.sh"

start_zkwiki_server origin; PIDS+=("$ZK_PID")
"$BIN/zkwiki-server-load" seed 127.0.0.1 "$ZK_PORT" "$T" >&2
NG_PORT="$(free_port)"; start_nginx_static "$NG_PORT"; PIDS+=("$NGINX_PID")
sed "s/\.port = \"8787\";/.port = \"$ZK_PORT\";/" "$ROOT/server/deploy/varnish/zkwiki.vcl" > "$T/zkwiki.vcl"
declare -A PORT
i=0
for set in "${SETS[@]}"; do
  name=${set%%=*} opts=${set#*=} port=$(free_port)
  PORT[$name]=$port
  # shellcheck disable=SC2046,SC2086  # parameters as words
  "$VARNISHD" -F -j none -f "$T/zkwiki.vcl" -a "127.0.0.1:$port" -T none -S none -n "$T/varnish-$i" \
    -s malloc,512m $(cat "$ROOT/server/deploy/varnish/throughput.args") $opts > "$T/varnish-$i.log" 2>&1 &
  PIDS+=("$!"); i=$((i + 1))
done
write_wrk_scripts
cat "$T/paths-4k.txt" "$T/paths-64k.txt" > "$T/paths-all.txt"
FIRST="$(head -1 "$T/paths-4k.txt")"
wait_http "http://127.0.0.1:$NG_PORT$FIRST" || { echo "nginx did not start" >&2; exit 1; }
for set in "${SETS[@]}"; do
  name=${set%%=*}
  wait_http "http://127.0.0.1:${PORT[$name]}$FIRST" || { echo "varnishd $name did not start" >&2; cat "$T"/varnish-*.log >&2; exit 1; }
  wrk -t1 -c4 -d3s -s "$T/each.lua" "http://127.0.0.1:${PORT[$name]}" -- "$T/paths-all.txt" > /dev/null
done
# CPU ticks (user + system) of a process and its children (varnishd's worker, nginx's workers).
cpu_ticks() {
  local p sum=0
  for p in "$1" $(pgrep -P "$1"); do
    sum=$(( sum + $(awk '{ print $14 + $15 }' "/proc/$p/stat") ))
  done
  echo "$sum"
}
# run_measured PID PORT PATHS -> "req/s cpu_ticks_per_1000_requests"
run_measured() {
  local c0 out c1
  c0=$(cpu_ticks "$1"); out=$(run_wrk "$2" "$3"); c1=$(cpu_ticks "$1")
  python3 -c 'import sys; r, s, d = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]); print(f"{r:.0f} {d / (r * s) * 1000:.4f}")' "${out%% *}" "$SECS" "$((c1 - c0))"
}
declare -A RAT CPU VPID
i=0; for set in "${SETS[@]}"; do VPID[${set%%=*}]=${PIDS[$((2 + i))]}; i=$((i + 1)); done
for size in 4k 64k; do
  for round in $(seq "$ROUNDS"); do
    read -r ng ngc <<<"$(run_measured "$NGINX_PID" "$NG_PORT" "$T/paths-$size.txt")"
    for set in "${SETS[@]}"; do
      name=${set%%=*}
      read -r v vc <<<"$(run_measured "${VPID[$name]}" "${PORT[$name]}" "$T/paths-$size.txt")"
      RAT[$size.$name]+="$(ratio "$v" "$ng") "
      CPU[$size.$name]+="$(ratio "$ngc" "$vc") "
      echo "$size round $round $name $v req/s $vc ticks/1000 nginx $ng $ngc" >&2
    done
  done
done
echo "| parameters | 4k req/s: Varnish / nginx static, median (range) | 64k req/s | 4k CPU per request: nginx / Varnish | 64k CPU per request |"
echo "|---|---|---|---|---|"
for set in "${SETS[@]}"; do
  name=${set%%=*} opts=${set#*=}
  cells=()
  for k in RAT.4k RAT.64k CPU.4k CPU.64k; do
    if [ "${k%%.*}" = RAT ]; then vals=${RAT[${k#*.}.$name]}; else vals=${CPU[${k#*.}.$name]}; fi
    # shellcheck disable=SC2086
    cells+=("$(python3 -c 'import statistics, sys; v = list(map(float, sys.argv[1:])); print(f"{statistics.median(v):.2f} ({min(v):.2f}-{max(v):.2f})")' $vals)")
  done
  echo "| $name ${opts:+(\`$opts\`)} | ${cells[0]} | ${cells[1]} | ${cells[2]} | ${cells[3]} |"
done
echo
echo "wrk -t2 -c$CONNS -d${SECS}s per run, $ROUNDS rounds; each round: nginx static, then every set in turn, each ratio against that round's nginx run."

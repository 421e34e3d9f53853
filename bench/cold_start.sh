#!/usr/bin/env bash
# bench/cold_start.sh — how long things take from nothing (prints Markdown):
#   - zkwiki-server from exec to its first answer, on an empty store and on one holding a corpus
#     (schema check and PRAGMA integrity_check), beside nginx from exec to its first answer;
#   - the CLI on a synced device: `zkwiki cat` (process start, Argon2id unlock, login, sync, read)
#     beside one Argon2id derivation at the same parameters (raw libsodium, zkwiki-bench crypto);
#   - a new device: `zkwiki login` (login and the first sync of every page) reading blobs from the
#     server (one batch request per 1,000) beside reading them through a warm Varnish
#     (server --public-url; one GET per blob);
#   - a new device's first search before any sync: fetch, verify and open the sealed index
#     (manifest and segments that `zkwiki import` uploaded) and answer one query (login not
#     counted; zkwiki-bench search-cold), against issue 5's target of 300 ms.
#   bench/cold_start.sh [CORPUS_DIR] [RUNS] [NEW_DEVICE_RUNS]
#     (defaults: ../shared/corpus/tldr-en, else tests/fixtures/pages; 5 runs; 1 run of each new device)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${ZKWIKI_BIN_DIR:-$ROOT/build/bin}"
SHARED="${ZKWIKI_SHARED_DIR:-$ROOT/../shared}"
CORPUS="${1:-}"
RUNS="${2:-5}"
NEW_RUNS="${3:-1}"
if [ -z "$CORPUS" ]; then
  CORPUS="$SHARED/corpus/tldr-en"
  [ -d "$CORPUS" ] || CORPUS="$ROOT/tests/fixtures/pages"
fi
NGINX="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"
VARNISHD="${VARNISHD:-$(command -v varnishd || echo /usr/sbin/varnishd)}"
THREADS="${ZKWIKI_BENCH_THREADS:-$(nproc)}"
T="$(mktemp -d /tmp/zkwiki-cold.XXXXXX)"
chmod 755 "$T"
ZK_PID="" VARNISH_PID="" NGINX_PID=""
cleanup() {
  local p
  for p in $VARNISH_PID $NGINX_PID $ZK_PID; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
# shellcheck source=lib/http.sh
. "$ROOT/bench/lib/http.sh"
first_answer() { python3 "$ROOT/bench/lib/time_to_first_answer.py" "$@"; }
median() { python3 -c 'import statistics, sys; print(f"{statistics.median(map(float, sys.argv[1:])):.1f}")' "$@"; }
ms_of() { local t0 t1; t0=$(date +%s%N); "$@" > /dev/null 2>&1; t1=$(date +%s%N); echo "$(( (t1 - t0) / 100000 ))" | sed 's/\(.\)$/.\1/'; }

# A store holding the corpus, made once through the API (and kept for the start-up runs).
VARNISH_PORT="$(free_port)"
start_zkwiki_server seeded --public-url "http://127.0.0.1:$VARNISH_PORT"
export ZKWIKI_PASSPHRASE='cold start bench passphrase'
export ZKWIKI_HOME="$T/device-a"
"$BIN/zkwiki" init --server "http://127.0.0.1:$ZK_PORT" > /dev/null
"$BIN/zkwiki" import "$CORPUS" --into c > /dev/null 2>&1
PAGES=$("$BIN/zkwiki" ls | wc -l)
PAGE=$("$BIN/zkwiki" ls | awk -F"\t" 'NR == 1 { print $1 }')
ACCOUNT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["account"])' "$ZKWIKI_HOME/config.json")
STORE_MB=$(du -sm "$T/seeded-data" | cut -f1)

# The CLI on a synced device, and a new device's first login, from the server and through Varnish.
cat_ms=(); for _ in $(seq "$RUNS"); do cat_ms+=("$(ms_of "$BIN/zkwiki" cat "$PAGE")"); done
sed "s/\.port = \"8787\";/.port = \"$ZK_PORT\";/" "$ROOT/server/deploy/varnish/zkwiki.vcl" > "$T/zkwiki.vcl"
"$VARNISHD" -F -j none -f "$T/zkwiki.vcl" -a "127.0.0.1:$VARNISH_PORT" -T none -S none -n "$T/varnish" \
  -s malloc,512m > "$T/varnish.log" 2>&1 &
VARNISH_PID=$!
wait_http "http://127.0.0.1:$VARNISH_PORT/v1/health" || { echo "varnishd did not start" >&2; exit 1; }
new_device() {  # NAME SERVER_URL -> ms
  export ZKWIKI_HOME="$T/$1"
  ms_of "$BIN/zkwiki" login --server "$2" --account "$ACCOUNT"
}
# Without the cache: a server that names none. With it: the same data, --public-url set.
kill "$ZK_PID"; wait "$ZK_PID" 2>/dev/null || true
"$BIN/zkwiki-server" --data "$T/seeded-data" --listen "127.0.0.1:$ZK_PORT" --threads "$THREADS" --quota 0 \
  > "$T/plain.out" 2>&1 & ZK_PID=$!
wait_http "http://127.0.0.1:$ZK_PORT/v1/health"
origin_ms=(); for i in $(seq "$NEW_RUNS"); do origin_ms+=("$(new_device origin-$i "http://127.0.0.1:$ZK_PORT")"); done
# The query: the first word of five letters or more in the corpus's first page (path order).
QUERY=${SEARCH_QUERY:-$(python3 - "$CORPUS" <<'PY'
import os, re, sys
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(sys.argv[1]) for f in fs if f.endswith(".md"))
m = re.search(r"[A-Za-z]{5,}", open(files[0], encoding="utf-8").read())
print(m.group(0).lower() if m else "page")
PY
)}
printf '%s\n' "$ZKWIKI_PASSPHRASE" > "$T/pass"
search_ms=()
for _ in $(seq "$RUNS"); do
  out=$("$BIN/zkwiki-bench" search-cold "http://127.0.0.1:$ZK_PORT" "$ACCOUNT" "$T/pass" "$QUERY")
  search_ms+=("$(sed -n 's/^first search: \([0-9.]*\) ms.*/\1/p' <<< "$out")")
  SEARCH_LINE=$(head -n 1 <<< "$out")
done
kill "$ZK_PID"; wait "$ZK_PID" 2>/dev/null || true
"$BIN/zkwiki-server" --data "$T/seeded-data" --listen "127.0.0.1:$ZK_PORT" --threads "$THREADS" --quota 0 \
  --public-url "http://127.0.0.1:$VARNISH_PORT" > "$T/cdn.out" 2>&1 & ZK_PID=$!
wait_http "http://127.0.0.1:$ZK_PORT/v1/health"
fill_ms=$(new_device fill "http://127.0.0.1:$ZK_PORT")  # the first device through fills the cache
cache_ms=(); for i in $(seq "$NEW_RUNS"); do cache_ms+=("$(new_device cache-$i "http://127.0.0.1:$ZK_PORT")"); done
HITS=$(varnishstat -n "$T/varnish" -1 -f MAIN.cache_hit | awk '{print $2}')
kill "$ZK_PID"; wait "$ZK_PID" 2>/dev/null || true; ZK_PID=""

# Server start-up: empty store, the seeded store; nginx beside them.
PORT="$(free_port)"
empty=() seeded=() ng=()
for i in $(seq "$RUNS"); do
  empty+=("$(first_answer "http://127.0.0.1:$PORT/v1/health" "$BIN/zkwiki-server" --data "$T/empty-$i" \
             --listen "127.0.0.1:$PORT" --threads "$THREADS")")
  seeded+=("$(first_answer "http://127.0.0.1:$PORT/v1/health" "$BIN/zkwiki-server" --data "$T/seeded-data" \
              --listen "127.0.0.1:$PORT" --threads "$THREADS")")
done
mkdir -p "$T/www/v1/blobs" "$T/nginx-tmp" && echo ok > "$T/www/v1/health"
cat > "$T/nginx.conf" <<CONF
daemon off;
worker_processes $THREADS;
pid $T/nginx.pid;
error_log $T/nginx-error.log warn;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path $T/nginx-tmp/body; server { listen 127.0.0.1:$PORT; root $T/www; } }
CONF
for i in $(seq "$RUNS"); do ng+=("$(first_answer "http://127.0.0.1:$PORT/v1/health" "$NGINX" -p "$T" -c "$T/nginx.conf" -e "$T/nginx-error.log")"); done

# One Argon2id derivation at the CLI's parameters, raw libsodium (taken from the crypto area when
# it ran first, else measured here).
ARGON=""
[ -n "${BENCH_OUT:-}" ] && [ -f "$BENCH_OUT/crypto.raw" ] && ARGON=$(sed -n 's/^Argon2id (t=3, m=64 MiB, the default): \([0-9]*\) ms.*/\1/p' "$BENCH_OUT/crypto.raw")
[ -n "$ARGON" ] || ARGON=$("$BIN/zkwiki-bench" crypto --benchmark_filter=Argon2id 2>/dev/null | sed -n 's/^Argon2id (t=3, m=64 MiB, the default): \([0-9]*\) ms.*/\1/p')

E=$(median "${empty[@]}") S=$(median "${seeded[@]}") N=$(median "${ng[@]}")
C=$(median "${cat_ms[@]}") O=$(median "${origin_ms[@]}") V=$(median "${cache_ms[@]}") Q=$(median "${search_ms[@]}")
echo "Corpus: $(basename "$CORPUS"), $PAGES pages ($STORE_MB MB of server data); medians of $RUNS runs (new devices: $NEW_RUNS)."
echo
echo "| from nothing to | ms | reference | ms | ratio |"
echo "|---|---|---|---|---|"
echo "| zkwiki-server, empty store: first answer | $E | nginx: first answer | $N | $(ratio "$E" "$N") |"
echo "| zkwiki-server, $PAGES-page store (integrity check): first answer | $S | nginx: first answer | $N | $(ratio "$S" "$N") |"
echo "| \`zkwiki cat\` on a synced device (start, unlock, login, sync, read) | $C | one Argon2id t=3 m=64 MiB (raw libsodium) | $ARGON | $(ratio "$C" "$ARGON") |"
echo "| new device, before any sync: fetch + open the sealed index + first query (\`$QUERY\`; login not counted) | $Q | target (issue 5) | 300 | $(ratio "$Q" 300) |"
echo "| new device, \`zkwiki login\` + first sync of $PAGES pages, blobs through Varnish (warm) | $V | the same, blobs from the server (batches) | $O | $(ratio "$V" "$O") |"
echo
echo "The first device through the cold cache took $fill_ms ms; Varnish counted $HITS hits in all."
echo "The first search, last run: ${SEARCH_LINE#first search: }."

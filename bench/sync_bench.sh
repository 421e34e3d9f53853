#!/usr/bin/env bash
# bench/sync_bench.sh — a new device's first sync and the CLI's common commands (prints Markdown).
#   bench/sync_bench.sh [CORPUS_DIR] [RUNS] [SMALL_PAGES]
#     (defaults: ../shared/corpus/tldr-en, else tests/fixtures/pages; 3 runs; 1000)
# On a real zkwiki-server (SQLite) on loopback: the corpus imported with `zkwiki import` into one
# account, its first SMALL_PAGES files into another; then for each account `zkwiki login` on a
# fresh ZKWIKI_HOME (login and the first sync of every page into the CLI's SQLite store), beside
# the same first sync into a store in memory (`zkwiki-bench sync`: the same Client, no disk), and
# the requests the server counted for it (its /metrics). On the synced device: `zkwiki cat`,
# `zkwiki ls` and `zkwiki search`, beside one Argon2id derivation (the floor of every command:
# each unlocks the account). BASELINE_BIN=DIR adds the same first sync with the binaries in DIR
# (an older build), for a before/after table.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${ZKWIKI_BIN_DIR:-$ROOT/build/bin}"
SHARED="${ZKWIKI_SHARED_DIR:-$ROOT/../shared}"
CORPUS="${1:-}"
RUNS="${2:-3}"
SMALL="${3:-1000}"
BASELINE_BIN="${BASELINE_BIN:-}"
if [ -z "$CORPUS" ]; then
  CORPUS="$SHARED/corpus/tldr-en"
  [ -d "$CORPUS" ] || CORPUS="$ROOT/tests/fixtures/pages"
fi
THREADS="${ZKWIKI_BENCH_THREADS:-$(nproc)}"
T="$(mktemp -d /tmp/zkwiki-sync.XXXXXX)"
ZK_PID=""
cleanup() {
  [ -n "$ZK_PID" ] && kill "$ZK_PID" 2>/dev/null && wait "$ZK_PID" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
# shellcheck source=lib/http.sh
. "$ROOT/bench/lib/http.sh"
median() { python3 -c 'import statistics, sys; print(f"{statistics.median(map(float, sys.argv[1:])):.1f}")' "$@"; }
ms_of() { local t0 t1; t0=$(date +%s%N); "$@" > /dev/null 2>"$T/last.err" || { cat "$T/last.err" >&2; return 1; }; t1=$(date +%s%N); echo "$(( (t1 - t0) / 100000 ))" | sed 's/\(.\)$/.\1/'; }
# Requests the server answered so far (every route, from its Prometheus counters).
requests() { curl -fs "http://127.0.0.1:$ZK_PORT/metrics" | awk '/^zkwiki_http_requests_total/ { n += $NF } END { print n + 0 }'; }

start_zkwiki_server srv
URL="http://127.0.0.1:$ZK_PORT"
printf 'sync bench passphrase\n' > "$T/pass"
export ZKWIKI_PASSPHRASE='sync bench passphrase'
# The first SMALL files of the corpus (in path order), same relative paths.
python3 - "$CORPUS" "$T/small" "$SMALL" <<'PY'
import os, shutil, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = sorted(os.path.relpath(os.path.join(d, f), src) for d, _, fs in os.walk(src) for f in fs if f.endswith(".md"))
for rel in files[:n]:
    os.makedirs(os.path.join(dst, os.path.dirname(rel)), exist_ok=True)
    shutil.copyfile(os.path.join(src, rel), os.path.join(dst, rel))
PY
seed() {  # NAME DIR [BIN_DIR] -> sets ACCOUNT_<NAME>, PAGES_<NAME>, IMPORT_MS_<NAME>; the device is $T/NAME-a
  local bin="${3:-$BIN}"
  export ZKWIKI_HOME="$T/$1-a"
  "$bin/zkwiki" init --server "$URL" > /dev/null
  printf -v "IMPORT_MS_$1" '%s' "$(ms_of "$bin/zkwiki" import "$2" --into c)"
  printf -v "ACCOUNT_$1" '%s' "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["account"])' "$ZKWIKI_HOME/config.json")"
  printf -v "PAGES_$1" '%s' "$("$BIN/zkwiki" ls | wc -l)"
}
seed big "$CORPUS"
seed small "$T/small"
[ -n "$BASELINE_BIN" ] && seed base "$CORPUS" "$BASELINE_BIN"

# login NAME ACCOUNT BIN_DIR -> ms; the requests it made go to $T/requests
login() {
  export ZKWIKI_HOME="$T/$1"
  local r0 ms
  r0=$(requests)
  ms=$(ms_of "$3/zkwiki" login --server "$URL" --account "$2")
  echo "$(( $(requests) - r0 - 1 ))" > "$T/requests"  # less the /metrics read itself
  echo "$ms"
}
memory_sync() {  # ACCOUNT -> ms of the first sync into a memory store (login excluded)
  "$BIN/zkwiki-bench" sync "$URL" "$1" "$T/pass" | sed -n 's/^first sync: \([0-9.]*\) ms.*/\1/p'
}
row() {  # LABEL NAME ACCOUNT PAGES
  local cli=() mem=() base=() i reqs base_reqs=""
  for i in $(seq "$RUNS"); do cli+=("$(login "$2-new-$i" "$3" "$BIN")"); done
  reqs=$(cat "$T/requests")
  for i in $(seq "$RUNS"); do mem+=("$(memory_sync "$3")"); done
  local C M
  C=$(median "${cli[@]}") M=$(median "${mem[@]}")
  echo "| $1: \`zkwiki login\` + first sync of $4 pages (SQLite store) | $C | $reqs | first sync into a memory store (\`zkwiki-bench sync\`) | $M | $(ratio "$C" "$M") |"
  if [ -n "$BASELINE_BIN" ]; then
    for i in $(seq "$RUNS"); do base+=("$(login "$2-base-$i" "$3" "$BASELINE_BIN")"); done
    base_reqs=$(cat "$T/requests")
    echo "$1|$4|$(median "${base[@]}")|$base_reqs|$C|$reqs" >> "$T/baseline"
  fi
}

echo "Corpus: $(basename "$CORPUS") ($PAGES_big pages) and its first $PAGES_small files; medians of $RUNS runs."
echo
echo "| new device | ms | requests | reference | ms | ratio |"
echo "|---|---|---|---|---|---|"
row "$(basename "$CORPUS")" big "$ACCOUNT_big" "$PAGES_big"
row "$PAGES_small-page account" small "$ACCOUNT_small" "$PAGES_small"

# The CLI's commands on a device that has synced the big account.
export ZKWIKI_HOME="$T/big-new-1"
PAGE=$("$BIN/zkwiki" ls | awk -F"\t" 'NR == 1 { print $1 }')
WORD=$("$BIN/zkwiki" cat "$PAGE" | tr -cs 'A-Za-z' '\n' | awk 'length($0) >= 5 { print tolower($0); exit }')
cat_ms=() ls_ms=() search_ms=()
for _ in $(seq "$RUNS"); do
  cat_ms+=("$(ms_of "$BIN/zkwiki" cat "$PAGE")")
  ls_ms+=("$(ms_of "$BIN/zkwiki" ls)")
  search_ms+=("$(ms_of "$BIN/zkwiki" search "$WORD")")
done
ARGON=""
[ -n "${BENCH_OUT:-}" ] && [ -f "$BENCH_OUT/crypto.raw" ] && ARGON=$(sed -n 's/^Argon2id (t=3, m=64 MiB, the default): \([0-9]*\) ms.*/\1/p' "$BENCH_OUT/crypto.raw")
[ -n "$ARGON" ] || ARGON=$("$BIN/zkwiki-bench" crypto --benchmark_filter=Argon2id 2>/dev/null | sed -n 's/^Argon2id (t=3, m=64 MiB, the default): \([0-9]*\) ms.*/\1/p')
echo
echo "| on a device synced with $PAGES_big pages | ms | reference | ms | ratio |"
echo "|---|---|---|---|---|"
for cmd in cat ls search; do
  declare -n arr="${cmd}_ms"
  M=$(median "${arr[@]}")
  what="\`zkwiki $cmd\`"; [ "$cmd" = cat ] && what="\`zkwiki cat PAGE\`"; [ "$cmd" = search ] && what="\`zkwiki search $WORD\`"
  echo "| $what (start, unlock, login, sync, answer) | $M | one Argon2id t=3 m=64 MiB (raw libsodium) | $ARGON | $(ratio "$M" "$ARGON") |"
done
if [ -f "$T/baseline" ]; then
  echo
  echo "Before and after (\`BASELINE_BIN=$BASELINE_BIN\`):"
  echo
  echo "| new device | before: ms | requests | after: ms | requests | speed-up |"
  echo "|---|---|---|---|---|---|"
  while IFS='|' read -r label pages b br a ar; do
    echo "| $label, $pages pages | $b | $br | $a | $ar | $(ratio "$b" "$a") |"
  done < "$T/baseline"
  echo "| \`zkwiki import\` of $PAGES_big pages (sealed, uploaded, indexed; one run) | $IMPORT_MS_base | | $IMPORT_MS_big | | $(ratio "$IMPORT_MS_base" "$IMPORT_MS_big") |"
fi

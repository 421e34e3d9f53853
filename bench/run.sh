#!/usr/bin/env bash
# bench/run.sh [AREA...]: runs the benchmark areas (bench/areas/NN-name.sh, see its README).
# Without arguments: every area, then docs/PERFORMANCE.md is rewritten from their fragments, with
# the machine's description, the date and the command. With area names: only those, printed to
# stdout, the document untouched. `./zkwiki.sh bench` builds first and calls this.
# BENCH_QUICK=1 makes every area short (a smoke run; its numbers are not worth recording).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
export BIN="${ZKWIKI_BIN_DIR:-$ROOT/build/bin}"
export SHARED="${ZKWIKI_SHARED_DIR:-$ROOT/../shared}"
export BENCH_OUT="$ROOT/build/bench"
export BENCH_QUICK="${BENCH_QUICK:-0}"
mkdir -p "$BENCH_OUT"

area_name() { local b; b=$(basename "$1" .sh); echo "${b#[0-9][0-9]-}"; }
mapfile -t ALL < <(ls "$ROOT"/bench/areas/[0-9][0-9]-*.sh | sort)
selected=()
if [ $# -eq 0 ]; then
  selected=("${ALL[@]}")
else
  for want in "$@"; do
    found=""
    for a in "${ALL[@]}"; do [ "$(area_name "$a")" = "$want" ] && found=$a; done
    [ -n "$found" ] || { echo "bench: no area '$want' (areas: $(for a in "${ALL[@]}"; do printf '%s ' "$(area_name "$a")"; done))" >&2; exit 2; }
    selected+=("$found")
  done
fi

machine() {
  local cpu cores mem kernel cxx sodium
  cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
  cores=$(nproc)
  mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
  kernel=$(uname -sr)
  cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$ROOT/build/release/CMakeCache.txt" 2>/dev/null)
  cxx="$("${cxx:-c++}" --version | head -1), $(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$ROOT/build/release/CMakeCache.txt" 2>/dev/null) build"
  sodium=$(pkg-config --modversion libsodium 2>/dev/null || echo unknown)
  echo "| | |"
  echo "|---|---|"
  echo "| CPU | $cpu ($cores cores available) |"
  echo "| memory | $mem |"
  echo "| kernel | $kernel |"
  echo "| compiler | $cxx |"
  echo "| libsodium | $sodium (Debian) |"
  echo "| references | $(nginx -v 2>&1 | sed 's|nginx version: ||'), $(varnishd -V 2>&1 | head -1 | sed 's/^varnishd (\([^ ]*\).*/\1/'), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), node $(node -v 2>/dev/null), $(cd "$ROOT" && node -p 'const l=require("./package-lock.json").packages; ["minisearch","flexsearch","libsodium-wrappers-sumo"].map(n=>n+" "+l["node_modules/"+n].version).join(", ")' 2>/dev/null) |"
}

start=$(date +%s)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
status=0
for a in "${selected[@]}"; do
  name=$(area_name "$a")
  printf '\033[1m==> bench %s\033[0m\n' "$name" >&2
  t0=$(date +%s)
  # A Markdown table needs a blank line before it: some areas print one right under a caption.
  if "$a" 2> "$BENCH_OUT/$name.log" | awk '/^\|/ && prev != "" && prev !~ /^\|/ { print "" } { print; prev = $0 }' \
       > "$BENCH_OUT/$name.md"; then  # pipefail: the area's status
    printf '    %s: %ss\n' "$name" "$(( $(date +%s) - t0 ))" >&2
  else
    rc=$?
    status=1
    printf '    %s FAILED (exit %s) after %ss; see %s\n' "$name" "$rc" "$(( $(date +%s) - t0 ))" "$BENCH_OUT/$name.log" >&2
    { echo; echo "**This area failed in this run (exit $rc)**; the last lines of its log:"; echo; echo '```';
      tail -15 "$BENCH_OUT/$name.log"; echo '```'; } >> "$BENCH_OUT/$name.md"
  fi
  echo "$(( $(date +%s) - t0 ))" > "$BENCH_OUT/$name.secs"
  [ $# -gt 0 ] && { cat "$BENCH_OUT/$name.md"; echo; }
done
[ $# -gt 0 ] && exit "$status"

total=$(( $(date +%s) - start ))
load1=$(cut -d' ' -f1-3 /proc/loadavg)
doc="$ROOT/docs/PERFORMANCE.md"
{
  echo "# Performance"
  echo
  echo "<!-- Written by ./zkwiki.sh bench (bench/run.sh) from bench/areas/*.sh: change those, not this file. -->"
  echo
  echo "Every table below comes from one run of"
  echo
  echo '```sh'
  echo "./zkwiki.sh bench"
  echo '```'
  echo
  echo "on $(date -u '+%Y-%m-%d %H:%M UTC') ($(( total / 60 )) min $(( total % 60 )) s for all areas$([ "$BENCH_QUICK" = 1 ] && echo '; BENCH_QUICK=1: short runs, not for the record')), at commit \`$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)\`$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' plus uncommitted changes'), on:"
  echo
  machine
  echo
  echo "Load average (1, 5, 15 min) at the start: $load0; at the end: $load1. On a shared machine the"
  echo "load generator, the servers and other work compete for the same cores: **read the ratios**,"
  echo "which compare things measured side by side in the same run; absolute numbers move from run to"
  echo "run. Timings never gate tests. One area alone: \`./zkwiki.sh bench AREA\` (prints, leaves this"
  echo "file as it is); areas: $(for a in "${ALL[@]}"; do printf '`%s`, ' "$(area_name "$a")"; done | sed 's/, $//')."
  echo
  echo "| area | seconds |"
  echo "|---|---|"
  for a in "${selected[@]}"; do name=$(area_name "$a"); echo "| $name | $(cat "$BENCH_OUT/$name.secs") |"; done
  for a in "${selected[@]}"; do
    echo
    cat "$BENCH_OUT/$(area_name "$a").md"
  done
} > "$doc.tmp" && mv "$doc.tmp" "$doc"
echo "wrote $doc ($(( total / 60 )) min $(( total % 60 )) s)" >&2
exit "$status"

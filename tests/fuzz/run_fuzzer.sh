#!/usr/bin/env bash
# run_fuzzer.sh BINARY SECONDS WORKDIR SEEDS: runs one libFuzzer binary for SECONDS, starting from
# the checked-in SEEDS; new inputs go to WORKDIR/corpus (kept between runs), a crashing input to
# WORKDIR/crash-*, the log to WORKDIR/log. Prints one line of stats. libFuzzer's own RNG is
# seeded (-seed=1) so a run is reproducible. Exit: 0 clean, 1 a crash or a failed property,
# 77 (ctest: skipped) when BINARY is not built (the clang "fuzz" preset; ./zkwiki.sh fuzz).
set -u
bin=$1 secs=$2 work=$3 seeds=$4
if [ ! -x "$bin" ]; then
  echo "skipped: $bin is not built (./zkwiki.sh fuzz builds it)"
  exit 77
fi
mkdir -p "$work/corpus"
rm -f "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
"$bin" -max_total_time="$secs" -seed=1 -timeout=20 -rss_limit_mb=3072 -print_final_stats=1 \
  -artifact_prefix="$work/" "$work/corpus" "$seeds" > "$work/log" 2>&1
rc=$?
execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$')
cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -1)
echo "$(basename "$bin"): ${execs:-0} execs in ${secs}s, $cov, corpus $(ls "$work/corpus" | wc -l) inputs"
if [ $rc -ne 0 ]; then
  echo "FAILED (exit $rc): $(ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null | tr '\n' ' ')"
  grep -E 'ERROR|fuzz property failed|SUMMARY|runtime error' "$work/log" | head -5
  exit 1
fi

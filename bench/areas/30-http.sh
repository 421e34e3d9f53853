#!/usr/bin/env bash
# Blob reads: zkwiki-server, nginx static and Varnish in one run; CAS writes.
set -euo pipefail
secs=3 rounds=3
[ "${BENCH_QUICK:-0}" = 1 ] && secs=1 rounds=1
echo "## Server and blob reads through a cache (issues 3 and 8)"
echo
echo '```sh'
echo "./zkwiki.sh bench http            # = bench/blob_reads.sh $secs $rounds"
echo '```'
echo
ZKWIKI_BIN_DIR="$BIN" "$ROOT/bench/blob_reads.sh" "$secs" "$rounds"
cat <<'TXT'

The same 2,000 random blobs (1,000 of 4 KiB, 1,000 of 64 KiB) uploaded through the API are
served by zkwiki-server (SQLite, its in-memory blob cache), by nginx 1.22 as plain files under
the same paths (`sendfile on`, `access_log off`: the reference), by Varnish 7.1 in front of
zkwiki-server with `server/deploy/varnish/zkwiki.vcl` (no caching rules: the server's headers
decide; the cache is filled first, so the runs measure hits). wrk shares the 2 cores with whatever it measures, so
each server competes with its load generator: absolute numbers are the machine's, ratios are
what to read. Hits and misses are `varnishstat` counters over the runs, the reads that reached
the server its own `/metrics`.

Where zkwiki-server's time goes (perf, 4 KiB): about a third in the kernel's scheduler and
socket wake-ups, then Beast's buffer sequences and allocation; nginx's `sendfile` saves the copy
zkwiki-server still makes into the socket at 64 KiB. A cache in front takes blob reads off the
server entirely; the server's own numbers matter for cache misses, heads and writes.
TXT

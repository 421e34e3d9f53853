#!/usr/bin/env bash
# Blob reads: zkwiki-server, nginx static, Varnish and nginx proxy_cache in one run; CAS writes.
set -euo pipefail
secs=2 rounds=7
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
the same paths (`sendfile on`, `tcp_nopush on`, `access_log off`: the reference), and by three
caches in front of zkwiki-server, each filled first so that the runs measure hits: Varnish 7.1
with `server/deploy/varnish/zkwiki.vcl`, nginx 1.22's `proxy_cache` with
`server/deploy/nginx/zkwiki-cache.conf`, and nginx 1.22 as a blob mirror with
`server/deploy/nginx/zkwiki-mirror.conf` (a file per blob id, fetched from the server on its first
read and served as a static file after), each as shipped (no caching rules in the first two: the
server's headers decide; no access log, like the static reference). The proxy_cache
configuration serves hits with `sendfile off`, `output_buffers 1 64k` and `open_file_cache`, the
mirror with the reference's `sendfile on` and `tcp_nopush on` plus `open_file_cache`; a sixth row
serves the files with the proxy_cache configuration's three lines: nginx static gains from them
too (`open_file_cache` most), and the caches are further from that row than from the reference.
wrk shares the 2 cores with whatever it measures, so each server competes with its load
generator: absolute numbers are the machine's, ratios are what to read. Hits and misses are
`varnishstat` counters and the `cache=` field of nginx's access log over the runs, the reads that
reached the server its own `/metrics` (nginx's hits and misses are not counted here: that needs its
access log, which costs it about a tenth of its 4 KiB rate; the cache tests count them).

On a machine busy with other work the req/s ratios favour Varnish: its ~200 worker threads get a
larger share of the cores than nginx's 2 workers. `bench/varnish_params.sh` also measures CPU time
per request, which that skews less: with other builds running (load 9-15 on 2 cores), Varnish
spent about 1.2-2x the CPU nginx static spends per blob (nginx / Varnish: medians 0.52-0.82 over
three runs of 3-5 rounds, 4 KiB and 64 KiB), while its req/s ratio read 0.93-1.71 in the same
runs; on a quiet machine (05:10 UTC) the req/s ratio was 0.86-0.87. None of the Varnish
parameters tried (server/deploy/README.md) moved either ratio by more than two runs of the same
parameters differ, so only `throughput.args` is used.

Where zkwiki-server's time goes (perf, 4 KiB): about a third in the kernel's scheduler and
socket wake-ups, then Beast's buffer sequences and allocation; nginx's `sendfile` saves the copy
zkwiki-server still makes into the socket at 64 KiB. A cache in front takes blob reads off the
server entirely; the server's own numbers matter for cache misses, heads and writes.
TXT

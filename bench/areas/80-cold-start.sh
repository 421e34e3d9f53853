#!/usr/bin/env bash
# From nothing: server start-up, the CLI's first answer, a new device's first sync (bench/cold_start.sh).
set -euo pipefail
runs=5
[ "${BENCH_QUICK:-0}" = 1 ] && runs=2
echo "## Cold start"
echo
echo '```sh'
echo "./zkwiki.sh bench cold-start      # = bench/cold_start.sh ../shared/corpus/tldr-en $runs"
echo '```'
echo
corpus="$SHARED/corpus/tldr-en"
[ -d "$corpus" ] || corpus="$ROOT/tests/fixtures/pages"
ZKWIKI_BIN_DIR="$BIN" "$ROOT/bench/cold_start.sh" "$corpus" "$runs"
cat <<'TXT'

No target was set. The CLI opens the account on every command: its floor is one Argon2id
derivation (by design: it is what protects the account record), plus process start, a login and
an empty sync. A new device's first sync reads every page's record and envelope once: records
1,000 per batch request from the server; through a cache each envelope is one GET (cacheable),
from the server they come 1,000 per batch request. The device's SQLite store commits once per
feed batch of 1,000 pages (the first-sync area has the requests and a store-in-memory reference).
TXT

#!/usr/bin/env bash
# A new device's first sync through the CLI, and the CLI's common commands (bench/sync_bench.sh).
set -euo pipefail
runs=3
[ "${BENCH_QUICK:-0}" = 1 ] && runs=1
echo "## First sync and the CLI's commands"
echo
echo '```sh'
echo "./zkwiki.sh bench first-sync      # = bench/sync_bench.sh ../shared/corpus/tldr-en $runs 1000"
echo '```'
echo
corpus="$SHARED/corpus/tldr-en"
[ -d "$corpus" ] || corpus="$ROOT/tests/fixtures/pages"
ZKWIKI_BIN_DIR="$BIN" "$ROOT/bench/sync_bench.sh" "$corpus" "$runs" 1000
cat <<'TXT'

Target (from the report that asked for it): a first sync of tldr-en in a few seconds on loopback,
near a client whose store is in memory. A sync reads the change feed 1,000 changes at a time; for
each batch it fetches the head records it lacks in one `POST .../revisions/batch` and their
envelopes in one `POST /v1/blobs/batch`, verifies each record and envelope as a single fetch would,
then applies the batch in one transaction of the device's SQLite store (one commit and fsync per
1,000 pages; a kill -9 leaves the store at the last batch, and the next sync resumes there).
`requests` counts every request the server answered for the login and first sync. Every command
unlocks the account with Argon2id first (by design), so one derivation is each command's floor.
Set BASELINE_BIN=DIR (an older build's bin/) to add a before/after table.
TXT

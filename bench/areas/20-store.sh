#!/usr/bin/env bash
# The local store: plain beside sealed, memory and SQLite (bench/store_bench.cc).
set -euo pipefail
echo "## Local store (issue 4)"
echo
echo '```sh'
echo './zkwiki.sh bench store           # = build/bin/zkwiki-bench store (SQLite files in a fresh /tmp dir)'
echo '```'
echo
"$BIN/zkwiki-bench" store 2>&2
cat <<'TXT'

Reference: the same store unsealed (memory, SQLite). `SealedLocalStore` adds per entry a keyed
BLAKE2b of the key, a random nonce and XChaCha20-Poly1305 over the padded key and value; a sealed
scan opens every entry of the table. A put outside a transaction is an fsync
(`synchronous=FULL`): thousands per second at best whatever the sealing, against hundreds of
thousands inside one, so bulk work (an import, a sync batch) belongs in one transaction.
TXT

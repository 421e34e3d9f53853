#!/usr/bin/env bash
# Import of the two corpora through a real server: sealed import beside plain blob uploads.
set -euo pipefail
echo "## Import (issue 4)"
echo
echo '```sh'
echo './zkwiki.sh bench import          # = bench/import_bench.sh (16 connections)'
echo '```'
echo
if [ ! -d "$SHARED/corpus/tldr-en" ] || [ ! -d "$SHARED/corpus/cppdocs-subset" ]; then
  echo "Not run: the corpora ($SHARED/corpus/tldr-en, cppdocs-subset) are not on this machine."
  exit 0
fi
echo 'Every file of the corpus through a real `zkwiki-server` (SQLite, `synchronous=FULL`) on'
echo 'loopback, in one run: first as plain blobs (the reference: the bytes as they are, one `PUT`'
echo 'each, 16 connections), then through `Client::import` (front matter parsed, padded, sealed,'
echo 'signed, sent in page batches over 16 connections, recorded in a sealed SQLite local store), then'
echo 'the CLI (`zkwiki import`) on tldr-en for its peak RSS:'
echo
ZKWIKI_BIN_DIR="$BIN" ZKWIKI_SHARED_DIR="$SHARED" "$ROOT/bench/import_bench.sh" 16
echo
echo 'Targets (issue 4): ≥ 2,000 pages/s for tldr-en; sealed / plain time ≤ 1.5×.'

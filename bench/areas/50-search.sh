#!/usr/bin/env bash
# The search index beside MiniSearch and FlexSearch (bench/search_compare.mjs, issue 5).
set -euo pipefail
echo "## Search (issue 5)"
echo
echo '```sh'
echo './zkwiki.sh bench search          # = node bench/search_compare.mjs (runs build/bin/zkwiki-bench search)'
echo '```'
echo
if [ ! -f "$SHARED/bench/queries-tldr.json" ]; then
  echo "Not run: the query sets ($SHARED/bench/queries-*.json) are not on this machine."
  exit 0
fi
echo 'zkwiki is native (the SDK core: one segment built from every page, sealed as its envelope;'
echo 'load = open the envelope + decode and validate the segment); MiniSearch and FlexSearch run in'
echo 'node in the same run over the same pages and titles. "Serialized" is zkwiki'"'"'s segment bytes'
echo '(sealed: the envelope), the others'"'"' JSON.'
cd "$ROOT"
node bench/search_compare.mjs
echo
echo '(results): the results each returned over the 200 queries (top 10 each). FlexSearch "strict"'
echo 'indexes whole words only: given a prefix it finds the pages holding the prefix as a word, so'
echo 'the prefix reference is "forward", the configuration that indexes every prefix (the issue'"'"'s'
echo 'anchors name it for prefix queries).'
echo
echo 'Targets (issue 5, native): build ≤ FlexSearch strict; sealed ≤ MiniSearch gzip; load ≤ FlexSearch;'
echo 'one-term and AND p50 ≤ the best FlexSearch configuration, prefix p50 ≤ FlexSearch forward.'

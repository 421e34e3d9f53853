#!/usr/bin/env bash
# Grant to first search, and MCP search latency (bench/agent_bench.sh, issue 7).
set -euo pipefail
one=20 two=10
[ "${BENCH_QUICK:-0}" = 1 ] && one=3 two=2
echo "## Agents (issue 7)"
echo
echo '```sh'
echo "./zkwiki.sh bench agent           # = bench/agent_bench.sh $one $two"
echo '```'
echo
if [ ! -d "$SHARED/corpus/tldr-en" ] || [ ! -f "$SHARED/bench/queries-tldr.json" ]; then
  echo "Not run: tldr-en and its queries ($SHARED) are not on this machine."
  exit 0
fi
echo 'A real `zkwiki-server` (SQLite) on loopback holding tldr-en (imported with `zkwiki import`), a'
echo 'read-only grant of that collection to an agent key, then `zkwiki-mcp` driven by the MCP'
echo 'TypeScript SDK client over stdio: the time from the start of `zkwiki-keyring grant` to the'
echo 'first `search` result, and the latency of `search` calls (each call also syncs first). The'
echo 'agent searches with the SDK'"'"'s sealed index (`Client::search`): on its first search it fetches'
echo 'the collection'"'"'s manifest and segments that `zkwiki import` uploaded, and indexes locally any'
echo 'synced page the index lacks; a read-only grant keeps what it indexes on the agent:'
echo
ZKWIKI_BIN_DIR="$BIN" ZKWIKI_SHARED_DIR="$SHARED" "$ROOT/bench/agent_bench.sh" "$one" "$two"
echo
echo 'No target was set. Most of the start-up is the agent'"'"'s first sync: every page'"'"'s record'
echo 'and envelope fetched, verified and opened once. For comparison, the interim linear scan this'
echo 'search replaced (it opened every page on every call), measured once with the same command'
echo 'at commit 99e9557 and then with the sealed index, back to back on a busy shared machine'
echo '(the first sync took 7.0 s and 7.3 s): first search 1,631 ms against 169 ms; one word p50'
echo '1,653 / p99 2,099 ms against 32 / 52 ms; two words p50 5,368 / p99 5,609 ms against 24 / 40 ms.'

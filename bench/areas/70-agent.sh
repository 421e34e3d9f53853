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
echo 'first `search` result, and the latency of `search` calls (each call also syncs first):'
echo
ZKWIKI_BIN_DIR="$BIN" ZKWIKI_SHARED_DIR="$SHARED" "$ROOT/bench/agent_bench.sh" "$one" "$two"
echo
echo 'No target was set. Most of the start-up is the agent'"'"'s first sync: every page'"'"'s record'
echo 'and envelope fetched, verified and opened once.'

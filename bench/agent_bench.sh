#!/usr/bin/env bash
# Agents on loopback: time from `zkwiki-keyring grant` to the agent's first successful search
# (the grant, then zkwiki-mcp starting, syncing and answering `search`), and the latency of MCP
# `search` calls on tldr-en (queries from ../shared/bench/queries-tldr.json), driven by the MCP
# TypeScript SDK client. Prints Markdown rows for docs/PERFORMANCE.md.
#   bench/agent_bench.sh [ONE_WORD_QUERIES [TWO_WORD_QUERIES]]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN=${ZKWIKI_BIN_DIR:-$ROOT/build/bin}
SHARED=${ZKWIKI_SHARED_DIR:-$ROOT/../shared}
WORK=$(mktemp -d)
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$WORK"' EXIT
"$BIN/zkwiki-server" --data "$WORK/data" --listen 127.0.0.1:0 > "$WORK/out" 2>/dev/null &
PID=$!
for _ in $(seq 100); do URL=$(grep -o 'http://[0-9.:]*' "$WORK/out" 2>/dev/null) && [ -n "$URL" ] && break; sleep 0.05; done
export ZKWIKI_HOME=$WORK/home ZKWIKI_PASSPHRASE='agent bench passphrase' ZKWIKI_AGENT_HOME=$WORK/agent
"$BIN/zkwiki" init --server "$URL" > /dev/null
"$BIN/zkwiki" import "$SHARED/corpus/tldr-en" --into tldr 2> /dev/null > /dev/null
PUB=$("$BIN/zkwiki-keyring" agent-keygen 2>/dev/null)
export GRANT_START_MS=$(date +%s%3N)
export ZKWIKI_GRANT=$("$BIN/zkwiki-keyring" grant --to "$PUB" --collections notes --read-only --ttl 1h 2>/dev/null)
export GRANT_DONE_MS=$(date +%s%3N)
export ZKWIKI_AGENT_KEY=$WORK/agent/agent.key MCP_BIN=$BIN/zkwiki-mcp QUERIES=$SHARED/bench/queries-tldr.json
export ONE=${1:-60} AND=${2:-20}
node "$ROOT/bench/mcp_bench.mjs"

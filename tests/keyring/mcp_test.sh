#!/usr/bin/env bash
# zkwiki-mcp driven by the official MCP TypeScript SDK client over stdio (tests/keyring/mcp_client_test.mjs).
ROOT=${1:?usage: mcp_test.sh REPO_ROOT}
if [ ! -d "$ROOT/node_modules/@modelcontextprotocol/sdk" ]; then
  echo "skipped: $ROOT/node_modules/@modelcontextprotocol/sdk is missing (run ./zkwiki.sh to npm ci)"; exit 0
fi
. "$(dirname "$0")/lib.sh"
setup_user
printf '# Ledger\n\nthe quokka ledger stays in notes\n' | zk put ledger.md >/dev/null 2>&1 || { echo "FAIL put"; exit 1; }
PUB=$(kr agent-keygen 2>/dev/null)
export MCP_BIN="$BIN/zkwiki-mcp" ZK_BIN="$BIN/zkwiki" KEYRING_BIN="$BIN/zkwiki-keyring" ZKWIKI_AGENT_KEY="$WORK/agent/agent.key" AGENT_PUB="$PUB"
export GRANT_RW=$(kr --json grant --to "$PUB" --collections memory --paths memory/ --ttl 10m --label mcp 2>/dev/null)
export GRANT_FULL=$(kr grant --to "$PUB" --collections memory --ttl 10m --label mcp-full 2>/dev/null)
export GRANT_RO=$(kr grant --to "$PUB" --collections memory --read-only --ttl 10m --label mcp-ro 2>/dev/null)
node --test "$(dirname "$0")/mcp_client_test.mjs" || { echo "FAIL node test"; exit 1; }

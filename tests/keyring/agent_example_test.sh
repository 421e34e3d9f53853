#!/usr/bin/env bash
# examples/agent: the native agent on a read-write grant, configured by the environment.
. "$(dirname "$0")/lib.sh"
setup_user
PUB=$(kr agent-keygen 2>/dev/null)
GRANT=$(kr grant --to "$PUB" --collections memory --paths agents/ --ttl 10m --label example 2>/dev/null)
check "the agent example" 0 env ZKWIKI_GRANT="$GRANT" ZKWIKI_AGENT_KEY="$WORK/agent/agent.key" "$BIN/zkwiki-agent"
printf '%s\n' "$OUT"
expect "it wrote, read back and found its page" "agent ok" "$OUT"
finish

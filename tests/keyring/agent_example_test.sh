#!/usr/bin/env bash
# examples/agent: the native agent, configured by the environment, writes, reads back and finds
# its page through the SDK's sealed search index (only its granted collection's). A grant with a
# path prefix keeps its index on the agent (and says so); a read-write grant of the whole
# collection uploads it (AgentClientTest.AnAgentsUploadedIndexServesAMembersNewDevice). A second
# run adds its note as an edit of the revision it read: the first note and the user's edit stay.
. "$(dirname "$0")/lib.sh"
setup_user
printf '# Ledger\n\nthe quokka ledger stays in notes\n' | zk put ledger.md >/dev/null 2>&1 || { echo "FAIL put"; exit 1; }
ACCOUNT=$(grep -o '[0-9a-f]\{32\}' "$ZKWIKI_HOME/config.json" | head -1)
PUB=$(kr agent-keygen 2>/dev/null)
GRANT=$(kr grant --to "$PUB" --collections memory --paths agents/ --ttl 10m --label example 2>/dev/null)
check "the agent example" 0 env ZKWIKI_GRANT="$GRANT" ZKWIKI_AGENT_KEY="$WORK/agent/agent.key" "$BIN/zkwiki-agent"
printf '%s\n' "$OUT"
expect "it wrote, read back and found its page" "agent ok" "$OUT"
expect "the hit has a snippet with the marker" "^  .*Marker: zkwmarker[0-9]+" "$OUT"
# Only the granted collection is searched: the user's page in notes is neither found nor counted.
expect "the index covers the agent's collection only" "^index: 1 of 1 pages indexed" "$OUT"
expect "a prefix-limited grant keeps its index local, and says so" \
  "search index: kept on this agent, not uploaded: the grant may write only below 'agents/'" "$OUT"

FULL=$(kr grant --to "$PUB" --collections memory --ttl 10m --label example-full 2>/dev/null)
check "the agent example, whole collection" 0 env ZKWIKI_GRANT="$FULL" ZKWIKI_AGENT_KEY="$WORK/agent/agent.key" "$BIN/zkwiki-agent" --note "a narwhal note"
printf '%s\n' "$OUT"
expect "it found its page" "agent ok" "$OUT"
expect "both agent pages are indexed" "^index: 2 of 2 pages indexed" "$OUT"
if printf '%s' "$OUT" | grep -q "kept on this agent"; then FAILS=$((FAILS + 1)); echo "FAIL a read-write grant kept its index local"
else PASSES=$((PASSES + 1)); fi

# A second run adds its note to the page it finds, as an edit of the revision it read: the first
# note and the user's own edit of the page stay (the agent used to replace the page).
check "the user reads the agent's page" 0 zk --json cat agents/agent-memory.md
REV=$(printf '%s' "$OUT" | grep -o '"revision":[0-9]*' | cut -d: -f2)
{ zk cat agents/agent-memory.md; printf '\nA line the user added.\n'; } > "$WORK/user-edit.md"
check "the user edits it" 0 zk put agents/agent-memory.md "$WORK/user-edit.md" --base "$REV"
check "the agent example again" 0 env ZKWIKI_GRANT="$GRANT" ZKWIKI_AGENT_KEY="$WORK/agent/agent.key" "$BIN/zkwiki-agent" --note "a second note"
printf '%s\n' "$OUT"
expect "it found its page again" "agent ok" "$OUT"
check "the page after the second run" 0 zk cat agents/agent-memory.md
expect "the first note stays" "The agent was here." "$OUT"
expect "the user's line stays" "A line the user added." "$OUT"
expect "the second note is added" "a second note" "$OUT"
[ "$(printf '%s' "$OUT" | grep -c '^Marker: zkwmarker')" = 2 ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL two markers: $OUT"; }
finish

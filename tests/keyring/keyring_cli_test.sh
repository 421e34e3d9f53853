#!/usr/bin/env bash
# zkwiki-keyring as a user drives it: agent keys, grants, list, revoke, rotation; the native
# agent example under each kind of grant.
. "$(dirname "$0")/lib.sh"
setup_user

check "usage without a command" 2 kr
check "unknown command" 2 kr frobnicate
check "passphrase as an argument is refused" 2 kr --passphrase x list
check "agent-keygen" 0 kr agent-keygen
expect "prints the agent public key" '^zkwagent_[a-z2-7]+$' "$OUT"
PUB=$OUT
[ "$(stat -c %a "$WORK/agent/agent.key")" = 600 ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL key mode"; }
check "agent-keygen never overwrites" 5 kr agent-keygen
expect "and says so" "exists" "$ERR"
check "collections" 0 kr collections
expect "lists memory and notes" "memory" "$OUT"

check "grant needs collections" 2 kr grant --to "$PUB"
check "a bad ttl" 2 kr grant --to "$PUB" --collections memory --ttl 10x
expect "one line: the bad value and the accepted form" "^zkwiki-keyring: --ttl 10x is not a duration: use .*45s, 30m, 8h, 2d, at most 365d$" "$ERR"
[ "$(printf '%s\n' "$ERR" | wc -l)" -eq 1 ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL a bad --ttl printed more than one line: $ERR"; }
check "a ttl over a year" 2 kr grant --to "$PUB" --collections memory --ttl 366d
expect "names the limit" "^zkwiki-keyring: --ttl 366d is longer than a grant may last: at most 365d \(a year\)$" "$ERR"
check "a year is fine" 0 kr grant --to "$PUB" --collections memory --ttl 365d --label year
check "an absolute --paths" 2 kr grant --to "$PUB" --collections memory --paths /abs/
expect "shows the accepted form" "^zkwiki-keyring: --paths: the path prefix '/abs/' starts with '/': a prefix is relative to the workspace root.*'abs/'" "$ERR"
check "a --paths with an empty segment" 2 kr grant --to "$PUB" --collections memory --paths 'a//b/'
check "a garbage --to is a usage error" 2 kr grant --to garbage --collections memory
expect "says what --to takes" "^zkwiki-keyring: --to: .*zkwagent_" "$ERR"
[ "$(printf '%s\n' "$ERR" | wc -l)" -eq 1 ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL a usage error printed more than one line: $ERR"; }
check "a recovery key is not an agent key" 2 kr grant --to "zkwrec_aaaaa-aaaaa-aaaaa-aaaaa-aaaaa-aaaaa-aaaaa-aaaaa-aaaaa-aaaaa-aoav5-z6u" --collections memory
# One character changed: the last, to a letter it is not (an "a" in its place would be no typo).
TYPO=${PUB%?}a; [ "$TYPO" = "$PUB" ] && TYPO=${PUB%?}b
check "a typo in the agent key" 2 kr grant --to "$TYPO" --collections memory
expect "its checksum fails" "^zkwiki-keyring: --to: " "$ERR"
check "an unknown collection" 3 kr grant --to "$PUB" --collections nowhere
check "grant to a file" 0 kr grant --to "$PUB" --collections memory --paths memory/ --ttl 1h --label scribe --out "$WORK/scribe.grant"
[ "$(stat -c %a "$WORK/scribe.grant")" = 600 ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL grant mode"; }
expect "the file holds a grant" '^zkwgrant_' "$(cat "$WORK/scribe.grant")"
check "grant never overwrites its file" 5 kr grant --to "$PUB" --collections memory --out "$WORK/scribe.grant"

check "the agent runs on its grant" 0 "$BIN/zkwiki-agent" --grant "$WORK/scribe.grant" --key "$WORK/agent/agent.key" --note "from the cli test"
expect "writes, reads back, finds" "agent ok" "$OUT"
check "the agent finds the key agent-keygen wrote (no --key)" 0 "$BIN/zkwiki-agent" --grant "$WORK/scribe.grant" --note "from the cli test"
expect "and runs on it" "agent ok" "$OUT"
check "without its key the grant is useless" 1 env -u ZKWIKI_AGENT_KEY ZKWIKI_AGENT_HOME="$WORK/nowhere" "$BIN/zkwiki-agent" --grant "$WORK/scribe.grant"
expect "and says why" "agent's key file" "$ERR"
check "another agent's key does not open it" 0 kr agent-keygen --out "$WORK/other.key"
check "refused" 1 "$BIN/zkwiki-agent" --grant "$WORK/scribe.grant" --key "$WORK/other.key"
expect "says it is another agent's" "another agent key" "$ERR"
check "the user sees the agent's page" 0 zk cat memory/agent-memory.md
expect "its text" "from the cli test" "$OUT"

check "a bearer grant" 0 kr grant --collections memory --label bearer --ttl 30m
expect "warns that it is weaker" "bearer grant" "$ERR"
BEARER=$OUT
check "the agent runs on a bearer grant" 0 env ZKWIKI_GRANT="$BEARER" "$BIN/zkwiki-agent"

check "list" 0 kr list
expect "shows the label, scope and last use" "scribe  memory read-write memory/\*  until .*last used 20" "$OUT"
check "list --json" 0 kr --json list
SCRIBE=$(printf '%s' "$OUT" | grep -o '"id":"[0-9a-f]*","label":"scribe"' | cut -d'"' -f4)
BEARER_ID=$(printf '%s' "$OUT" | grep -o '"id":"[0-9a-f]*","label":"bearer"' | cut -d'"' -f4)
check "revoke a bad id" 2 kr revoke nothex
check "revoke" 0 kr revoke "$SCRIBE"
check "the revoked agent fails at once" 1 "$BIN/zkwiki-agent" --grant "$WORK/scribe.grant" --key "$WORK/agent/agent.key"
expect "and says so" "revoked" "$ERR"
expect "and what to do" "grant 'scribe' \([0-9a-f]{32}\) no longer opens the workspace.*ask the member who granted it \(account [0-9a-f]{32}\) for a new grant" "$ERR"
[[ "$ERR" != *"log in again"* ]] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL an agent is told to log in again: $ERR"; }
check "revoke with rotation" 0 kr revoke "$BEARER_ID" --rotate
expect "says the keys moved" "new keys" "$ERR"
check "the revoked bearer grant fails" 1 env ZKWIKI_GRANT="$BEARER" "$BIN/zkwiki-agent"
check "the user still reads everything" 0 zk cat memory/agent-memory.md
check "list shows both revoked" 0 kr list
[ "$(printf '%s\n' "$OUT" | grep -c REVOKED)" = 2 ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL revoked count: $OUT"; }

check "a short grant" 0 kr grant --to "$PUB" --collections memory --ttl 2s --out "$WORK/short.grant"
sleep 3
check "expires" 1 "$BIN/zkwiki-agent" --grant "$WORK/short.grant" --key "$WORK/agent/agent.key"
expect "with a clear error" "expired" "$ERR"
finish

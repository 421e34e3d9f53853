#!/usr/bin/env bash
# The CLI without the server: a device that logged in before keeps working (reads from its
# copy, writes queued), the server is killed and restarted on the same data, `zkwiki sync`
# replays, and another device sees each edit once.
. "$(dirname "$0")/lib.sh"
start_server
export ZKWIKI_PASSPHRASE='cli offline passphrase'
HOME_A=$WORK/home-a HOME_B=$WORK/home-b
za() { ZKWIKI_HOME=$HOME_A "$BIN/zkwiki" "$@"; }
zb() { ZKWIKI_HOME=$HOME_B "$BIN/zkwiki" "$@"; }

check "init" 0 za --json init --server "$URL"
ACCOUNT=$(printf '%s' "$OUT" | sed 's/.*"account":"\([0-9a-f]*\)".*/\1/')
printf '# Plan\n\none\ntwo\nthree\n' > "$WORK/plan.md"
check "put online" 0 za put notes/plan.md "$WORK/plan.md"
check "second device logs in" 0 zb login --server "$URL" --account "$ACCOUNT"

stop_server
check "put with the server down" 0 sh -c "printf '# Offline\n\nwritten on a plane\n' | ZKWIKI_HOME='$HOME_A' '$BIN/zkwiki' put notes/offline.md -"
expect "the edit is queued" "notes/offline.md: queued on this device" "$OUT"
expect "one line says it is offline, with the queue" "^zkwiki: offline: $URL is unreachable; using this device's copy, 1 edit queued" "$ERR"
check "cat reads the queued edit back" 0 za cat notes/offline.md
expect "queued text" "written on a plane" "$OUT"
check "cat a synced page offline" 0 za cat notes/plan.md
expect "synced text" "^two$" "$OUT"
check "ls offline" 0 za ls notes/
expect "ls shows the queued page" "notes/offline.md"$'\t'"Offline"$'\t'"\(queued\)" "$OUT"
check "ls --json offline" 0 za --json ls
expect "json marks it" '"path":"notes/offline.md".*"queued":true' "$OUT"
check "log offline" 0 za log notes/plan.md
expect "log of a synced page" "^r1 " "$OUT"
check "log of a page only queued" 3 za log notes/offline.md
expect "says why" "offline queue" "$ERR"
check "diff offline" 0 za diff notes/plan.md
expect "diff of a synced page" "^\+two$" "$OUT"
check "search offline uses the local index" 0 za search three
expect "search finds the synced page" "^notes/plan.md" "$OUT"
printf '#!/bin/sh\nsed -i s/two/TWO/ "$1"\n' > "$WORK/editor.sh"; chmod +x "$WORK/editor.sh"
check "edit offline" 0 env EDITOR="$WORK/editor.sh" ZKWIKI_HOME="$HOME_A" "$BIN/zkwiki" edit notes/plan.md
expect "edit queued" "notes/plan.md: queued" "$OUT"
check "cat the edited page" 0 za cat notes/plan.md
expect "edited text" "^TWO$" "$OUT"
check "mv offline" 0 za mv notes/offline.md notes/plane.md
check "the old path is gone" 3 za cat notes/offline.md
check "rm offline" 0 za rm notes/plan.md
check "cat after rm offline" 3 za cat notes/plan.md
check "status offline" 0 za status
expect "status shows pending edits" "pending edits: 2" "$OUT"
expect "and that it is offline" "server: unreachable" "$OUT"
check "sync offline fails and keeps the queue" 6 za sync
expect "sync says so" "unreachable.*2 queued edits stay on this device" "$ERR"
check "a wrong passphrase offline" 4 env ZKWIKI_PASSPHRASE=wrong ZKWIKI_HOME="$HOME_A" "$BIN/zkwiki" ls
check "login with the server down" 6 za login --server "$URL" --account "$ACCOUNT"
expect "says login needs the server" "unreachable: login needs it" "$ERR"
check "init with the server down" 6 env ZKWIKI_HOME="$WORK/home-new" "$BIN/zkwiki" init --server "$URL"
mkdir -p "$WORK/home-c" && chmod 700 "$WORK/home-c" && cp "$HOME_A/config.json" "$WORK/home-c/"
check "a device that never logged in cannot start offline" 6 env ZKWIKI_HOME="$WORK/home-c" "$BIN/zkwiki" ls
expect "and says why" "cannot start offline" "$ERR"

restart_server
check "status with the server back" 0 za status
expect "still pending until sent" "pending edits: 2" "$OUT"
check "sync replays" 0 za sync
expect "two queued edits sent" "2 queued edits sent" "$OUT"
expect "nothing left" "pending edits: 0" "$OUT"
check "no offline line once online" 0 za cat notes/plane.md
expect "the text" "written on a plane" "$OUT"
[ -z "$ERR" ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL online stderr: $ERR"; }
check "the other device sees it" 0 zb cat notes/plane.md
expect "its text" "written on a plane" "$OUT"
check "the other device lists it once" 0 zb ls notes/
[ "$(printf '%s\n' "$OUT" | grep -c '^notes/plane.md')" = 1 ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL listed: $OUT"; }
check "the removed page is gone there too" 3 zb cat notes/plan.md
check "its history: one revision per queued edit" 0 zb log notes/plane.md
[ "$(printf '%s\n' "$OUT" | grep -c '^r')" = 1 ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL log: $OUT"; }
check "the deleted page's history" 0 zb log notes/plan.md
expect "r2 is the tombstone (the edit before it was coalesced into it)" "^r2 .*\(deleted\)" "$OUT"
finish

#!/usr/bin/env bash
# `zkwiki put --base REV`: two devices of one account; one reads a page (`cat --json` gives its
# revision), the other edits and writes, then the first writes its edit of what it read. Apart
# edits merge (no line lost), overlapping ones are refused (exit 5) with nothing written.
. "$(dirname "$0")/lib.sh"
start_server
export ZKWIKI_HOME=$WORK/home ZKWIKI_PASSPHRASE='cli base test passphrase'
zk2() { env ZKWIKI_HOME="$WORK/home2" "$BIN/zkwiki" "$@"; }
# 16 numbered lines, with `N=text` replacements.
lines() {
  for i in $(seq 16); do
    line="line $i"
    for e in "$@"; do [ "${e%%=*}" = "$i" ] && line="${e#*=}"; done
    printf '%s\n' "$line"
  done
}
revision_of() { printf '%s' "$1" | grep -o '"revision":[0-9]*' | cut -d: -f2; }
P=notes/loop.md

check "init" 0 zk init --server "$URL"
lines > "$WORK/v1"
check "put the page" 0 zk put $P "$WORK/v1"
check "login on a second device" 0 zk2 login --server "$URL" --account "$(grep -o '[0-9a-f]\{32\}' "$ZKWIKI_HOME/config.json")"

# (1) Apart edits merge.
check "device 1 reads it" 0 zk --json cat $P
BASE=$(revision_of "$OUT")
[ "$BASE" = 1 ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL cat --json gives revision 1: $OUT"; }
check "device 2 reads it" 0 zk2 --json cat $P
lines 2=b2 3=b3 4=b4 5=b5 6=b6 7=b7 8=b8 > "$WORK/b"
check "device 2 writes its edit" 0 zk2 put $P "$WORK/b" --base "$(revision_of "$OUT")"
expect "revision 2" "^notes/loop.md: revision 2$" "$OUT"
lines 13=a13 15=a15 > "$WORK/a"
check "device 1 writes its edit of revision 1" 0 zk put $P "$WORK/a" --base "$BASE"
expect "it says it merged" "revision 3 \(merged" "$OUT"
check "device 2 reads the head" 0 zk2 cat $P
lines 2=b2 3=b3 4=b4 5=b5 6=b6 7=b7 8=b8 13=a13 15=a15 > "$WORK/both"
[ "$OUT" = "$(cat "$WORK/both")" ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL both edits in the head:"; printf '%s\n' "$OUT"; }

# (2) Overlapping edits: refused, nothing written, device 2's text stays the head.
check "device 1 reads revision 3" 0 zk --json cat $P
BASE=$(revision_of "$OUT")
lines 2=b2 3=b3 4=b4 "5=five by b" 6=b6 7=b7 8=b8 13=a13 15=a15 > "$WORK/b5"
check "device 2 edits line 5" 0 zk2 put $P "$WORK/b5" --base 3
lines 2=b2 3=b3 4=b4 "5=five by a" 6=b6 7=b7 8=b8 13=a13 15=a15 > "$WORK/a5"
check "device 1's overlapping edit is refused" 5 zk put $P "$WORK/a5" --base "$BASE"
expect "naming the page, its base and the head" "notes/loop.md changed since revision 3.*head is now revision 4.*nothing was written" "$ERR"
check "device 2 reads the head" 0 zk2 cat $P
[ "$OUT" = "$(cat "$WORK/b5")" ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL the head is device 2's text:"; printf '%s\n' "$OUT"; }
check "log" 0 zk --json log $P
[ "$(printf '%s' "$OUT" | grep -o '"revision"' | wc -l)" = 4 ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL 4 revisions: $OUT"; }

# --base 0 writes a new page only; a bad or unknown base is refused.
check "--base 0 on an existing page" 5 zk put $P "$WORK/v1" --base 0
expect "says it exists" "a page already exists at notes/loop.md" "$ERR"
check "--base 0 creates a new page" 0 zk put notes/new.md "$WORK/v1" --base 0
check "--base that is not a number" 2 zk put $P "$WORK/v1" --base four
# An empty value (`--base "$(jq .revision a.json)"` when the substitution is empty) is a usage
# error, never "no base"; the parser refuses it for every option that takes a value.
check "--base with an empty value" 2 zk put $P "$WORK/v1" --base ""
expect "says it needs a value" "--base needs a value" "$ERR"
check "--limit with an empty value" 2 zk search line --limit ""
expect "says it needs a value" "--limit needs a value" "$ERR"
check "--rev with an empty value" 2 zk cat $P --rev ""
check "nothing was written" 0 zk --json log $P
[ "$(printf '%s' "$OUT" | grep -o '"revision"' | wc -l)" = 4 ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL still 4 revisions: $OUT"; }
check "--base this device has not seen" 3 zk put $P "$WORK/v1" --base 9
# Without --base, put replaces the head as the command synced it (docs/CLI.md, "put"); the
# replaced text stays in the history.
check "put without --base replaces" 0 zk put $P "$WORK/v1"
expect "revision 5" "^notes/loop.md: revision 5$" "$OUT"
check "the replaced revision stays readable" 0 zk cat $P --rev 4
[ "$OUT" = "$(cat "$WORK/b5")" ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL revision 4 kept"; }

# (3) --page: the page the text was read from. Device 2 moves it away and makes another page at
# its path, at the same revision number as the text device 1 read; device 1's edit is refused
# (exit 5), naming where its page went, and written there it merges.
page_of() { printf '%s' "$1" | grep -o '"page":"[0-9a-f]*"' | cut -d'"' -f4; }
Q=notes/moving.md
lines > "$WORK/q1"
check "device 1 puts a page" 0 zk put $Q "$WORK/q1"
check "device 1 reads it" 0 zk --json cat $Q
QBASE=$(revision_of "$OUT") QPAGE=$(page_of "$OUT")
expect "cat --json gives the page id" "^[0-9a-f]{32}$" "$QPAGE"
check "device 2 moves it away" 0 zk2 mv $Q notes/moved-away.md
printf 'another page\n' > "$WORK/other"
check "device 2 makes another page at its path" 0 zk2 put $Q "$WORK/other"
lines 9=a9 > "$WORK/q9"
check "device 1's edit of the page it read is refused there" 5 zk put $Q "$WORK/q9" --base "$QBASE" --page "$QPAGE"
expect "naming where the page went" "now at notes/moved-away.md.*nothing was written" "$ERR"
check "the other page is untouched" 0 zk cat $Q
[ "$OUT" = "another page" ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL the other page untouched: $OUT"; }
check "written where its page is, it merges" 0 zk put notes/moved-away.md "$WORK/q9" --base "$QBASE" --page "$QPAGE"
check "--page without --base" 2 zk put $Q "$WORK/q9" --page "$QPAGE"
expect "says it goes with --base" "--page goes with --base" "$ERR"
check "--page that is not an id" 2 zk put $Q "$WORK/q9" --base 1 --page nope
expect "says what an id is" "not a page id" "$ERR"
check "--page of zeros with a revision" 2 zk put $Q "$WORK/q9" --base 1 --page 00000000000000000000000000000000
expect "says zeros go with --base 0" "goes with --base 0 only" "$ERR"
# `edit` names the page it opened: moved away while the editor was open, with another page made
# at its path, the save is refused (exit 5) and the edited text is kept in a private file.
cat > "$WORK/editor.sh" <<EDITOR
#!/usr/bin/env bash
env ZKWIKI_HOME="$WORK/home2" "$BIN/zkwiki" mv notes/edited.md notes/edited-moved.md >/dev/null 2>&1
printf 'made meanwhile\\n' | env ZKWIKI_HOME="$WORK/home2" "$BIN/zkwiki" put notes/edited.md >/dev/null 2>&1
printf 'the edit\\n' >> "\$1"
EDITOR
chmod +x "$WORK/editor.sh"
printf 'opened\n' > "$WORK/e1"
check "device 1 puts a page to edit" 0 zk put notes/edited.md "$WORK/e1"
check "the page moves away while the editor is open" 5 env EDITOR="$WORK/editor.sh" "$BIN/zkwiki" edit notes/edited.md
expect "naming where it went" "moved to notes/edited-moved.md.*nothing was written" "$ERR"
KEPT=$(printf '%s' "$ERR" | grep -o "kept in [^ ]*unsaved-[A-Za-z0-9]*\.md" | cut -d' ' -f3)
[ -n "$KEPT" ] && [ "$(cat "$KEPT")" = "$(printf 'opened\nthe edit')" ] && PASSES=$((PASSES + 1)) ||
  { FAILS=$((FAILS + 1)); echo "FAIL the edited text is kept: $ERR"; }
[ -n "$KEPT" ] && [ "$(stat -c %a "$KEPT")" = 600 ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL kept file is private"; }
check "the page made meanwhile is untouched" 0 zk cat notes/edited.md
[ "$OUT" = "made meanwhile" ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL untouched: $OUT"; }
# Text the check refuses (not UTF-8) is kept too: the editor's file is gone by then.
cat > "$WORK/latin1.sh" <<'EDITOR'
#!/usr/bin/env bash
printf 'caf\351\n' >> "$1"
EDITOR
chmod +x "$WORK/latin1.sh"
check "an edit saved as Latin-1 is refused" 2 env EDITOR="$WORK/latin1.sh" "$BIN/zkwiki" edit notes/edited.md
KEPT=$(printf '%s' "$ERR" | grep -o "kept in [^ ]*unsaved-[A-Za-z0-9]*\.md" | cut -d' ' -f3)
[ -n "$KEPT" ] && grep -q "^made meanwhile" "$KEPT" && [ "$(tail -c 5 "$KEPT" | od -An -tx1 | tr -d ' \n')" = "636166e90a" ] &&
  PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL the Latin-1 text is kept byte for byte: $ERR"; }
# A path no page may have is refused before the editor opens (not after the user typed).
printf '#!/bin/sh\ntouch "%s"\n' "$WORK/editor-ran" > "$WORK/marker.sh"
chmod +x "$WORK/marker.sh"
check "edit of a path with a tab" 2 env EDITOR="$WORK/marker.sh" "$BIN/zkwiki" edit "$(printf 'notes/\t.md')"
[ ! -e "$WORK/editor-ran" ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL the editor opened for a bad path"; }
finish

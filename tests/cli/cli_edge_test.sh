#!/usr/bin/env bash
# The zkwiki CLI given what a careless user or script gives it: unusable paths, a directory
# where a file goes, an export onto files that exist, an import that died after the server took
# its pages, two devices creating one page. Nothing may be lost, hidden or written by surprise.
. "$(dirname "$0")/lib.sh"
start_server
export ZKWIKI_HOME=$WORK/home ZKWIKI_PASSPHRASE='cli edge passphrase'
FIXTURES=$(cd "$(dirname "$0")/../fixtures/pages" && pwd)

check "--help" 0 zk --help
expect "prints the usage on stdout" "^usage: zkwiki" "$OUT"
check "-h" 0 zk -h
check "init" 0 zk init --server "$URL"
ACCOUNT=$(grep -o '[0-9a-f]\{32\}' "$ZKWIKI_HOME/config.json")

for bad in "" "/abs.md" "../up.md" "a/../../b.md" "./dot.md" "a//b.md" "dir/" "tab	name.md" "new
line.md" "$(printf 'x%.0s' $(seq 5000))"; do
  check "put at an unusable path (${bad:0:20})" 2 sh -c "echo text | '$BIN/zkwiki' put '$bad'"
  expect "says why" "not a page path" "$ERR"
done
check "nothing was written" 0 zk ls
[ -z "$OUT" ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL pages at unusable paths: $OUT"; }
check "a unicode path is fine" 0 sh -c "echo text | '$BIN/zkwiki' put 'ünïcødé/日本語 notes.md'"

check "put" 0 sh -c "printf 'keep me\n' | '$BIN/zkwiki' put kept.md"
mkdir -p "$WORK/adir"
check "put from a directory is refused" 6 zk put kept.md "$WORK/adir"
expect "says it is a directory" "directory" "$ERR"
check "the page is untouched" 0 zk cat kept.md
[ "$OUT" = "keep me" ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL page changed: $OUT"; }

# An editor that fails or is killed: said in words (an exit code, a signal), never a raw wait
# status, and nothing saved.
printf '#!/bin/sh\necho changed > "$1"\nexit 3\n' > "$WORK/fail-editor.sh"
printf '#!/bin/sh\necho changed > "$1"\nkill -TERM $$\n' > "$WORK/killed-editor.sh"
chmod +x "$WORK/fail-editor.sh" "$WORK/killed-editor.sh"
check "an editor that exits 3" 6 env EDITOR="$WORK/fail-editor.sh" "$BIN/zkwiki" edit kept.md
expect "says its exit code" "the editor \(.*fail-editor.sh\) exited with code 3; nothing saved$" "$ERR"
check "an editor ended by a signal" 6 env EDITOR="$WORK/killed-editor.sh" "$BIN/zkwiki" edit kept.md
expect "names the signal" "the editor \(.*killed-editor.sh\) exited with code 143 \(as a shell reports signal 15 \(Terminated\)\); nothing saved$" "$ERR"
check "an editor that is not there" 6 env EDITOR="$WORK/no-such-editor" "$BIN/zkwiki" edit kept.md
expect "says so" "exited with code 127 \(not found: is \\\$EDITOR a command\?\)" "$ERR"
check "the page is still untouched" 0 zk cat kept.md
[ "$OUT" = "keep me" ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL page changed by a failed edit: $OUT"; }

check "export to an empty DIR is refused" 2 zk export ""
mkdir -p "$WORK/out/ünïcødé"
echo mine > "$WORK/out/kept.md"
check "export onto an existing file is refused" 5 zk export "$WORK/out"
[ "$(cat "$WORK/out/kept.md")" = mine ] && [ ! -e "$WORK/out/ünïcødé/日本語 notes.md" ] && PASSES=$((PASSES + 1)) ||
  { FAILS=$((FAILS + 1)); echo "FAIL a refused export wrote files"; }
check "export --force" 0 zk export "$WORK/out" --force
[ "$(cat "$WORK/out/kept.md")" = "keep me" ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL --force"; }

# An import that dies after the server took its pages but before this device recorded them
# (kill -9 at the wrong moment): the device's store is put back as it was before the import.
cp -a "$ZKWIKI_HOME" "$WORK/home-before"
check "import" 0 zk import "$FIXTURES" --into fx
rm -rf "$ZKWIKI_HOME" && cp -a "$WORK/home-before" "$ZKWIKI_HOME"
check "the import again" 0 zk import "$FIXTURES" --into fx
check "a second device" 0 env ZKWIKI_HOME="$WORK/home2" "$BIN/zkwiki" login --server "$URL" --account "$ACCOUNT"
check "lists the pages" 0 env ZKWIKI_HOME="$WORK/home2" "$BIN/zkwiki" --json ls fx/
N=$(find "$FIXTURES" -type f | wc -l)
GOT=$(printf '%s' "$OUT" | grep -o '"path":' | wc -l)
[ "$GOT" -eq "$N" ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL $GOT pages listed for $N files"; }
check "status on the second device" 0 env ZKWIKI_HOME="$WORK/home2" "$BIN/zkwiki" --json sync
expect "every page is on the server once" "\"changes\":0" "$OUT"

# Two devices create one page, each before seeing the other's: both texts stay visible, on both.
check "device 1 creates today.md" 0 sh -c "printf 'from one\n' | '$BIN/zkwiki' --offline put today.md"
check "device 2 creates today.md" 0 sh -c "printf 'from two\n' | ZKWIKI_HOME='$WORK/home2' '$BIN/zkwiki' --offline put today.md"
check "device 1 lists" 0 zk ls today
L1=$OUT
check "device 2 lists" 0 env ZKWIKI_HOME="$WORK/home2" "$BIN/zkwiki" ls today
[ "$L1" = "$OUT" ] && [ "$(printf '%s\n' "$L1" | wc -l)" -eq 2 ] && PASSES=$((PASSES + 1)) ||
  { FAILS=$((FAILS + 1)); echo "FAIL the devices disagree: [$L1] [$OUT]"; }
check "cat today.md" 0 zk cat today.md
T1=$OUT
check "cat today.md on device 2" 0 env ZKWIKI_HOME="$WORK/home2" "$BIN/zkwiki" cat today.md
[ "$T1" = "$OUT" ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL different texts at one path"; }
OTHER=$(printf '%s\n' "$L1" | cut -f1 | grep '~')
check "cat the other copy" 0 zk cat "$OTHER"
[ "$(printf '%s\n%s\n' "$T1" "$OUT" | sort | tr '\n' ' ')" = "from one from two " ] && PASSES=$((PASSES + 1)) ||
  { FAILS=$((FAILS + 1)); echo "FAIL a text is missing: [$T1] [$OUT]"; }

# A server with a small --max-body: the import sends smaller batches instead of failing.
"$BIN/zkwiki-server" --memory --max-body 262144 --listen 127.0.0.1:0 >"$WORK/small.out" 2>"$WORK/small.err" &
SMALL_PID=$!
for _ in $(seq 100); do SMALL_URL=$(grep -o 'http://[0-9.:]*' "$WORK/small.out" 2>/dev/null) && [ -n "$SMALL_URL" ] && break; sleep 0.05; done
mkdir -p "$WORK/many"
for i in $(seq 40); do
  awk -v i="$i" 'BEGIN { for (n = 0; n < 200; n++) { for (k = 0; k < 8; k++) printf "page %d line ", i; printf "\n" } }' > "$WORK/many/p$i.md"
done
check "init on the small server" 0 env ZKWIKI_HOME="$WORK/small-home" "$BIN/zkwiki" init --server "$SMALL_URL"
check "import 800 kB into a server that takes 256 KiB per request" 0 env ZKWIKI_HOME="$WORK/small-home" "$BIN/zkwiki" import "$WORK/many"
check "export it" 0 env ZKWIKI_HOME="$WORK/small-home" "$BIN/zkwiki" export "$WORK/many-out"
diff -r "$WORK/many" "$WORK/many-out" >/dev/null && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL round trip through the small server"; }
# One page larger than that server's --max-body: refused with the limit named, nothing queued.
head -c 400000 /dev/zero | tr '\0' 'x' > "$WORK/big.md"
check "a page over the server's --max-body" 1 env ZKWIKI_HOME="$WORK/small-home" "$BIN/zkwiki" put big.md "$WORK/big.md"
expect "says the server's limit" "more than the server accepts in one request.*262144 bytes.*--max-body" "$ERR"
check "status after the refused page" 0 env ZKWIKI_HOME="$WORK/small-home" "$BIN/zkwiki" status
expect "nothing queued for a page that can never be sent" "pending edits: 0" "$OUT"
kill "$SMALL_PID"; wait "$SMALL_PID" 2>/dev/null

# The default --max-body takes the largest page a client seals (64 MiB of content).
check "a 20 MB page through the default server" 0 sh -c "head -c 20000000 /dev/zero | tr '\\0' 'y' | '$BIN/zkwiki' put huge.md -"
expect "written" "huge.md: revision 1" "$OUT"

# Pages are text: put and edit refuse what import skips (not UTF-8, or a NUL byte).
mkdir -p "$WORK/mixed"
printf 'text\0with a NUL\n' > "$WORK/mixed/nul.md"
printf 'caf\xe9 in Latin-1\n' > "$WORK/mixed/latin1.txt"
printf '# Fine\n\nutf-8 caf\xc3\xa9\n' > "$WORK/mixed/good.md"
check "put a file with a NUL byte" 2 zk put nul.md "$WORK/mixed/nul.md"
expect "says why" "is not UTF-8 text \(or holds a NUL byte\): pages are text; nothing written" "$ERR"
check "put Latin-1 from standard input" 2 sh -c "'$BIN/zkwiki' put latin1.txt - < '$WORK/mixed/latin1.txt'"
expect "says why" "standard input is not UTF-8 text" "$ERR"
check "cat: nothing was written" 3 zk cat nul.md
check "import skips the same files" 0 zk import "$WORK/mixed" --into mixed
expect "names them" "skipped latin1.txt \(not UTF-8 text\).*skipped nul.md \(not UTF-8 text\)" "$(printf '%s' "$ERR" | tr '\n' ' ')"
check "only the text file became a page" 0 zk ls mixed/
[ "$OUT" = "mixed/good.md	Fine" ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL import of mixed files: $OUT"; }

# Names someone else chose reach the terminal escaped: a file name or a title with an escape
# sequence in it is printed with \xNN for each control byte, never the byte itself.
mkdir -p "$WORK/evil"
printf 'fine text\n' > "$WORK/evil/$(printf 'title\033]0;owned\007.md')"
printf 'caf\xe9\n' > "$WORK/evil/$(printf 'red\033[31m.txt')"
check "import files with escape sequences in their names" 0 zk import "$WORK/evil" --into evil
expect "the OSC sequence is shown escaped" 'skipped title\\x1b\]0;owned\\x07\.md \(not a page path' "$ERR"
expect "the CSI sequence is shown escaped" 'skipped red\\x1b\[31m\.txt \(not UTF-8 text\)' "$ERR"
if printf '%s' "$ERR" | grep -q "$(printf '\033')"; then FAILS=$((FAILS + 1)); echo "FAIL a raw escape byte reached stderr"
else PASSES=$((PASSES + 1)); fi
check "a page whose title holds an escape sequence" 0 sh -c "printf '# Red \\033[31mtitle\\n' | '$BIN/zkwiki' put red.md"
check "ls shows it escaped" 0 zk ls red.md
[ "$OUT" = 'red.md	Red \x1b[31mtitle' ] && PASSES=$((PASSES + 1)) || { FAILS=$((FAILS + 1)); echo "FAIL ls printed: $(printf '%s' "$OUT" | od -c | head -3)"; }
finish

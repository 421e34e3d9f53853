# kill -9 of the CLI in the middle of an import and of a sync (issue 9): the device store
# reopens, the queue replays, and after the user's plain retry every page is there exactly once.
. "$(dirname "$0")/lib.sh"
start_server
export ZKWIKI_HOME=$WORK/home ZKWIKI_PASSPHRASE='crash test passphrase'
check "init" 0 zk init --server "$URL"
ACCOUNT=$(zk whoami --json | grep -o '"account":"[0-9a-f]*"' | cut -d'"' -f4)

N=400
mkdir -p "$WORK/pages"
for i in $(seq 1 $N); do
  printf '# Page %d\n\nbody of page %d, %s\n' "$i" "$i" "$(head -c 600 /dev/zero | tr '\0' x)" > "$WORK/pages/p$i.md"
done

# pages_once WHO: `ls` shows every page exactly once (no lost page, no duplicate, no PATH~id alias).
pages_once() {
  check "$1: ls" 0 zk ls
  local listed aliases
  listed=$(printf '%s\n' "$OUT" | cut -f1 | grep -c '^import/p[0-9]*\.md$')
  aliases=$(printf '%s\n' "$OUT" | cut -f1 | grep -c '~' || true)
  [ "$listed" -eq "$N" ] && [ "$aliases" -eq 0 ] && PASSES=$((PASSES + 1)) || {
    FAILS=$((FAILS + 1)); echo "FAIL $1: $listed of $N pages listed, $aliases aliases"; }
}

# Three imports killed at different moments, each followed by the retry a user would make.
for delay in 0.2 0.6 1.2; do
  "$BIN/zkwiki" import "$WORK/pages" --into import > /dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  check "status after kill -9 at ${delay}s (the store reopens)" 0 zk status
  check "sync replays the queue" 0 zk sync
  check "the retried import" 0 zk import "$WORK/pages" --into import
done
pages_once "after killed imports"
check "a page reads back" 0 zk cat import/p17.md
expect "its text" "body of page 17," "$OUT"

# A second device whose first sync is killed, twice; then a plain sync.
export ZKWIKI_HOME=$WORK/device2
check "login on a second device" 0 zk login --server "$URL" --account "$ACCOUNT"
printf 'edited on device 2\n' > "$WORK/edit.md"
check "an edit on device 2" 0 zk put import/p1.md "$WORK/edit.md"
export ZKWIKI_HOME=$WORK/home
check "device 1 edits too" 0 zk put import/p2.md "$WORK/edit.md"
export ZKWIKI_HOME=$WORK/device3
check "login on a third device" 0 zk login --server "$URL" --account "$ACCOUNT"
for delay in 0.05 0.3; do
  "$BIN/zkwiki" sync > /dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  check "status after a sync killed at ${delay}s" 0 zk status
done
check "sync after the kills" 0 zk sync
pages_once "device 3"
check "device 2's edit arrived" 0 zk cat import/p1.md
expect "its text" "edited on device 2" "$OUT"

# A new device's first sync killed: more pages than one change-feed batch (1,000), each batch
# applied in one local transaction. Whatever moment the kill hits (Argon2id, the feed, a batch's
# commit), the store reopens and a plain retry of the login resumes from the last batch it
# committed; every page is then there once.
M=700
mkdir -p "$WORK/more"
for i in $(seq 1 $M); do printf '# More %d\n\nmore text %d\n' "$i" "$i" > "$WORK/more/m$i.md"; done
export ZKWIKI_HOME=$WORK/home
check "import $M more pages (two feed batches in all)" 0 zk import "$WORK/more" --into more
for delay in 0.4 0.8 1.0; do
  export ZKWIKI_HOME=$WORK/new-$delay
  "$BIN/zkwiki" login --server "$URL" --account "$ACCOUNT" > /dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  # (For the log: where the killed sync had got to, when it had saved its config.)
  [ -f "$ZKWIKI_HOME/config.json" ] && echo "killed at ${delay}s: $(zk status --json 2>/dev/null | grep -o '"last_seq":[0-9]*')"
  check "login again after its first sync was killed at ${delay}s (the store reopens, the sync resumes)" 0 \
    zk login --server "$URL" --account "$ACCOUNT"
  pages_once "new device killed at ${delay}s"
  check "new device killed at ${delay}s: ls" 0 zk ls
  more=$(printf '%s\n' "$OUT" | cut -f1 | grep -c '^more/m[0-9]*\.md$')
  expect "new device killed at ${delay}s: every one of the $M more pages" "$M" "$more"
  check "new device killed at ${delay}s: a page of the second batch reads back" 0 zk cat more/m700.md
  expect "its text" "more text 700" "$OUT"
done
finish

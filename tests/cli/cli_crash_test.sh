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
finish

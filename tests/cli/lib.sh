# Shared helpers for the CLI test scripts: a fresh server and ZKWIKI_HOME per script.
set -u
BIN=${ZKWIKI_BIN:?ZKWIKI_BIN must point at build/bin}
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
FAILS=0
PASSES=0

start_server() {
  "$BIN/zkwiki-server" --data "$WORK/server" --listen 127.0.0.1:0 >"$WORK/server.out" 2>"$WORK/server.err" &
  SERVER_PID=$!
  for _ in $(seq 100); do
    URL=$(grep -o 'http://[0-9.:]*' "$WORK/server.out" 2>/dev/null) && [ -n "$URL" ] && return 0
    sleep 0.05
  done
  echo "server did not start"; cat "$WORK/server.err"; exit 1
}

zk() { "$BIN/zkwiki" "$@"; }

# check NAME EXPECTED_EXIT COMMAND...: runs COMMAND, keeps stdout in $OUT and stderr in $ERR.
check() {
  local name=$1 want=$2; shift 2
  OUT=$("$@" 2>"$WORK/stderr"); local got=$?
  ERR=$(cat "$WORK/stderr")
  if [ "$got" -eq "$want" ]; then PASSES=$((PASSES + 1)); else
    FAILS=$((FAILS + 1)); echo "FAIL $name: exit $got, wanted $want"; echo "  stdout: $OUT"; echo "  stderr: $ERR"
  fi
}

# expect NAME PATTERN TEXT: TEXT must contain PATTERN (grep -E).
expect() {
  if printf '%s' "$3" | grep -Eq -- "$2"; then PASSES=$((PASSES + 1)); else
    FAILS=$((FAILS + 1)); echo "FAIL $1: output does not match /$2/:"; printf '%s\n' "$3" | head -20
  fi
}

finish() {
  echo "$PASSES passed, $FAILS failed"
  [ "$FAILS" -eq 0 ]
}

# stop_server: SIGKILL, as when the machine loses the server. restart_server: the same data
# directory and the same address again.
stop_server() {
  [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=
}
restart_server() {
  : >"$WORK/server.out"
  "$BIN/zkwiki-server" --data "$WORK/server" --listen "${URL#http://}" >"$WORK/server.out" 2>>"$WORK/server.err" &
  SERVER_PID=$!
  for _ in $(seq 100); do
    grep -q 'listening on' "$WORK/server.out" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "server did not restart"; cat "$WORK/server.err"; exit 1
}

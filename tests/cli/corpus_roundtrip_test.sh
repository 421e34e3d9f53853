#!/usr/bin/env bash
# Import a real corpus through a real server and export it again: byte-identical, file for file.
. "$(dirname "$0")/lib.sh"
CORPUS=${1:?corpus dir}
if [ ! -d "$CORPUS" ]; then
  echo "skipped: $CORPUS is not present (../shared sits beside the repository on the team's machines)"
  exit 0
fi
start_server
export ZKWIKI_HOME=$WORK/home ZKWIKI_PASSPHRASE='corpus round trip passphrase'
check "init" 0 zk init --server "$URL"
check "import" 0 zk import "$CORPUS" --into corpus
check "export" 0 zk export "$WORK/out"
if diff -r "$CORPUS" "$WORK/out/corpus" >/dev/null; then PASSES=$((PASSES + 1)); else
  FAILS=$((FAILS + 1)); echo "FAIL export differs from the corpus"; diff -rq "$CORPUS" "$WORK/out/corpus" | head
fi
finish

# Shared setup for the agent scripts: a server, a user with a "memory" collection, an agent key.
. "$(dirname "$0")/../cli/lib.sh"
kr() { "$BIN/zkwiki-keyring" "$@"; }
setup_user() {
  start_server
  export ZKWIKI_HOME=$WORK/home ZKWIKI_PASSPHRASE='keyring test passphrase' ZKWIKI_AGENT_HOME=$WORK/agent
  zk init --server "$URL" >/dev/null 2>&1 || { echo "FAIL init"; exit 1; }
  kr collection-add memory >/dev/null 2>&1 || { echo "FAIL collection-add"; exit 1; }
}

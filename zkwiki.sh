#!/usr/bin/env bash
# zkwiki.sh — the one entry point: installs what is missing, builds, tests, runs the demo.
#   ./zkwiki.sh demo [DIR] [--no-serve]   the main job on real input
#   ./zkwiki.sh test [--asan]             build and run every test (ctest summary at the end)
#   ./zkwiki.sh fuzz [SECONDS]            every libFuzzer target for SECONDS (default 60) each
#   ./zkwiki.sh build [--asan|--debug]    configure and build only
#   ./zkwiki.sh build-wasm                the WebAssembly module (build/wasm/dist)
#   ./zkwiki.sh build-spa                 the web app with the module (build/spa)
#   ./zkwiki.sh bench [AREA...]           every benchmark, rewriting docs/PERFORMANCE.md (or the
#                                         areas named: crypto store http import search wasm webapp
#                                         agent cold-start first-sync; printed only)
#   ./zkwiki.sh deps                      install the Debian packages the project needs
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

# Every Debian package the project needs, in one place.
DEBIAN_PACKAGES=(
  build-essential cmake ninja-build pkg-config git ccache
  libsodium-dev libutf8proc-dev
  libboost-dev libsqlite3-dev nlohmann-json3-dev
  googletest libgtest-dev libbenchmark-dev
  libyaml-dev libdtl-dev libmd4c-dev libmd4c-html0-dev
  emscripten dpkg-dev                 # the WASM build (libsodium & co. built from Debian sources)
  chromium                            # browser tests (driven by playwright-core from npm)
  clang libclang-rt-14-dev            # libFuzzer targets
  varnish nginx-light wrk             # the cache tests and the reference servers of the benchmarks
  gzip grep findutils
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'zkwiki.sh: %s\n' "$*" >&2; exit 1; }

missing_packages() {
  local p
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

install_deps() {
  local missing
  missing=$(missing_packages | tr '\n' ' ')
  [ -z "${missing// /}" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    die "missing Debian packages: $missing
run as root, or: sudo apt-get install -y $missing"
  fi
  log "installing: $missing"
  apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# The npm dev and test tools (package.json, locked in package-lock.json) under node_modules/.
install_npm() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    [ "$(id -u)" -eq 0 ] || die "node and npm are missing: sudo apt-get install -y nodejs npm"
    log "installing: nodejs npm"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  if ! [ node_modules/.zkwiki-stamp -nt package-lock.json ]; then
    log "npm ci (the versions in package-lock.json)"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
    touch node_modules/.zkwiki-stamp
  fi
}

# build PRESET [TARGET...]: configure and build (everything, or only the targets named).
build() {
  local preset="$1"; shift
  install_deps
  log "configure ($preset)"
  cmake --preset "$preset" >/dev/null
  log "build ($preset)"
  if [ $# -gt 0 ]; then cmake --build --preset "$preset" -j "$(nproc)" --target "$@"
  else cmake --build --preset "$preset" -j "$(nproc)"; fi
}

preset_from_args() {
  local preset=release a
  for a in "$@"; do
    case "$a" in
      --asan) preset=asan ;;
      --debug) preset=debug ;;
      *) die "unknown option: $a" ;;
    esac
  done
  echo "$preset"
}

# The WebAssembly module: the C libraries' Debian sources fetched once into a cache
# (build/wasm-deps, or $ZKWIKI_WASM_DEPS), then the "wasm" preset under Emscripten.
build_wasm() {
  install_deps
  install_npm   # esbuild minifies the module's JS
  local deps="${ZKWIKI_WASM_DEPS:-$ROOT/build/wasm-deps}"
  "$ROOT/wasm/fetch_deps.sh" "$deps"
  export NODE_PATH=/usr/share/nodejs   # emscripten's JS optimizer needs acorn from there
  log "configure (wasm)"
  cmake --preset wasm -DZKWIKI_WASM_DEPS="$deps" >/dev/null
  log "build (wasm)"
  cmake --build --preset wasm -j "$(nproc)"
  local size
  size=$(( $(gzip -9c build/wasm/dist/web/zkwiki.wasm | wc -c) + $(gzip -9c build/wasm/dist/web/zkwiki.mjs | wc -c) ))
  echo "module: build/wasm/dist (web/zkwiki.mjs + zkwiki.wasm: $((size / 1024)) KiB gzip; node/zkwiki.cjs)"
  # A note, not a failure: the budget is issue 6's, docs/PERFORMANCE.md records the number.
  if [ "$size" -ge 409600 ]; then
    echo "note: the module is over its 400 KiB budget (issue 6): $size bytes gzip" >&2
  fi
}

# The web app (examples/spa): bundled by esbuild with DOMPurify, next to the module's web build.
build_spa() {
  install_npm
  log "build the web app (examples/spa -> build/spa)"
  node "$ROOT/examples/spa/build.mjs" --wasm "$ROOT/build/wasm/dist/web" --out "$ROOT/build/spa"
}

# The libFuzzer targets (tests/fuzz, tests/server/fuzz), built by clang in the "fuzz" preset.
FUZZ_TARGETS=(envelope revision wrapped_key keystring agent search_segment search_manifest page markdown
              tokenizer api_json server_api server_http)

build_fuzz() {
  local targets=() t
  for t in "${FUZZ_TARGETS[@]}"; do targets+=("zkwiki-fuzz-$t"); done
  build fuzz "${targets[@]}"
}

fuzz_seeds() {
  case "$1" in
    server_api) echo "$ROOT/tests/server/fuzz/seeds" ;;
    server_http) echo "$ROOT/tests/server/fuzz/http_seeds" ;;
    *) echo "$ROOT/tests/fuzz/seeds/$1" ;;
  esac
}

# Each target for SECONDS; the corpora grow under build/fuzz/corpus/NAME between runs.
cmd_fuzz() {
  local secs="${1:-60}" t failed=()
  [[ "$secs" =~ ^[0-9]+$ ]] || die "fuzz: SECONDS must be a number, got: $secs"
  build_fuzz
  for t in "${FUZZ_TARGETS[@]}"; do
    log "fuzz $t (${secs} s)"
    "$ROOT/tests/fuzz/run_fuzzer.sh" "$ROOT/build/fuzz/bin/zkwiki-fuzz-$t" "$secs" "$ROOT/build/fuzz/corpus/$t" \
      "$(fuzz_seeds "$t")" || failed+=("$t")
  done
  [ ${#failed[@]} -eq 0 ] || die "crashes in: ${failed[*]} (inputs and logs under build/fuzz/corpus/NAME/)"
}

cmd_test() {
  local preset
  preset=$(preset_from_args "$@")
  if [ "$preset" = asan ]; then
    # Under ASan + UBSan: everything except the wasm module's node tests (the module is not an
    # ASan build, and its tests already ran in the normal suite) and the short fuzzer runs (the
    # fuzzers are ASan builds already; their seeds still replay here, under the asan build).
    build "$preset"
    install_npm
    log "test ($preset)"
    ctest --preset "$preset" -j "$(nproc)" --timeout 1800 -E '^(wasm_|FuzzRun\.)'
    return
  fi
  build_wasm
  build_fuzz
  build "$preset"
  build_spa
  log "test ($preset)"
  ctest --preset "$preset" -j "$(nproc)" --timeout 900
}

# Copies the readable text documentation under $1 into $2: READMEs, *.md, *.txt, NEWS and the
# like, decompressing .gz files; skips binaries.
stage_docs() {
  local src=$1 dst=$2 f rel out
  while IFS= read -r -d '' f; do
    rel=${f#"$src"/}
    out="$dst/${rel%.gz}"
    mkdir -p "$(dirname "$out")"
    if [[ $f == *.gz ]]; then gzip -dc "$f" > "$out" 2>/dev/null || rm -f "$out"; else cp "$f" "$out"; fi
    # Keep text only: no NUL bytes, valid UTF-8.
    if [ -f "$out" ] && { grep -qaP '\x00' "$out" || ! iconv -f UTF-8 -t UTF-8 "$out" >/dev/null 2>&1; }; then rm -f "$out"; fi
  done < <(find "$src" -type f \( -iname 'README*' -o -iname '*.md' -o -iname '*.txt' -o -iname 'NEWS*' \
            -o -iname 'changelog*' -o -iname '*.rst' \) -size -4M -print0 2>/dev/null)
}

cmd_demo() {
  local dir="" serve=1 a
  for a in "$@"; do
    case "$a" in
      --no-serve) serve=0 ;;
      -*) die "unknown option: $a" ;;
      *) dir="$a" ;;
    esac
  done
  # The agent tools too (README, "Using it"): they link the SDK objects built for the CLI anyway.
  build release zkwiki zkwiki-server zkwiki-keyring zkwiki-mcp zkwiki-agent
  local app_args=()
  if [ "$serve" = 1 ]; then
    build_wasm
    build_spa
    app_args=(--app "$ROOT/build/spa")
  fi
  local bin="$ROOT/build/bin" work="$ROOT/build/demo"
  [ -n "$dir" ] || dir=/usr/share/doc
  [ -d "$dir" ] || die "not a directory: $dir"
  [ -f "$work/server.pid" ] && kill "$(cat "$work/server.pid")" 2>/dev/null || true
  rm -rf "$work" && mkdir -p "$work"

  log "staging the text pages under $dir"
  stage_docs "$(cd "$dir" && pwd)" "$work/source"
  local pages bytes
  pages=$(find "$work/source" -type f | wc -l)
  bytes=$(du -sb "$work/source" | cut -f1)
  [ "$pages" -gt 0 ] || die "no text pages under $dir"
  echo "$pages text pages, $((bytes / 1000)) kB"

  log "starting zkwiki-server on a fresh SQLite store ($work/server-data)"
  "$bin/zkwiki-server" --data "$work/server-data" --listen 127.0.0.1:0 "${app_args[@]}" > "$work/server.out" 2> "$work/server.log" &
  echo $! > "$work/server.pid"
  local url=""
  for _ in $(seq 100); do url=$(grep -o 'http://[0-9.:]*' "$work/server.out" 2>/dev/null) && [ -n "$url" ] && break; sleep 0.1; done
  [ -n "$url" ] || die "the server did not start: $(cat "$work/server.log")"
  echo "server at $url"

  export ZKWIKI_HOME="$work/client" ZKWIKI_PASSPHRASE="demo passphrase: correct horse battery staple"
  log "creating an account and its workspace (Argon2id t=3, m=64 MiB)"
  "$bin/zkwiki" init --server "$url"

  log "importing $pages pages (sealed and signed on this machine; the server gets ciphertext)"
  "$bin/zkwiki" import "$work/source" --into docs

  "$bin/zkwiki" ls > "$work/listing"
  log "listing (first 10 of $(wc -l < "$work/listing") pages)"
  head -10 "$work/listing"
  local page
  page=$(grep -i -m1 'readme' "$work/listing" | cut -f1 || true)
  [ -n "$page" ] || page=$(head -1 "$work/listing" | cut -f1)
  "$bin/zkwiki" cat "$page" > "$work/page"
  log "one page: $page (first 15 lines)"
  head -15 "$work/page"

  log "an edit, its log and its diff"
  # The edit names the revision and page it was made from (cat --json gives them): a change
  # another device made since would be merged in, an overlapping one refused, and a page that
  # took this path meanwhile left alone (docs/CLI.md, "put").
  local page_json base page_id
  page_json=$("$bin/zkwiki" --json cat "$page")
  base=$(printf '%s' "$page_json" | grep -o '"revision":[0-9]*' | head -1 | cut -d: -f2)
  page_id=$(printf '%s' "$page_json" | grep -o '"page":"[0-9a-f]*"' | head -1 | cut -d'"' -f4)
  { cat "$work/page"; printf '\nNote added by the zkwiki demo on %s.\n' "$(date -u +%F)"; } > "$work/edited"
  "$bin/zkwiki" put "$page" "$work/edited" --base "$base" --page "$page_id"
  "$bin/zkwiki" log "$page"
  "$bin/zkwiki" diff "$page" > "$work/diff"
  tail -6 "$work/diff"

  log "search: client-side, over the sealed index the import uploaded"
  local word
  word=$(tr -cs 'A-Za-z' '\n' < "$work/page" | awk 'length($0) >= 8 && w == "" { w = $0 } END { print w }')
  [ -n "$word" ] || word=copyright
  echo "zkwiki search $word --limit 5"
  "$bin/zkwiki" search "$word" --limit 5
  log "a second device: log in (it syncs the pages), search: the index arrives as sealed segments, not rebuilt here"
  local account
  account=$("$bin/zkwiki" whoami --json | grep -o '"account":"[0-9a-f]*"' | cut -d'"' -f4)
  ZKWIKI_HOME="$work/device2" "$bin/zkwiki" login --server "$url" --account "$account" > /dev/null
  ZKWIKI_HOME="$work/device2" "$bin/zkwiki" search "$word" --limit 3 --offline

  log "zero knowledge: scanning the server's whole data directory for the imported text"
  # Distinctive lines (long, not boilerplate) and page file names, sampled across the pages.
  find "$work/source" -type f > "$work/files"
  awk 'NR % 7 == 1 && n++ < 400' "$work/files" | while read -r f; do
    awk 'length($0) >= 30 && length($0) < 200 { print; n++ } n == 2 { exit }' "$f"
    basename "$f" | awk 'length($0) >= 12'
  done | sort -u > "$work/needles"
  local needles found
  needles=$(wc -l < "$work/needles")
  found=$({ cat "$work/server-data"/* 2>/dev/null | grep -aoF -f "$work/needles" || true; } | sort -u | wc -l)
  echo "$found of $needles distinctive strings found in $(du -sh "$work/server-data" | cut -f1) of server data"
  local local_found
  local_found=$({ cat "$ZKWIKI_HOME"/store.sqlite* "$work/device2"/store.sqlite* 2>/dev/null | grep -aoF -f "$work/needles" || true; } | sort -u | wc -l)
  echo "$local_found of $needles found in this device's local store ($ZKWIKI_HOME)"
  if [ "$found" -ne 0 ] || [ "$local_found" -ne 0 ]; then
    kill "$(cat "$work/server.pid")" 2>/dev/null
    die "plaintext found where only ciphertext may be"
  fi

  if [ "$serve" = 1 ]; then
    log "the server keeps running at $url (pid $(cat "$work/server.pid")); try:"
    echo "  ZKWIKI_HOME=$ZKWIKI_HOME ZKWIKI_PASSPHRASE='$ZKWIKI_PASSPHRASE' $bin/zkwiki ls"
    log "the web app: $url/app/"
    echo "  log in with account id $account"
    echo "           and passphrase $ZKWIKI_PASSPHRASE"
    echo "  (the tab derives the key, then fetches, verifies and decrypts the $pages pages itself; the"
    echo "   server sends ciphertext. A browser's first log-in fetches every page's head: allow a while)"
    echo "  stop the server with: kill $(cat "$work/server.pid")"
  else
    kill "$(cat "$work/server.pid")" && rm -f "$work/server.pid"
  fi
}

# Every benchmark area (bench/areas/, run by bench/run.sh); the reference servers come with the
# Debian packages (install_deps), the npm references with install_npm.
cmd_bench() {
  build release
  local a need_wasm=$(( $# == 0 )) need_spa=$(( $# == 0 ))
  for a in "$@"; do
    [ "$a" = wasm ] && need_wasm=1
    [ "$a" = webapp ] && need_wasm=1 && need_spa=1
  done
  [ "$need_wasm" = 1 ] && build_wasm
  install_npm
  [ "$need_spa" = 1 ] && build_spa
  "$ROOT/bench/run.sh" "$@"
}

case "${1:-}" in
  demo) shift; cmd_demo "$@" ;;
  test) shift; cmd_test "$@" ;;
  build) shift; build "$(preset_from_args "$@")" ;;
  build-wasm) shift; build_wasm ;;
  build-spa) shift; build_spa ;;
  bench) shift; cmd_bench "$@" ;;
  fuzz) shift; cmd_fuzz "$@" ;;
  deps) install_deps; install_npm ;;
  *) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac

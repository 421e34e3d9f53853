#!/usr/bin/env bash
# zkwiki.sh — the one entry point: installs what is missing, builds, tests, runs the demo.
#   ./zkwiki.sh demo [DIR] [--no-serve]   the main job on real input
#   ./zkwiki.sh test [--asan]             build and run every test (ctest summary at the end)
#   ./zkwiki.sh build [--asan|--debug]    configure and build only
#   ./zkwiki.sh bench [crypto]            run the benchmarks
#   ./zkwiki.sh deps                      install the Debian packages the project needs
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

# Every Debian package the project needs, in one place.
DEBIAN_PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libsodium-dev libutf8proc-dev
  libboost-dev libsqlite3-dev nlohmann-json3-dev
  googletest libgtest-dev libbenchmark-dev
  libyaml-dev libdtl-dev
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

build() {
  local preset="$1"
  install_deps
  log "configure ($preset)"
  cmake --preset "$preset" >/dev/null
  log "build ($preset)"
  cmake --build --preset "$preset" -j "$(nproc)"
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

cmd_test() {
  local preset
  preset=$(preset_from_args "$@")
  build "$preset"
  log "test ($preset)"
  ctest --preset "$preset" -j "$(nproc)" --timeout 900
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
  build release
  [ -n "$dir" ] || dir=/usr/share/doc
  [ -d "$dir" ] || die "not a directory: $dir"
  log "demo: seal and open every text page under $dir"
  "$ROOT/build/bin/zkwiki-roundtrip" "$dir" --out "$ROOT/build/demo"
  [ "$serve" = 1 ] && log "the server joins the demo with issue 3; nothing to serve yet"
  return 0
}

cmd_bench() {
  build release
  "$ROOT/build/bin/zkwiki-bench" "${@:-crypto}"
}

case "${1:-}" in
  demo) shift; cmd_demo "$@" ;;
  test) shift; cmd_test "$@" ;;
  build) shift; build "$(preset_from_args "$@")" ;;
  bench) shift; cmd_bench "$@" ;;
  deps) install_deps ;;
  *) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac

#!/usr/bin/env bash
# fetch_deps.sh DIR — the C sources the wasm build compiles, from Debian's own packages.
#
# libsodium, utf8proc and libyaml: Debian source packages (apt-get source, through a private apt
# state so the machine's apt configuration is untouched; dpkg-source applies Debian's patches).
# md4c: the source package's .orig tarball (the mirror 404s its debian.tar.xz); dtl: the headers
# of the binary package libdtl-dev (its source tarballs 404; the headers are upstream's v1.20).
# Idempotent: a dependency whose unpacked tree exists is skipped, so DIR is a cache.
set -euo pipefail

DIR=${1:?usage: fetch_deps.sh DIR}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

have() { [ -e "$DIR/$1" ]; }
if have libsodium/src/libsodium && have utf8proc/utf8proc.c && have libyaml/src/api.c \
   && have md4c/src/md4c.c && have dtl/include/dtl/dtl.hpp && have nlohmann/include/nlohmann/json.hpp; then
  exit 0
fi

command -v dpkg-source >/dev/null || { echo "fetch_deps.sh: dpkg-source missing (apt-get install dpkg-dev)" >&2; exit 1; }

APT="$DIR/.apt"
mkdir -p "$APT/parts" "$APT/lists/partial" "$APT/cache/archives/partial" "$DIR/.download"
cat > "$APT/parts/debian.sources" <<SRC
Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
O=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$APT/parts"
   -o Dir::State::Lists="$APT/lists" -o Dir::Cache="$APT/cache" -o Debug::NoLocking=1
   -o APT::Sandbox::User="$(id -un)")
echo "fetch_deps.sh: apt-get update (private state in $APT)" >&2
apt-get "${O[@]}" -qq update

cd "$DIR/.download"
unpack_source() {  # unpack_source PACKAGE DEST
  local pkg=$1 dest=$2 dsc
  have "$dest" && return 0
  apt-get "${O[@]}" -qq source --download-only "$pkg"
  dsc=$(ls -t "${pkg}"_*.dsc | head -1)
  rm -rf "$DIR/$dest.tmp"
  dpkg-source --no-check -x "$dsc" "$DIR/$dest.tmp" >/dev/null
  mv "$DIR/$dest.tmp" "$DIR/$dest"
}
unpack_source libsodium libsodium
unpack_source utf8proc utf8proc
unpack_source libyaml libyaml

if ! have md4c; then
  # The source package's .dsc and .orig tarball; its debian.tar.xz is not served. Only the orig
  # tarball is unpacked, after checking it against the checksum in the .dsc.
  apt-get "${O[@]}" -qq source --download-only md4c 2>/dev/null || true
  dsc=$(ls -t md4c_*.dsc 2>/dev/null | head -1 || true)
  orig=$(ls -t md4c_*.orig.tar.* 2>/dev/null | head -1 || true)
  [ -n "$orig" ] || { echo "fetch_deps.sh: md4c orig tarball not downloaded" >&2; exit 1; }
  if [ -n "$dsc" ]; then
    want=$(awk '/^Checksums-Sha256:/{f=1;next} f&&/^ /{print $1, $3} /^[^ ]/{if(f)exit}' "$dsc" | awk -v o="$orig" '$2==o{print $1}')
    got=$(sha256sum "$orig" | cut -d' ' -f1)
    [ -z "$want" ] || [ "$want" = "$got" ] || { echo "fetch_deps.sh: $orig checksum mismatch" >&2; exit 1; }
  fi
  rm -rf "$DIR/md4c.tmp" && mkdir -p "$DIR/md4c.tmp"
  tar -xf "$orig" -C "$DIR/md4c.tmp" --strip-components=1
  mv "$DIR/md4c.tmp" "$DIR/md4c"
fi

if ! have dtl; then
  apt-get "${O[@]}" -qq download libdtl-dev
  deb=$(ls -t libdtl-dev_*.deb | head -1)
  rm -rf "$DIR/dtl.tmp" && mkdir -p "$DIR/dtl.tmp"
  dpkg-deb -x "$deb" "$DIR/dtl.tmp/root"
  mkdir -p "$DIR/dtl.tmp/include"
  mv "$DIR/dtl.tmp/root/usr/include/dtl" "$DIR/dtl.tmp/include/dtl"
  rm -rf "$DIR/dtl.tmp/root"
  mv "$DIR/dtl.tmp" "$DIR/dtl"
fi
if ! have nlohmann; then
  # Header-only; the installed Debian package's headers, copied so that the wasm build never
  # puts /usr/include (glibc's headers) on its include path.
  [ -f /usr/include/nlohmann/json.hpp ] || { echo "fetch_deps.sh: nlohmann-json3-dev missing" >&2; exit 1; }
  mkdir -p "$DIR/nlohmann.tmp/include"
  cp -r /usr/include/nlohmann "$DIR/nlohmann.tmp/include/"
  mv "$DIR/nlohmann.tmp" "$DIR/nlohmann"
fi
echo "fetch_deps.sh: sources ready in $DIR" >&2

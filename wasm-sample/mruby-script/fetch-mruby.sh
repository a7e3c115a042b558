#!/usr/bin/env bash
# Unpacks mruby 3.1.0, Debian's source package (checked by its SHA-256), into DIR/mruby-3.1.0,
# downloading the tarball into DIR once.
#   wasm-sample/mruby-script/fetch-mruby.sh DIR
set -euo pipefail
dir="$1"
version=3.1.0
tarball="mruby_$version.orig.tar.gz"
sha256=64ce0a967028a1a913d3dfc8d3f33b295332ab73be6f68e96d0f675f18c79ca8
mkdir -p "$dir"
cd "$dir"
if [ ! -f "$tarball" ]; then
  curl -fsS -o "$tarball.partial" "http://deb.debian.org/debian/pool/main/m/mruby/$tarball"
  mv -f "$tarball.partial" "$tarball"
fi
echo "$sha256  $tarball" | sha256sum -c --quiet -
rm -rf "mruby-$version"
tar xzf "$tarball"

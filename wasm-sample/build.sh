#!/usr/bin/env bash
# Rebuilds every committed sample in samples/ from its source in wasm-sample/.
# Each sample is a crate built as a cdylib for wasm32-unknown-unknown (the .wasm)
# and as an rlib for the host (its native twin, wasm-sample/native-twins); each WASI
# sample is a crate whose binary, built for wasm32-wasip1, is the WASI command
# (samples/wasi/NAME.wasm) and whose library is its native twin. mruby-script is C:
# wasm-sample/mruby-script/build-wasm.sh builds it, its crate is its native twin.
#
# Every module keeps to WebAssembly 1.0 (the MVP), so that every runtime of the suite,
# the 2020 ones included, loads the same bytes: Rust's standard library is rebuilt for the
# MVP CPU from the toolchain's own sources (`-Zbuild-std`, through RUSTC_BOOTSTRAP=1 on this
# stable compiler: Rust's prebuilt wasm32 std uses bulk memory and reference types), and
# the WASI command links Debian's wasi-libc (MVP) instead of Rust's (bulk memory).
# The build is reproducible: the same toolchain writes the same bytes, and
# samples/toolchain.txt records which toolchain wrote the committed ones.
#
#   wasm-sample/build.sh          rebuild and overwrite samples/*.wasm
#   wasm-sample/build.sh --check  rebuild and fail if any committed .wasm differs
#                                 (skipped, with a message, under another toolchain)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mode="${1:-write}"
samples=(add-one fibonacci nbody sieve sort-indirect sha256 markdown)
wasi_samples=(wordfreq)

# build TARGET SAMPLE...: builds the crates for TARGET with the samples' profile, their
# standard library rebuilt for the MVP CPU.
build() {
  local target="$1" sample packages=() flags
  shift
  rustup target list --installed | grep -qx "$target" || rustup target add "$target"
  rustup component list --installed | grep -q '^rust-src' || rustup component add rust-src
  for sample in "$@"; do packages+=(-p "$sample"); done
  # Paths would otherwise end up in the wasm (panic locations); keep them out.
  flags="--remap-path-prefix=$root=/wasm-runtime-bench --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=/cargo"
  flags+=" --remap-path-prefix=$(rustc --print sysroot)=/rustc -C target-cpu=mvp"
  if [ "$target" = wasm32-wasip1 ]; then
    flags+=" -C link-self-contained=no -L native=/usr/lib/wasm32-wasi -C link-arg=/usr/lib/wasm32-wasi/crt1-command.o"
  fi
  RUSTC_BOOTSTRAP=1 RUSTFLAGS="$flags" \
    cargo build --locked --profile wasm-sample --target "$target" -Zbuild-std=std,panic_abort "${packages[@]}" \
    --target-dir "$root/target/wasm-sample"
}

differ=()
# deliver BUILT COMMITTED: copies the built module to samples/, or compares them.
deliver() {
  if [ "$mode" = --check ]; then
    cmp -s "$1" "$2" || differ+=("$2")
  else
    cp "$1" "$2"
    echo "$2: $(stat -c %s "$2") bytes"
  fi
}

for tool in clang-22 wasm-opt ruby rake curl; do
  command -v "$tool" >/dev/null || { echo "samples: $tool is missing: run ./suite setup" >&2; exit 1; }
done
toolchain="$(rustc --version; clang-22 --version | head -n 1; wasm-opt --version
  dpkg-query -W -f='wasi-libc ${Version}\n' wasi-libc)"
if [ "$mode" = --check ] && [ "$toolchain" != "$(cat samples/toolchain.txt)" ]; then
  echo "samples: not checked: they were built by this toolchain:" >&2
  cat samples/toolchain.txt >&2
  echo "samples: this one is:" >&2
  echo "$toolchain" >&2
  exit 0
fi

build wasm32-unknown-unknown "${samples[@]}"
for sample in "${samples[@]}"; do
  deliver "target/wasm-sample/wasm32-unknown-unknown/wasm-sample/${sample//-/_}.wasm" "samples/$sample.wasm"
done
wasm-sample/mruby-script/build-wasm.sh target/wasm-sample/mruby-script/mruby-script.wasm
deliver target/wasm-sample/mruby-script/mruby-script.wasm samples/mruby-script.wasm
build wasm32-wasip1 "${wasi_samples[@]}"
for sample in "${wasi_samples[@]}"; do
  deliver "target/wasm-sample/wasm32-wasip1/wasm-sample/$sample.wasm" "samples/wasi/$sample.wasm"
done
if [ "$mode" = --check ]; then
  if ((${#differ[@]})); then
    echo "samples: rebuilt from source, these differ from the committed files: ${differ[*]}" >&2
    exit 1
  fi
  echo "samples: all $((${#samples[@]} + 1 + ${#wasi_samples[@]})) rebuilt byte for byte" >&2
else
  echo "$toolchain" > samples/toolchain.txt
fi

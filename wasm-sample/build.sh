#!/usr/bin/env bash
# Rebuilds every committed sample in samples/ from its source in wasm-sample/.
# Each sample is a crate built as a cdylib for wasm32-unknown-unknown (the .wasm)
# and as an rlib for the host (its native twin, linked into the suite).
# The build is reproducible: the same toolchain writes the same bytes.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
target=wasm32-unknown-unknown
rustup target list --installed | grep -qx "$target" || rustup target add "$target"
samples=(add-one fibonacci nbody)
packages=()
for sample in "${samples[@]}"; do packages+=(-p "$sample"); done
# Paths would otherwise end up in the wasm (panic locations); keep them out.
RUSTFLAGS="--remap-path-prefix=$root=/wasm-runtime-bench --remap-path-prefix=$HOME/.cargo=/cargo" \
  cargo build --profile wasm-sample --target "$target" "${packages[@]}" \
  --target-dir "$root/target/wasm-sample"
for sample in "${samples[@]}"; do
  cp "$root/target/wasm-sample/$target/wasm-sample/${sample//-/_}.wasm" "$root/samples/$sample.wasm"
  echo "samples/$sample.wasm: $(stat -c %s "$root/samples/$sample.wasm") bytes"
done

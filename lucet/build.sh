#!/usr/bin/env bash
# Build libwrb_lucet.so (Lucet 0.6.1 behind a C ABI) with its pinned toolchain.
# Idempotent: installs what is missing, then `cargo build --release --locked`.
# Prints the path of the built library on the last line of stdout.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"

TOOLCHAIN="1.79.0"   # keep in sync with rust-toolchain.toml

die() { echo "lucet/build.sh: error: $*" >&2; exit 1; }

# rustup (cargo's bin dir may not be on PATH in a non-login shell)
if ! command -v rustup >/dev/null 2>&1 && [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/rustup" ]; then
    export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi
command -v rustup >/dev/null 2>&1 || die "rustup not found; it is needed to install Rust $TOOLCHAIN"

if ! rustup run "$TOOLCHAIN" rustc --version >/dev/null 2>&1; then
    echo "lucet/build.sh: installing Rust $TOOLCHAIN (minimal profile)" >&2
    rustup toolchain install "$TOOLCHAIN" --profile minimal >&2 \
        || die "could not install Rust toolchain $TOOLCHAIN with rustup (Lucet 0.6.1 needs exactly 1.79: cranelift-codegen 0.51 does not build with Rust >= 1.80)"
    rustup run "$TOOLCHAIN" rustc --version >/dev/null 2>&1 \
        || die "Rust toolchain $TOOLCHAIN is still not usable after installing it"
fi

# wabt-sys (a lucetc dependency) builds the wabt C++ library with cmake;
# lucetc links the compiled modules with `ld` at run time (binutils).
missing=()
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v c++ >/dev/null 2>&1 || missing+=(g++)
command -v ld >/dev/null 2>&1 || missing+=(binutils)
if [ "${#missing[@]}" -gt 0 ]; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "lucet/build.sh: installing ${missing[*]} with apt-get" >&2
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >&2 \
            || die "apt-get install ${missing[*]} failed"
    else
        die "missing build tools: ${missing[*]} (install them, e.g. apt-get install ${missing[*]})"
    fi
fi

# rust-toolchain.toml selects $TOOLCHAIN; be explicit anyway.
RUSTUP_TOOLCHAIN="$TOOLCHAIN" cargo build --release --locked >&2 \
    || die "cargo build --release --locked failed (toolchain $TOOLCHAIN)"

LIB="$HERE/target/release/libwrb_lucet.so"
[ -f "$LIB" ] || die "build succeeded but $LIB is missing"
echo "$LIB"

#!/usr/bin/env bash
# Builds the mruby-script sample: mruby 3.1.0 from Debian's source package, with every
# core gem but I/O, its driver (src/mruby_script.c, wasm/run.c) and src/script.rb built
# in, compiled by clang-22 for wasm32 against wasi-libc: MVP and sign extension, no imports.
# mruby raises exceptions with setjmp/longjmp, which wasm has only through the
# exception-handling proposal; here they run on Binaryen's Asyncify instead (wasm/sjlj.c).
#   wasm-sample/mruby-script/build-wasm.sh OUT.wasm
# Needs (Debian): clang-22 lld-22 llvm-22 wasi-libc libclang-rt-22-dev-wasm32 binaryen
# ruby rake gcc curl; wasm-sample/build.sh installs them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(realpath -m "$1")"
work="$(dirname "$out")/mruby-build"
version=3.1.0
mkdir -p "$work"
"$here/fetch-mruby.sh" "$work"
cd "$work"
(cd "mruby-$version" && SOURCE_DATE_EPOCH=0 MRUBY_CONFIG="$here/wasm/build_config.rb" rake -j2 all >"$work/rake.log" 2>&1) ||
  { tail -n 30 "$work/rake.log" >&2; exit 1; }
ruby -e 'bytes = File.binread(ARGV[0]).bytes + [0]
  File.write(ARGV[1], "static const char script_rb[] = {" + bytes.join(",") + "};\n")' "$here/src/script.rb" "$work/script.h"
cflags=(--target=wasm32-wasi --sysroot=/usr -mcpu=mvp -O2 -Wno-deprecated -DMRB_NO_STDIO
  -isystem "$here/wasm/include" -I "mruby-$version/include" -I "$work")
objects=()
for source in "$here/src/mruby_script.c" "$here"/wasm/{run.c,sjlj.c,wasi_stubs.c,sp.S}; do
  object="$work/$(basename "${source%.*}").o"
  clang-22 "${cflags[@]}" -c "$source" -o "$object"
  objects+=("$object")
done
# No -O at the link: clang would run whichever wasm-opt is on the PATH.
clang-22 --target=wasm32-wasi --sysroot=/usr -Wno-deprecated -mcpu=mvp -nostartfiles -Wl,--no-entry -Wl,--export=run \
  -Wl,-z,stack-size=1048576 -Wl,--strip-debug "${objects[@]}" "mruby-$version/build/wasm32/lib/libmruby.a" -lm \
  -o "$work/linked.wasm"
# wasi-libc's objects declare bulk memory, which would add a DataCount section that the
# 2020 runtimes reject; the module uses no bulk-memory instruction, only sign extension.
llvm-objcopy-22 --remove-section=target_features "$work/linked.wasm" "$work/mvp.wasm"
wasm-opt --mvp-features --enable-sign-ext --asyncify -O2 \
  --pass-arg=asyncify-removelist@run,run.command_export,wrb_sjlj_after_call,wrb_setjmp_internal \
  "$work/mvp.wasm" -o "$out"

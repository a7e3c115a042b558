//! mruby-script: the mruby 3.1 interpreter (C, from Debian's source package) running a Ruby
//! script: primes below `n`, hashes, strings, exceptions, `break` out of a block (`src/script.rb`).
//! As wasm (1 MB+, `build-wasm.sh`) it stands for the plan's `mruby-script.wasm`, for
//! compile time and artifact size against module size; this crate is its native twin,
//! the same driver (`src/mruby_script.c`) and mruby (same sources, gems, compiler and
//! integer size) built for the host by `build.rs`.

use std::ffi::{c_char, c_int};

const SCRIPT: &str = concat!(include_str!("script.rb"), "\0");

unsafe extern "C" {
    fn mruby_script_run(script: *const c_char, n: c_int) -> c_int;
}

pub fn run_script(n: i32) -> i32 {
    // SAFETY: SCRIPT is NUL-terminated; the driver owns the interpreter it makes.
    unsafe { mruby_script_run(SCRIPT.as_ptr().cast(), n) }
}

//! The suite's own work before any runtime may load a stored artifact: read it, check its
//! seal (a keyed hash of every byte), copy the checked bytes to a private file. Kept out
//! of `aot_execute`, timed here so that its cost stays visible.

fn main() {
    wasm_runtime_bench::harness::steps::bench(wasm_runtime_bench::step::Step::AotVerify);
}

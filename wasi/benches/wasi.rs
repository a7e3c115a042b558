//! WASI: each WASI sample (a wasm32-wasip1 command that reads a file of its preopened
//! directory and prints a report) on every runtime with WASI, and natively.
//! `wasi/<sample>/<runtime>`: end to end, bytes to exit (compile, instantiate with a new
//! WASI context, run `_start` to its exit); `wasi_run/<sample>/<runtime>`: the same on
//! an already compiled module. Every run's output is checked after the clock stops.

fn main() {
    wasm_runtime_bench::harness::steps::bench_wasi();
}

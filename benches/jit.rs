//! JIT (a+b+c+d): from a sample's bytes to the export's result in one go, on a fresh engine.

fn main() {
    wasm_runtime_bench::harness::steps::bench(wasm_runtime_bench::step::Step::Jit);
}

//! c. instantiate: a new instance (with its own store, memories and tables) from an
//! already compiled module, and the export looked up.

fn main() {
    wasm_runtime_bench::harness::steps::bench(wasm_runtime_bench::step::Step::Instantiate);
}

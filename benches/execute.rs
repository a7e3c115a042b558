//! d. execute: one call of the sample's export on a live instance, native included.

fn main() {
    wasm_runtime_bench::harness::steps::bench(wasm_runtime_bench::step::Step::Execute);
}

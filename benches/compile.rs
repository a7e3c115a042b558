//! ab. compile: parse, validate and compile a sample's bytes into a module, on a fresh engine.

fn main() {
    wasm_runtime_bench::harness::steps::bench(wasm_runtime_bench::step::Step::Compile);
}

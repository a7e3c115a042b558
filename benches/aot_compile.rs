//! AOT compile (a+b+b'): compile, serialize and write the artifact to `tmp/`. The
//! artifact's size on disk is printed and recorded with the run.

fn main() {
    wasm_runtime_bench::harness::steps::bench(wasm_runtime_bench::step::Step::AotCompile);
}

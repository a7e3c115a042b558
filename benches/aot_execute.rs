//! AOT execute (c'+c+d): the runtime loads a checked artifact with its own loader,
//! instantiates and calls. The suite's check of the artifact is `aot_verify`, untimed here.

fn main() {
    wasm_runtime_bench::harness::steps::bench(wasm_runtime_bench::step::Step::AotExecute);
}

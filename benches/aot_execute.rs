//! AOT execute (c'+c+d): read the artifact from `tmp/` and check its seal, deserialize,
//! instantiate and call. A missing or refused artifact is compiled again first, untimed.

mod common;

use criterion::black_box;
use wasm_runtime_bench::artifact::ArtifactStore;
use wasm_runtime_bench::step::{Run, Step};

fn main() {
    let store = ArtifactStore::in_project();
    common::bench_step(Step::AotExecute, |runtime, sample| {
        let run = Run::new(runtime, sample);
        if let Err(refused) = store.load(runtime, sample) {
            eprintln!("aot_execute/{}/{}: {refused:#}; compiling it again", sample.name, runtime.name());
            run.aot_compile(&store)?;
        }
        run.check(Step::AotExecute, run.aot_execute(&store)?.0)?;
        let store = &store;
        Ok(Box::new(move |b| common::time_each(b, || black_box(run).aot_execute(store))))
    });
}

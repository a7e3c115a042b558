//! AOT execute (c'+c+d): read the artifact from `tmp/` and check its seal, deserialize,
//! instantiate and call. A missing or refused artifact is compiled again first, untimed.

mod common;

use std::hint::black_box;
use wasm_runtime_bench::artifact::ArtifactStore;
use wasm_runtime_bench::step::{Run, Step};

fn main() {
    // Leaked: every prepared benchmark borrows it until the process ends.
    let store: &'static ArtifactStore = Box::leak(Box::new(ArtifactStore::in_project()));
    common::bench_step(Step::AotExecute, |runtime, sample| {
        let run = Run::new(runtime, sample);
        if let Err(refused) = store.load(runtime, sample) {
            eprintln!("aot_execute/{}/{}: {refused:#}; compiling it again", sample.name, runtime.name());
            run.aot_compile(store)?;
        }
        run.check(Step::AotExecute, run.aot_execute(store)?.0)?;
        Ok(Box::new(move |b| common::time_fresh(b, runtime, |fresh| Run::new(fresh, black_box(sample)).aot_execute(store))))
    });
}

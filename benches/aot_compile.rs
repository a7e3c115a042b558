//! AOT compile (a+b+b'): compile, serialize and write the artifact to `tmp/`. The
//! artifact's size on disk is printed and recorded in `target/aot-sizes.json`.

mod common;

use std::hint::black_box;
use wasm_runtime_bench::artifact::{ArtifactStore, SizeRecord, record_size, sizes_file};
use wasm_runtime_bench::step::{Run, Step};

fn main() {
    // Leaked: every prepared benchmark borrows it until the process ends.
    let store: &'static ArtifactStore = Box::leak(Box::new(ArtifactStore::in_project()));
    common::bench_step(Step::AotCompile, |runtime, sample| {
        let run = Run::new(runtime, sample);
        let (artifact, _) = run.aot_compile(store)?;
        run.check(Step::AotCompile, run.aot_execute(store)?.0)?;
        let record = SizeRecord {
            wasm_bytes: sample.wasm.len() as u64,
            artifact_bytes: artifact.bytes,
            artifact: artifact.path.clone(),
        };
        eprintln!(
            "aot_compile/{}/{}: artifact {} bytes (wasm {} bytes) at {}",
            sample.name,
            runtime.name(),
            record.artifact_bytes,
            record.wasm_bytes,
            artifact.path.display()
        );
        record_size(&sizes_file(), runtime.name(), &sample.name, record).map_err(|e| run.fail(Step::AotCompile, e))?;
        Ok(Box::new(move |b| common::time_fresh(b, runtime, |fresh| Run::new(fresh, black_box(sample)).aot_compile(store))))
    });
}

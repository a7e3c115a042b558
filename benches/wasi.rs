//! WASI: each WASI sample (a wasm32-wasip1 command that reads a file of its preopened
//! directory and prints a report) on every runtime with WASI, and natively.
//! `wasi/<sample>/<runtime>`: end to end, bytes to exit (compile, instantiate with a new
//! WASI context, run `_start` to its exit); `wasi_run/<sample>/<runtime>`: the same on
//! an already compiled module. Every runtime's output is checked before it is timed.

mod common;

use std::hint::black_box;
use wasm_runtime_bench::step::{Step, WasiRun};
use wasm_runtime_bench::wasi::load_wasi_samples;

fn main() {
    let samples = load_wasi_samples().unwrap_or_else(|e| {
        eprintln!("error: {e:#}");
        std::process::exit(2)
    });
    let mut failures = common::bench_runtimes(Step::Wasi, &samples, |runtime, sample| {
        let run = WasiRun::new(runtime, sample);
        run.check(Step::Wasi, &run.end_to_end()?)?;
        Ok(Box::new(move |b| common::time_fresh(b, runtime, |fresh| WasiRun::new(fresh, black_box(sample)).end_to_end())))
    });
    failures.extend(common::bench_runtimes(Step::WasiRun, &samples, |runtime, sample| {
        let run = WasiRun::new(runtime, sample);
        let module = run.compile()?;
        run.check(Step::WasiRun, &run.run(Step::WasiRun, &*module)?)?;
        Ok(Box::new(move |b| common::time_each(b, || run.run(Step::WasiRun, black_box(&*module)))))
    }));
    common::finish("wasi", failures);
}

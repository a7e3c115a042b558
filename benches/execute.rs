//! d. execute: one call of the sample's export on a live instance, native included.

mod common;

use std::hint::black_box;
use wasm_runtime_bench::step::{Run, Step};

fn main() {
    common::bench_step(Step::Execute, |runtime, sample| {
        let run = Run::new(runtime, sample);
        let mut instance = run.instantiate(&*run.compile()?)?;
        run.check(Step::Execute, run.call(&mut *instance)?)?;
        let arg = sample.arg;
        Ok(Box::new(move |b| b.iter(|| instance.call(black_box(arg)))))
    });
}

//! JIT (a+b+c+d): from a sample's bytes to the export's result in one go.

mod common;

use std::hint::black_box;
use wasm_runtime_bench::step::{Run, Step};

fn main() {
    common::bench_step(Step::Jit, |runtime, sample| {
        let run = Run::new(runtime, sample);
        run.check(Step::Jit, run.jit()?.0)?;
        Ok(Box::new(move |b| common::time_fresh(b, runtime, |fresh| Run::new(fresh, black_box(sample)).jit())))
    });
}

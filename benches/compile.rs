//! ab. compile: parse, validate and compile a sample's bytes into a module.

mod common;

use std::hint::black_box;
use wasm_runtime_bench::step::{Run, Step};

fn main() {
    common::bench_step(Step::Compile, |runtime, sample| {
        let run = Run::new(runtime, sample);
        run.check_module(Step::Compile, &*run.compile()?)?;
        Ok(Box::new(move |b| common::time_fresh(b, runtime, |fresh| fresh.compile(black_box(sample)))))
    });
}

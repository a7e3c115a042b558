//! c. instantiate: a new instance (with its own store, memories and tables) from an
//! already compiled module.

mod common;

use wasm_runtime_bench::step::{Run, Step};

fn main() {
    common::bench_step(Step::Instantiate, |runtime, sample| {
        let run = Run::new(runtime, sample);
        let module = run.compile()?;
        run.check_module(Step::Instantiate, &*module)?;
        Ok(Box::new(move |b| common::time_each(b, || module.instantiate(&sample.export))))
    });
}

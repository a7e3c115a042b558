//! Pure execution, natively: each sample's Rust source compiled for the host and called
//! directly through a function pointer (no adapter), beside `execute`'s numbers.

mod common;

use anyhow::anyhow;
use std::hint::black_box;
use wasm_runtime_bench::runtime::Runtime;
use wasm_runtime_bench::runtimes::native::{Native, function};
use wasm_runtime_bench::step::{Run, Step};

fn main() {
    let native: Vec<Box<dyn Runtime>> = vec![Box::new(Native)];
    let id = |runtime: &Box<dyn Runtime>| runtime.name().to_string();
    let failures = common::bench_each("native", &common::samples(), &native, id, |_, _| false, |_, _| None, |runtime, sample| {
        let run = Run::new(&**runtime, sample);
        let native_fn = function(&sample.name).ok_or_else(|| run.fail(Step::Execute, anyhow!("no native twin")))?;
        let value = native_fn(sample.arg)
            .ok_or_else(|| run.fail(Step::Execute, anyhow!("the native twin does not take {}", sample.arg)))?;
        run.check(Step::Execute, value)?;
        let arg = sample.arg;
        Ok(Box::new(move |b| b.iter(|| native_fn(black_box(arg)))))
    });
    common::finish("native", failures);
}

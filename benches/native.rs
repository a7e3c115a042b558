//! Pure execution, natively: each sample's twin (the same source, built with the samples'
//! profile) called directly through its function pointer, no adapter, beside `execute`'s
//! numbers. Every call's result is compared with the expected one, as in `execute`.

use std::hint::black_box;
use std::time::{Duration, Instant};
use wasm_runtime_bench::harness::{self, Timer};
use wasm_runtime_bench::runtime::Runtime;
use wasm_runtime_bench::runtimes::native::{Native, Twin, twin};
use wasm_runtime_bench::sample::load_samples;
use wasm_runtime_bench::step::{Run, Step};
use wasm_runtime_bench::value::Value;

/// `iters` calls of `f`, each result compared with `expected` in the loop.
fn time_direct<A: Copy, R: PartialEq + Copy>(f: extern "C" fn(A) -> R, arg: A, expected: R, iters: u64) -> (Duration, bool) {
    let mut right = true;
    let start = Instant::now();
    for _ in 0..iters {
        right &= f(black_box(arg)) == expected;
    }
    (start.elapsed(), right)
}

fn main() {
    harness::main("native", |suite| {
        let samples = load_samples().unwrap_or_else(|e| {
            eprintln!("error: {e:#}");
            std::process::exit(2)
        });
        let native: Vec<Box<dyn Runtime>> = vec![Box::new(Native)];
        let skip = |runtime: &Box<dyn Runtime>, sample: &wasm_runtime_bench::sample::Sample| {
            runtime.unsupported(Step::Execute).or_else(|| runtime.cannot_run(&sample.name, &sample.proposals))
        };
        suite.each("native", &samples, &native, |r| r.name().to_string(), |_, _| false, skip, |runtime, sample| {
            let run = Run::new(&**runtime, sample);
            let twin = twin(&sample.name).map_err(|e| run.fail(Step::Execute, e))?;
            run.check(Step::Execute, twin.call(&sample.args).map_err(|e| run.fail(Step::Execute, e))?)?;
            let Some(Value::I32(arg)) = sample.args.first().copied() else { unreachable!("checked above") };
            let wrong = move || run.check(Step::Execute, None).map(|()| Duration::ZERO);
            let timer: Timer = match (twin, twin.call(&sample.args).ok().flatten()) {
                (Twin::I32ToI32(f), Some(Value::I32(expected))) => Box::new(move |iters| match time_direct(f, arg, expected, iters) {
                    (elapsed, true) => Ok(elapsed),
                    _ => wrong(),
                }),
                (Twin::I32ToF64(f), Some(Value::F64(expected))) => Box::new(move |iters| match time_direct(f, arg, expected, iters) {
                    (elapsed, true) => Ok(elapsed),
                    _ => wrong(),
                }),
                _ => return Err(run.fail(Step::Execute, anyhow::anyhow!("the native twin's result has another type"))),
            };
            Ok(timer)
        });
    });
}

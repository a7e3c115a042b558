//! The one loop every bench shares: for each sample, a Criterion group `<step>/<sample>`
//! with one benchmark per runtime. A runtime that cannot do the step is skipped with its
//! reason. Setup runs lazily, inside the benchmark Criterion selected, once, and checks
//! the result against the manifest before anything is timed; a benchmark whose setup
//! fails is reported by sample, runtime and step, the others go on, and the bench exits
//! non-zero at the end.

#![allow(dead_code)]

use criterion::{BatchSize, Bencher, Criterion, SamplingMode};
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use wasm_runtime_bench::proposal::Proposal;
use wasm_runtime_bench::runtime::Runtime;
use wasm_runtime_bench::runtimes::runtimes;
use wasm_runtime_bench::sample::{Sample, load_samples};
use wasm_runtime_bench::step::{Step, StepError};
use wasm_runtime_bench::wasi::WasiSample;

/// Modules this large sample flatly and few times in the steps that compile, on every runtime.
pub const LARGE_MODULE_BYTES: usize = 1 << 20;

/// What the loop needs of a sample: its name, its module's size and the proposals it needs.
pub trait BenchSample {
    fn name(&self) -> &str;
    fn wasm_len(&self) -> usize;
    fn proposals(&self) -> &[Proposal];
}

macro_rules! bench_sample {
    ($($sample:ty),*) => {$(
        impl BenchSample for $sample {
            fn name(&self) -> &str {
                &self.name
            }
            fn wasm_len(&self) -> usize {
                self.wasm.len()
            }
            fn proposals(&self) -> &[Proposal] {
                &self.proposals
            }
        }
    )*};
}

bench_sample!(Sample, WasiSample);

/// A benchmark ready to time: its setup done and its result checked.
pub type Prepared<'a> = Box<dyn FnMut(&mut Bencher<'_>) + 'a>;

/// Benchmarks `step` for every sample on every runtime that supports it.
pub fn bench_step<P>(step: Step, prepare: P)
where
    P: for<'a> Fn(&'a dyn Runtime, &'a Sample) -> Result<Prepared<'a>, StepError>,
{
    finish(step.id(), bench_runtimes(step, &samples(), prepare));
}

/// Benchmarks `step` for every sample of `samples` on every runtime that supports it;
/// returns the failures.
pub fn bench_runtimes<S, P>(step: Step, samples: &[S], prepare: P) -> Vec<String>
where
    S: BenchSample,
    P: for<'a> Fn(&'a dyn Runtime, &'a S) -> Result<Prepared<'a>, StepError>,
{
    let runtimes: Vec<_> = runtimes()
        .into_iter()
        .filter(|runtime| match runtime.unsupported(step) {
            Some(reason) => {
                eprintln!("{step}/*/{}: skipped: {reason}", runtime.name());
                false
            }
            None => true,
        })
        .collect();
    let slow = |runtime: &Box<dyn Runtime>, sample: &S| {
        step.compiles() && (runtime.slow_compile() || sample.wasm_len() >= LARGE_MODULE_BYTES)
    };
    let id = |runtime: &Box<dyn Runtime>| runtime.name().to_string();
    let skip = |runtime: &Box<dyn Runtime>, sample: &S| runtime.cannot_run(sample.name(), sample.proposals());
    bench_each(step.id(), samples, &runtimes, id, slow, skip, |runtime, sample| prepare(&**runtime, sample))
}

/// Every sample of the manifest; the bench stops here if it cannot be read.
pub fn samples() -> Vec<Sample> {
    load_samples().unwrap_or_else(|e| {
        eprintln!("error: {e:#}");
        std::process::exit(2)
    })
}

/// Benchmarks `<group>/<sample>/<id(item)>` for every sample and item (usually a
/// runtime); `slow` picks the pairs that sample flatly and few times, `skip` gives the
/// reason a pair cannot run. Returns the failures.
pub fn bench_each<S, T, P>(
    group: &str,
    samples: &[S],
    items: &[T],
    id: impl Fn(&T) -> String,
    slow: impl Fn(&T, &S) -> bool,
    skip: impl Fn(&T, &S) -> Option<String>,
    prepare: P,
) -> Vec<String>
where
    S: BenchSample,
    P: for<'a> Fn(&'a T, &'a S) -> Result<Prepared<'a>, StepError>,
{
    let mut criterion = Criterion::default().configure_from_args();
    let mut failures = Vec::new();
    for sample in samples {
        let mut benchmarks = criterion.benchmark_group(format!("{group}/{}", sample.name()));
        for item in items {
            let id = id(item);
            if let Some(reason) = skip(item, sample) {
                eprintln!("{group}/{}/{id}: skipped: {reason}", sample.name());
                continue;
            }
            if slow(item, sample) {
                benchmarks.sampling_mode(SamplingMode::Flat).sample_size(10);
            } else {
                benchmarks.sampling_mode(SamplingMode::Auto).sample_size(100);
            }
            let mut prepared: Option<Prepared> = None;
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                benchmarks.bench_function(&id, |b| {
                    if prepared.is_none() {
                        match prepare(item, sample) {
                            Ok(p) => prepared = Some(p),
                            // Criterion offers no way to abandon one benchmark: unwind out
                            // of it without the panic hook, and carry on with the next.
                            Err(e) => resume_unwind(Box::new(e)),
                        }
                    }
                    prepared.as_mut().expect("prepared above")(b)
                });
            }));
            if let Err(payload) = outcome {
                match payload.downcast::<StepError>() {
                    Ok(e) => {
                        let failure = format!("{group}/{}/{id}: {e}", sample.name());
                        eprintln!("FAILED {failure}");
                        failures.push(failure);
                    }
                    Err(other) => resume_unwind(other),
                }
            }
        }
        benchmarks.finish();
    }
    criterion.final_summary();
    failures
}

/// Ends a bench: lists the failures and exits non-zero if there are any.
pub fn finish(bench: &str, failures: Vec<String>) {
    if !failures.is_empty() {
        eprintln!("\n{} benchmark(s) of `{bench}` failed and report no number:", failures.len());
        for failure in &failures {
            eprintln!("  {failure}");
        }
        std::process::exit(1);
    }
}

/// Times `routine` once per iteration on a fresh engine of `runtime` (see
/// `Runtime::renew`); making the engine and dropping what `routine` returns stay
/// outside the timed region.
pub fn time_fresh<O>(b: &mut Bencher<'_>, runtime: &dyn Runtime, mut routine: impl FnMut(&dyn Runtime) -> O) {
    b.iter_batched(
        || runtime.renew(),
        |fresh| {
            let output = routine(&*fresh);
            (output, fresh)
        },
        BatchSize::PerIteration,
    );
}

/// Times `routine` once per iteration and drops what it returns outside the timed
/// region (instances hold large memory reservations, so they are not piled up).
pub fn time_each<O>(b: &mut Bencher<'_>, mut routine: impl FnMut() -> O) {
    b.iter_batched(|| (), |()| routine(), BatchSize::PerIteration);
}

//! The one loop every bench shares: for each sample, a Criterion group `<step>/<sample>`
//! with one benchmark per runtime. A runtime that cannot do the step is skipped with its
//! reason. Setup runs lazily, inside the benchmark Criterion selected, once, and checks
//! the result before anything is timed; every timed iteration's outcome is checked too,
//! after the clock stops. A benchmark that fails is recorded by sample, runtime and step,
//! the others go on; a crash or a runaway guest loses one benchmark (`supervise`,
//! `watchdog`); everything is recorded in the run's record (`run`).

pub mod again;
pub mod quick;
pub mod run;
pub mod speed;
pub mod stack;
pub mod steps;
pub mod supervise;
pub mod watchdog;

use crate::proposal::Proposal;
use crate::runtime::{Instance, Runtime};
use crate::runtimes::runtimes;
use crate::sample::Sample;
use crate::step::{Run, Step, StepError};
use crate::value::Value;
use criterion::measurement::WallTime;
use criterion::{Bencher, BenchmarkGroup, Criterion, SamplingMode};
use run::{Event, FailKind, RunDir, now};
use speed::Probes;
pub use steps::prepare;
use std::collections::{BTreeMap, HashSet};
use std::hint::black_box;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::time::{Duration, Instant};

/// Modules this large sample flatly and few times in the steps that compile, on every runtime.
pub const LARGE_MODULE_BYTES: usize = 1 << 20;

/// What the loop needs of a sample: its name, its module's size and the proposals it needs.
pub trait BenchSample {
    fn name(&self) -> &str;
    fn wasm_len(&self) -> usize;
    fn proposals(&self) -> &[Proposal];
    /// Why the sample cannot take part in `step` on any runtime.
    fn skip(&self, step: Step) -> Option<String>;
    /// A WASI command: every step needs the runtime's WASI.
    fn wasi(&self) -> bool;
}

macro_rules! bench_sample {
    ($($sample:ty => $wasi:expr),*) => {$(
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
            fn skip(&self, step: Step) -> Option<String> {
                <$sample>::skip(self, step)
            }
            fn wasi(&self) -> bool {
                $wasi
            }
        }
    )*};
}

bench_sample!(Sample => false, crate::wasi::WasiSample => true);

/// A benchmark ready to time: given a number of iterations, runs them and returns the time
/// they took, every outcome checked.
pub type Timer<'a> = Box<dyn FnMut(u64) -> Result<Duration, StepError> + 'a>;

/// What Criterion was asked to do, read from the same arguments it reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Benchmark,
    List,
    Test,
    Profile,
}

enum Filter {
    All,
    Regex(regex::Regex),
    Exact(String),
}

/// Criterion's options that take a value (`--name value` or `--name=value`).
const VALUED: [&str; 16] = [
    "color",
    "save-baseline",
    "baseline",
    "baseline-lenient",
    "format",
    "profile-time",
    "load-baseline",
    "sample-size",
    "warm-up-time",
    "measurement-time",
    "nresamples",
    "noise-threshold",
    "confidence-level",
    "significance-level",
    "plotting-backend",
    "output-format",
];

/// The filter and mode in Criterion's arguments, so that the loop records only the
/// benchmarks Criterion will run.
pub struct Selection {
    filter: Filter,
    pub mode: Mode,
    /// Criterion's `--quick`.
    pub quick: bool,
    /// The baseline Criterion saves each measurement to (`again::saved_baseline`).
    pub saves: Option<String>,
    /// Criterion measures (rather than loads a baseline's samples, `--load-baseline`).
    pub measures: bool,
}

impl Selection {
    pub fn from_args(args: &[String]) -> Selection {
        let (mut pattern, mut exact, mut mode, mut quick) = (None, false, Mode::Benchmark, false);
        let (saves, mut measures) = (again::saved_baseline(args), true);
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            if let Some(option) = arg.strip_prefix("--") {
                let name = option.split('=').next().unwrap_or(option);
                match name {
                    "list" => mode = Mode::List,
                    "test" => mode = Mode::Test,
                    "profile-time" => mode = Mode::Profile,
                    "exact" => exact = true,
                    "quick" => quick = true,
                    "load-baseline" => measures = false,
                    _ => {}
                }
                if VALUED.contains(&name) && !option.contains('=') {
                    args.next();
                }
            } else if pattern.is_none() {
                pattern = Some(arg.clone());
            }
        }
        let filter = match pattern {
            None => Filter::All,
            Some(p) if exact => Filter::Exact(p),
            Some(p) => regex::Regex::new(&p).map_or(Filter::All, Filter::Regex),
        };
        Selection { filter, mode, quick, saves, measures }
    }

    pub fn selects(&self, id: &str) -> bool {
        match &self.filter {
            Filter::All => true,
            Filter::Regex(regex) => regex.is_match(id),
            Filter::Exact(exact) => id == exact,
        }
    }
}

/// A bench binary's run of its benchmarks (in a supervised child process).
pub struct Suite {
    criterion: Criterion,
    selection: Selection,
    run: RunDir,
    session: String,
    /// Benchmarks of this session that already have an outcome (a resumed child skips them).
    done: HashSet<String>,
    failures: usize,
    /// The fastest speed probe of this run so far (`speed`).
    fastest_probe: speed::Reading,
}

/// A bench binary's `main`: supervises itself (see `supervise`), and in the supervised
/// child hands `body` the suite to run benchmarks with.
pub fn main(bench: &str, body: impl FnOnce(&mut Suite)) {
    let run = RunDir::current().unwrap_or_else(|e| {
        eprintln!("wrb: cannot record this run: {e:#}");
        std::process::exit(2)
    });
    let Some(session) = supervise::session() else {
        std::process::exit(supervise::supervise(bench, &run));
    };
    let versions: BTreeMap<String, String> = runtimes().iter().map(|r| (r.name().to_string(), r.version())).collect();
    let _ = run.record(&Event::Build { bench: bench.to_string(), pid: std::process::id(), t: now(), versions });
    let events = run.events();
    let fastest_probe = speed::fastest(&events);
    let done = events
        .into_iter()
        .filter(|e| e.session() == Some(&session) && matches!(e, Event::Ok { .. } | Event::Measured { .. } | Event::Fail { .. }))
        .filter_map(|e| e.id().map(str::to_string))
        .collect();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut suite =
        Suite {
            criterion: Criterion::default().nresamples(RESAMPLES).configure_from_args(),
            selection: Selection::from_args(&args),
            run,
            session,
            done,
            failures: 0,
            fastest_probe,
        };
    body(&mut suite);
    suite.criterion.final_summary();
    std::process::exit(i32::from(suite.failures > 0));
}

/// How a benchmark samples, from the time of one iteration. The rule: enough samples for a
/// tight confidence interval (most medians here land within ±1% after a second of
/// samples), and no more time than that takes.
#[derive(Debug)]
pub enum Sampling {
    /// Criterion's sampling with these settings.
    Criterion { mode: SamplingMode, samples: usize, warm_up: Duration, measurement: Duration },
    /// An iteration takes seconds (LLVM and lucetc on the 1 MB module; in a quick run, from
    /// 50 ms): Criterion would take at least 11 of them (its minimum of 10 samples and a
    /// warm-up); the suite times `runs` itself, and reports their median with their range.
    Suite { runs: usize },
    /// A quick run's shorter iterations: sampled by the suite for a few tens of
    /// milliseconds (`quick`).
    Quick,
}

/// Iterations at least this long are timed by the suite (`Sampling::Suite`).
pub const SUITE_TIMED: Duration = Duration::from_secs(2);
/// With `--quick`, iterations at least this long are timed three times by the suite (the
/// probe and two more) rather than sampled (`quick`: a warm-up and at least six samples).
pub const QUICK_SUITE_TIMED: Duration = Duration::from_millis(50);
/// With `--quick`, iterations at least this long are timed once, by the suite.
pub const QUICK_ONCE: Duration = Duration::from_millis(500);
/// Iterations at least this long are timed twice (the first is the probe).
pub const LONG_RUN: Duration = Duration::from_secs(10);
/// Criterion's bootstrap resamples (its default is 100 000): the 95% interval's ends move
/// by a small fraction of its width with 20 000, in a fifth of the analysis time.
pub const RESAMPLES: usize = 20_000;

impl Sampling {
    pub fn for_iteration(one: Duration, quick: bool) -> Sampling {
        let ms = Duration::from_millis;
        match one {
            _ if quick && one >= QUICK_ONCE => Sampling::Suite { runs: 1 },
            _ if quick && one >= QUICK_SUITE_TIMED => Sampling::Suite { runs: 3 },
            // Compiles of ten seconds and more vary by a percent or two: two runs.
            _ if one >= SUITE_TIMED => Sampling::Suite { runs: if one >= LONG_RUN { 2 } else { 3 } },
            _ if quick => Sampling::Quick,
            // Calls and instantiations: many iterations per sample.
            _ if one < ms(1) => Sampling::Criterion { mode: SamplingMode::Auto, samples: 100, warm_up: ms(200), measurement: ms(800) },
            // Compiles of small modules.
            _ if one < ms(50) => Sampling::Criterion { mode: SamplingMode::Flat, samples: 20, warm_up: ms(100), measurement: ms(1000).max(one * 40) },
            // A tenth of a second or more: ten samples of one or two iterations.
            _ => Sampling::Criterion { mode: SamplingMode::Flat, samples: 10, warm_up: ms(1), measurement: one * 10 },
        }
    }

    /// Sets a Criterion group to sample this way.
    fn configure(&self, benchmarks: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
        if let Sampling::Criterion { mode, samples, warm_up, measurement } = *self {
            benchmarks.sampling_mode(mode).sample_size(samples).warm_up_time(warm_up).measurement_time(measurement);
        }
    }

    /// What a benchmark is expected to take, before any run has shown it.
    pub fn expected_secs(slow: bool) -> f64 {
        if slow { 30.0 } else { 2.0 }
    }
}

impl Suite {
    pub fn mode(&self) -> Mode {
        self.selection.mode
    }

    pub fn run_dir(&self) -> &RunDir {
        &self.run
    }

    /// Benchmarks `step` for every sample of `samples` on every runtime that supports it.
    /// A runtime that times itself (`Runtime::self_timed`) is timed by its own clock;
    /// every other one through `prepare`.
    pub fn step<S, P>(&mut self, step: Step, samples: &[S], prepare: P)
    where
        S: BenchSample,
        P: for<'a> Fn(&'a dyn Runtime, &'a S) -> Result<Timer<'a>, StepError>,
    {
        let slow = |runtime: &dyn Runtime, sample: &S| {
            step.compiles() && (runtime.slow_compile() || sample.wasm_len() >= LARGE_MODULE_BYTES)
        };
        let skip = |runtime: &dyn Runtime, sample: &S| {
            sample
                .skip(step)
                .or_else(|| runtime.unsupported(step))
                .or_else(|| sample.wasi().then(|| runtime.unsupported(Step::Wasi)).flatten())
                .or_else(|| runtime.cannot_run(sample.name(), sample.proposals()))
        };
        self.each(
            step.id(),
            samples,
            &runtimes(),
            |runtime| runtime.name().to_string(),
            |runtime, sample| slow(&**runtime, sample),
            |runtime, sample| skip(&**runtime, sample),
            |runtime, sample| prepare(&**runtime, sample),
        );
    }

    /// Benchmarks `<group>/<sample>/<id(item)>` for every sample and item (usually a
    /// runtime); `slow` picks the pairs that sample flatly and few times, `skip` gives the
    /// reason a pair cannot run.
    #[allow(clippy::too_many_arguments)]
    pub fn each<S, T, P>(
        &mut self,
        group: &str,
        samples: &[S],
        items: &[T],
        id: impl Fn(&T) -> String,
        slow: impl Fn(&T, &S) -> bool,
        skip: impl Fn(&T, &S) -> Option<String>,
        prepare: P,
    ) where
        S: BenchSample,
        P: for<'a> Fn(&'a T, &'a S) -> Result<Timer<'a>, StepError>,
    {
        // Measured again at the end, minutes later (`again`).
        let mut imprecise = Vec::new();
        for sample in samples {
            let group_id = format!("{group}/{}", sample.name());
            let mut benchmarks = self.criterion.benchmark_group(&group_id);
            for item in items {
                let item_id = id(item);
                let full_id = format!("{group_id}/{item_id}");
                if !self.selection.selects(&full_id) || self.done.contains(&full_id) {
                    continue;
                }
                if let Some(reason) = skip(item, sample) {
                    eprintln!("{full_id}: skipped: {reason}");
                    let _ = self.run.record(&Event::Skip { id: full_id, reason });
                    continue;
                }
                if self.selection.mode == Mode::List {
                    let _ = self.run.record(&Event::Listed { id: full_id.clone(), expected_secs: Sampling::expected_secs(slow(item, sample)) });
                    benchmarks.bench_function(&item_id, |_| {});
                    continue;
                }
                let record = recorder(&self.run);
                let started = now();
                record(Event::Start { id: full_id.clone(), session: self.session.clone(), pid: std::process::id(), t: started });
                watch(&self.run, &self.session, &full_id, sample.name(), &item_id, group);
                let (mode, quick) = (self.selection.mode, self.selection.quick);
                // Measured again if imprecise (`again`): Criterion's files of it as they were before.
                let kept = (mode == Mode::Benchmark && !quick && self.selection.measures).then(|| again::Kept::new(&full_id, self.selection.saves.as_deref())).flatten();
                let baseline_before = kept.as_ref().and_then(again::Kept::baseline);
                let mut measured = None;
                let mut probes = None;
                let fastest_before = self.fastest_probe;
                let outcome = catch_unwind(AssertUnwindSafe(|| {
                    let mut timer = {
                        let _armed = watchdog::arm(watchdog::compile_limit() + watchdog::call_limit(), Duration::ZERO);
                        prepare(item, sample)
                    }
                    .unwrap_or_else(|e| resume_unwind(Box::new(e)));
                    if mode != Mode::Benchmark {
                        benchmarks.bench_function(&item_id, |b: &mut Bencher<'_>| {
                            b.iter_custom(|iters| timer(iters).unwrap_or_else(|e| resume_unwind(Box::new(e))))
                        });
                        return None;
                    }
                    let before = speed::probe();
                    // One timed iteration sets how the benchmark samples.
                    let one = timer(1).unwrap_or_else(|e| resume_unwind(Box::new(e)));
                    match Sampling::for_iteration(one, quick) {
                        Sampling::Suite { runs } => {
                            let mut times = vec![one.as_secs_f64() * 1e9];
                            let mut during = speed::During::start();
                            for _ in 1..runs {
                                during.between_calls();
                                times.push(timer(1).unwrap_or_else(|e| resume_unwind(Box::new(e))).as_secs_f64() * 1e9);
                            }
                            probes = Some(Probes { before, after: speed::probe(), during: during.median() });
                            eprintln!(
                                "{full_id}: {} run(s) of {:.2} s each, measured by the suite ({})",
                                runs,
                                one.as_secs_f64(),
                                if quick { "a quick run" } else { "too long for Criterion's 10 samples" }
                            );
                            measured = Some(times);
                            None
                        }
                        Sampling::Quick => {
                            let samples = quick::sample(&mut timer).unwrap_or_else(|e| resume_unwind(Box::new(e)));
                            probes = Some(Probes { before, after: speed::probe(), during: None });
                            let written = crate::report::results::benchmark_dir(&run::criterion_dir(), &full_id)
                                .ok_or_else(|| std::io::Error::other("no directory for its id"))
                                .and_then(|dir| quick::write(&dir, &full_id, self.selection.saves.as_deref(), &samples));
                            let estimate = written.unwrap_or_else(|e| panic!("cannot write its measurement: {e}"));
                            println!(
                                "{full_id}\n                        time:   [{}] ({} samples of {} iteration(s), a quick run)",
                                crate::report::interval(&estimate),
                                samples.times_ns.len(),
                                samples.iters
                            );
                            None
                        }
                        sampling => {
                            sampling.configure(&mut benchmarks);
                            let during = probed_bench(&mut benchmarks, &item_id, &mut timer);
                            let around = Probes { before, after: speed::probe(), during };
                            probes = Some(around);
                            let slowed = speed::slowdown(around, fastest_before.faster(around.before).faster(around.after)) > again::slowed_above(&full_id);
                            let imprecise = |e: &crate::report::results::Estimate| e.half_width().is_some_and(|w| w > again::PRECISE);
                            let first = kept.as_ref().and_then(again::Kept::latest).filter(|e| slowed || again::always_twice(&full_id) || imprecise(e))?;
                            let by_rule = !slowed && !imprecise(&first);
                            Some((timer, sampling, first, around, by_rule))
                        }
                    }
                }));
                watchdog::set_current(None);
                let session = self.session.clone();
                if let Some(probes) = probes {
                    self.fastest_probe = self.fastest_probe.faster(probes.before).faster(probes.after);
                    record(Event::speed(full_id.clone(), now(), probes));
                }
                match outcome {
                    Ok(later) => {
                        match measured {
                            Some(samples_ns) => record(Event::Measured { id: full_id.clone(), session, t: now(), secs: now() - started, samples_ns }),
                            None => {
                                let written = (mode == Mode::Benchmark).then(|| again::Kept::new(&full_id, None)?.latest()).flatten();
                                let median_ns = written.map(|e| e.median);
                                record(Event::Ok { id: full_id.clone(), session, t: now(), secs: now() - started, median_ns })
                            }
                        }
                        if let (Some((timer, sampling, first, first_probes, by_rule)), Some(kept)) = (later, kept) {
                            imprecise.push(Imprecise {
                                group_id: group_id.clone(),
                                sample: sample.name().to_string(),
                                item_id,
                                full_id,
                                timer,
                                sampling,
                                first,
                                first_probes,
                                by_rule,
                                kept,
                                baseline_before,
                            });
                        }
                    }
                    Err(payload) => fail(&self.run, &self.session, &mut self.failures, full_id, payload),
                }
            }
            benchmarks.finish();
        }
        for imprecise in imprecise {
            self.measure_again(group, imprecise);
        }
    }

    /// Measures an imprecise benchmark, or one measured on a slowed machine, once more, keeps
    /// one of its two measurements (`again::keep_second`) and records both.
    fn measure_again(&mut self, step: &str, imprecise: Imprecise<'_>) {
        let Imprecise { group_id, sample, item_id, full_id, mut timer, sampling, first, first_probes, by_rule, kept, baseline_before } = imprecise;
        let record = recorder(&self.run);
        let after_first = again::Snapshot::take(&kept.dir);
        if let Some(Err(e)) = baseline_before.as_ref().map(again::Snapshot::restore) {
            eprintln!("wrb: cannot put back the saved baseline of {full_id}: {e}");
        }
        let first_slowdown = speed::slowdown(first_probes, self.fastest_probe);
        eprintln!(
            "{full_id}: measured again: its interval was ±{:.1}% of the median, the speed probe {:.2} times its fastest",
            first.half_width().unwrap_or(0.0) * 100.0,
            first_slowdown
        );
        let started = now();
        watch(&self.run, &self.session, &full_id, &sample, &item_id, step);
        // A Criterion of its own: one Criterion takes each benchmark id once.
        let mut criterion = Criterion::default().nresamples(RESAMPLES).configure_from_args();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let mut benchmarks = criterion.benchmark_group(&group_id);
            sampling.configure(&mut benchmarks);
            let before = speed::probe();
            let during = probed_bench(&mut benchmarks, &item_id, &mut timer);
            let probes = Probes { before, after: speed::probe(), during };
            benchmarks.finish();
            probes
        }));
        watchdog::set_current(None);
        let probes = match outcome {
            Ok(probes) => probes,
            Err(payload) => return fail(&self.run, &self.session, &mut self.failures, full_id, payload),
        };
        self.fastest_probe = self.fastest_probe.faster(probes.before).faster(probes.after);
        record(Event::speed(full_id.clone(), now(), probes));
        let second = kept.latest();
        let (first_half_width, second_half_width) = (first.half_width().unwrap_or(0.0), second.and_then(|e| e.half_width()));
        let kept_second = again::keep_second(
            (first, speed::slowdown(first_probes, self.fastest_probe)),
            second.map(|e| (e, speed::slowdown(probes, self.fastest_probe))),
            again::slowed_above(&full_id),
        );
        if !kept_second && let Err(e) = after_first.restore() {
            eprintln!("wrb: cannot put back the first measurement of {full_id}: {e}");
        }
        record(Event::Again {
            id: full_id,
            session: self.session.clone(),
            t: now(),
            secs: now() - started,
            by_rule,
            first_half_width,
            second_half_width,
            first_median_ns: Some(first.median),
            second_median_ns: second.map(|e| e.median),
            kept_second,
        });
    }
}

/// Criterion measures `timer` as benchmark `id` of `benchmarks`; the speed probe is read
/// between its timed calls (`speed::During`). Returns those readings' median.
fn probed_bench(benchmarks: &mut BenchmarkGroup<'_, WallTime>, id: &str, timer: &mut Timer<'_>) -> Option<speed::Reading> {
    let mut during = speed::During::start();
    benchmarks.bench_function(id, |b: &mut Bencher<'_>| {
        b.iter_custom(|iters| {
            let elapsed = timer(iters).unwrap_or_else(|e| resume_unwind(Box::new(e)));
            during.between_calls();
            elapsed
        })
    });
    during.median()
}

/// The watchdog names this benchmark if it has to end the process.
fn watch(run: &RunDir, session: &str, id: &str, sample: &str, runtime: &str, step: &str) {
    watchdog::set_current(Some(watchdog::Current {
        id: id.to_string(),
        who: format!("sample `{sample}` on runtime `{runtime}` failed at step {step}"),
        run: run.clone(),
        session: session.to_string(),
    }));
}

/// Records the failure of benchmark `id` from what its panic carried.
fn fail(run: &RunDir, session: &str, failures: &mut usize, id: String, payload: Box<dyn std::any::Any + Send>) {
    let error = match payload.downcast::<StepError>() {
        Ok(e) => e.to_string(),
        Err(other) => format!("panicked: {}", panic_text(&*other)),
    };
    eprintln!("FAILED {id}: {error}");
    *failures += 1;
    recorder(run)(Event::Fail { id, session: session.to_string(), t: now(), kind: FailKind::Failed, error });
}

/// A benchmark whose first measurement was imprecise, kept ready to be measured again.
struct Imprecise<'a> {
    group_id: String,
    sample: String,
    item_id: String,
    full_id: String,
    timer: Timer<'a>,
    sampling: Sampling,
    /// The first measurement's median and interval.
    first: crate::report::results::Estimate,
    /// The speed probes around and during the first measurement (`speed`).
    first_probes: Probes,
    /// Measured again only because it always is (`again::always_twice`).
    by_rule: bool,
    kept: again::Kept,
    baseline_before: Option<again::Snapshot>,
}

/// Records an event in the run, saying so if it cannot.
fn recorder(run: &RunDir) -> impl Fn(Event) + use<> {
    let run = run.clone();
    move |event: Event| {
        if let Err(e) = run.record(&event) {
            eprintln!("wrb: cannot record {event:?}: {e:#}");
        }
    }
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

/// Times `iters` calls of the export on a live instance as one batch. Each call's outcome
/// is compared with the expected one in the loop (a compare and a branch); the first
/// wrong one fails the benchmark after the clock stops. `per_call` (the untimed check
/// call's duration) sets the watchdog's allowance for the batch. A failure names the call
/// by `what` and its number. The calls are made with the native stack at `stack_offset`
/// within its page (`stack`).
pub fn time_calls(run: &Run, instance: &mut dyn Instance, iters: u64, per_call: Duration, stack_offset: usize, what: &str) -> Result<Duration, StepError> {
    stack::at_offset(stack_offset, || time_calls_here(run, instance, iters, per_call, what))
}

fn time_calls_here(run: &Run, instance: &mut dyn Instance, iters: u64, per_call: Duration, what: &str) -> Result<Duration, StepError> {
    // The arguments are read from this frame, not from the heap: where the heap put them
    // decided, through address aliasing with the stack, whether native's 5 ns call took 4.7
    // or 6.1 ns.
    let mut on_stack = [Value::I32(0); 8];
    let given = run.sample.args.as_slice();
    let args = match on_stack.get_mut(..given.len()) {
        Some(slots) => {
            slots.copy_from_slice(given);
            &*slots
        }
        None => given,
    };
    let expected = run.sample.expected;
    let mut first_bad = None;
    let armed = watchdog::arm(watchdog::call_limit(), allowance(per_call, iters));
    let start = Instant::now();
    for i in 0..iters {
        let outcome = instance.call(black_box(args));
        if !matches!(&outcome, Ok(value) if expected.accepts(value)) && first_bad.is_none() {
            first_bad = Some((i, outcome));
        }
    }
    let elapsed = start.elapsed();
    drop(armed);
    match first_bad {
        None => Ok(elapsed),
        Some((i, Err(e))) => Err(run.fail(Step::Execute, e.context(format!("{what} {}", i + 1)))),
        Some((i, Ok(got))) => run.check(Step::Execute, got).map_err(|e| StepError { cause: e.cause.context(format!("{what} {}", i + 1)), ..e }).map(|()| elapsed),
    }
}

/// Times `iters` iterations one by one: `setup` makes each one's input and `check`
/// judges (and drops) each one's output, both outside the clock; the watchdog allows
/// `limit` per iteration. They run with the native stack at one offset within its page
/// (`stack`), the same in every process.
pub fn time_each<I, O>(
    iters: u64,
    limit: Duration,
    mut setup: impl FnMut() -> Result<I, StepError>,
    mut routine: impl FnMut(I) -> O,
    mut check: impl FnMut(O) -> Result<(), StepError>,
) -> Result<Duration, StepError> {
    stack::at_offset(0, || {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            let input = setup()?;
            let armed = watchdog::arm(limit, Duration::ZERO);
            let start = Instant::now();
            let output = routine(black_box(input));
            total += start.elapsed();
            drop(armed);
            check(output)?;
        }
        Ok(total)
    })
}

/// What the watchdog allows a batch of `iters` iterations beyond the limit: four times
/// what they should take, from one iteration's time.
fn allowance(one: Duration, iters: u64) -> Duration {
    Duration::from_secs_f64((one.as_secs_f64() * iters as f64 * 4.0).min(1e9))
}

/// The limit of one iteration of `step`: compiling, running guest code, or both.
pub fn limit(step: Step) -> Duration {
    match (step.compiles(), step.runs_guest()) {
        (true, true) => watchdog::compile_limit() + watchdog::call_limit(),
        (true, false) => watchdog::compile_limit(),
        _ => watchdog::call_limit(),
    }
}

/// The timer of a runtime that times itself, its first iteration checked now.
pub fn self_timed<'a>(
    runtime: &'a dyn crate::runtime::Runtime,
    what: crate::runtime::Timed<'a>,
    step: Step,
    fail: impl Fn(anyhow::Error) -> StepError + 'a,
) -> Result<Option<Timer<'a>>, StepError> {
    let Some(timed) = runtime.self_timed() else { return Ok(None) };
    let start = Instant::now();
    timed.time(step, what, 1).map_err(&fail)?;
    let first = start.elapsed();
    Ok(Some(Box::new(move |iters| {
        let _armed = watchdog::arm(limit(step), allowance(first, iters));
        timed.time(step, what, iters).map_err(&fail)
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(sampling: Sampling) -> Option<usize> {
        match sampling {
            Sampling::Suite { runs } => Some(runs),
            Sampling::Criterion { .. } | Sampling::Quick => None,
        }
    }

    #[test]
    fn iterations_of_seconds_are_timed_by_the_suite_and_quick_mode_samples_the_others_itself() {
        let ms = Duration::from_millis;
        assert_eq!(runs(Sampling::for_iteration(ms(40_000), false)), Some(2));
        assert_eq!(runs(Sampling::for_iteration(ms(3_000), false)), Some(3));
        assert_eq!(runs(Sampling::for_iteration(ms(800), false)), None);
        assert_eq!(runs(Sampling::for_iteration(ms(40_000), true)), Some(1));
        assert_eq!(runs(Sampling::for_iteration(ms(800), true)), Some(1));
        assert_eq!(runs(Sampling::for_iteration(ms(400), true)), Some(3));
        assert!(matches!(Sampling::for_iteration(ms(20), true), Sampling::Quick));
        assert!(matches!(Sampling::for_iteration(Duration::from_micros(3), true), Sampling::Quick));
    }
}

//! What each step's benchmark times, once its setup is done and its result checked: the
//! timers of `compile`, `instantiate`, `execute`, `jit`, `aot_compile`, `aot_verify`,
//! `aot_execute` (and, with the `wasi` feature, `wasi` and `wasi_run`). Making a fresh
//! engine, dropping what a step made and checking its outcome stay outside the clock.

use super::watchdog::{call_limit, compile_limit, within};
use super::{Timer, limit, self_timed, stack, time_calls, time_each};
use crate::artifact::{Artifact, ArtifactStore, SizeRecord, Verified, record_size};
use crate::runtime::{Instance, Module};
use std::cell::Cell;
use crate::runtime::Runtime;
use crate::step::{Ran, Run, Step, StepError};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

/// The timer of `step` for `run`, its setup done and its first result checked.
pub fn prepare<'a>(step: Step, run: Run<'a>, store: &'a ArtifactStore, sizes: &'a Path) -> Result<Timer<'a>, StepError> {
    if let Some(timer) = self_timed(run.runtime, crate::runtime::Timed::Sample(run.sample), step, move |e| run.fail(step, e))? {
        return Ok(timer);
    }
    let (runtime, sample) = (run.runtime, run.sample);
    let renew = move || fresh_engine(runtime).map_err(|e| run.fail(step, e));
    let ran = move |outcome: Result<Ran, StepError>| -> Result<(), StepError> { run.check(step, outcome?.0) };
    let timer: Timer<'a> = match step {
        // The first timed compile's module is checked (instantiated and called) after the
        // clock stops, every other one must compile: no untimed compile before them (one
        // more 40 s compile of the large module on LLVM and lucetc).
        Step::Compile => {
            let checked = Cell::new(false);
            Box::new(move |iters| {
                time_each(iters, limit(step), renew, |fresh| (fresh.compile(black_box(sample)), fresh), |(module, _fresh)| {
                    let module = module.map_err(|e| run.fail(step, e))?;
                    // A module that imports anything cannot be instantiated here: compiling is its check.
                    if !checked.replace(true) && sample.imports.is_empty() {
                        within(call_limit(), || run.check_module(step, &*module))?;
                    }
                    Ok(())
                })
            })
        }
        Step::Instantiate => {
            let (module, artifact) = module_to_call(step, run, store)?;
            within(call_limit(), || run.check_module(step, &*module))?;
            Box::new(move |iters| {
                let _kept = &artifact;
                time_each(iters, limit(step), || Ok(()), |()| module.instantiate(black_box(&sample.export)), |instance| {
                    instance.map(drop).map_err(|e| run.fail(step, e))
                })
            })
        }
        Step::Execute => {
            let (module, artifact) = module_to_call(step, run, store)?;
            let mut placements = typical_placements(run, &*module)?;
            let mut next = 0;
            Box::new(move |iters| {
                let _kept = (&module, &artifact);
                let calls = calls_for(iters, placements.len());
                let (shares, after) = turns(calls, placements.len(), next);
                next = after;
                let mut elapsed = Duration::ZERO;
                for (index, share) in shares {
                    let placement = &mut placements[index];
                    elapsed += time_calls(&run, &mut *placement.instance, share, placement.per_call, placement.stack_offset, "timed call")?;
                }
                Ok(if calls == iters { elapsed } else { elapsed.mul_f64(iters as f64 / calls as f64) })
            })
        }
        // Every timed iteration's result is checked; no untimed run before them (it would
        // be one more 40 s compile of the large module on LLVM and lucetc).
        Step::Jit => {
            Box::new(move |iters| {
                time_each(iters, limit(step), renew, |fresh| (Run::new(&*fresh, sample).jit(), fresh), |(outcome, _fresh)| ran(outcome))
            })
        }
        // The first timed compile's artifact is checked (verified, loaded and run) and its
        // size recorded after the clock stops; every other one must compile.
        Step::AotCompile => {
            let checked = Cell::new(false);
            let check = move |artifact: Artifact| -> Result<(), StepError> {
                let verified = run.aot_verify(store)?;
                if sample.imports.is_empty() {
                    ran(within(call_limit(), || run.aot_execute(&verified)))?;
                }
                let record = SizeRecord { wasm_bytes: sample.wasm.len() as u64, artifact_bytes: artifact.bytes, artifact: artifact.path.clone() };
                eprintln!(
                    "aot_compile/{}/{}: artifact {} bytes (wasm {} bytes) at {}",
                    sample.name,
                    runtime.name(),
                    record.artifact_bytes,
                    record.wasm_bytes,
                    artifact.path.display()
                );
                record_size(sizes, runtime.name(), &sample.name, record).map_err(|e| run.fail(step, e))
            };
            Box::new(move |iters| {
                time_each(iters, limit(step), renew, |fresh| (Run::new(&*fresh, sample).aot_compile(store), fresh), |(outcome, _fresh)| {
                    let (artifact, _module) = outcome?;
                    if !checked.replace(true) {
                        check(artifact)?;
                    }
                    Ok(())
                })
            })
        }
        Step::AotVerify => {
            drop(stored_artifact(run, store)?);
            Box::new(move |iters| time_each(iters, limit(step), || Ok(()), |()| run.aot_verify(black_box(store)), |verified| verified.map(drop)))
        }
        Step::AotExecute => {
            let verified = stored_artifact(run, store)?;
            ran(within(call_limit(), || run.aot_execute(&verified)))?;
            Box::new(move |iters| {
                time_each(iters, limit(step), renew, |fresh| (Run::new(&*fresh, sample).aot_execute(&verified), fresh), |(outcome, _fresh)| {
                    ran(outcome)
                })
            })
        }
        Step::Wasi | Step::WasiRun => return Err(run.fail(step, anyhow::anyhow!("a WASI step of a sample that is not a WASI command"))),
    };
    Ok(timer)
}

/// How many instances `execute` makes and ranks by speed; it times the middle half of them.
pub const PLACEMENTS: usize = 8;

/// How long each of them is called, to rank them.
const RANKING_TIME: Duration = Duration::from_millis(2);

/// An instance to call, checked, with the time its first call took and the offset within
/// its page of the native stack its calls are made at.
struct Placement {
    instance: Box<dyn Instance>,
    per_call: Duration,
    stack_offset: usize,
}

/// The instances of `module` whose calls `execute` times, in turns: the middle half by
/// speed of `PLACEMENTS`, each at its own stack offset. Interpreters keep their value stack
/// on the heap, and where it lands decides the speed of some calls: of 60 to 100 instances
/// of WAMR made one after another (`examples/placements.rs`), 3 to 12 ran nbody 1.1 to 2.0
/// times slower than the median, the same for the same address of its stack modulo 4096
/// (the mark of 4K aliasing); Fizzy, wasm3, tinywasm and stitch have such placements too,
/// up to 1.2 times slower. Which one a bench process gets follows what it
/// allocated before: the same bench with a filter 11 characters longer timed WAMR's nbody
/// at 1.40 ms instead of 0.70 ms. Where the native stack sits within its page matters too
/// (`stack`). So every instance is called for `RANKING_TIME`, every result checked; the
/// fastest and the slowest quarter are left out (a rare slow placement is not the typical
/// one), and the rest share the timed calls evenly (`turns`): the number is the mean of
/// the middle placements, not a die thrown between two levels.
fn typical_placements(run: Run, module: &dyn Module) -> Result<Vec<Placement>, StepError> {
    let count = run.runtime.instance_limit().map_or(PLACEMENTS, |limit| limit.min(PLACEMENTS));
    let mut ranked = Vec::with_capacity(count);
    for index in 0..count {
        let stack_offset = stack::spread(index, count);
        let mut instance = within(call_limit(), || run.instantiate(module))?;
        let start = Instant::now();
        let first = within(call_limit(), || run.call(&mut *instance))?;
        let per_call = start.elapsed();
        run.check(Step::Execute, first)?;
        let calls = (RANKING_TIME.as_nanos() / per_call.as_nanos().max(1)).clamp(1, 100_000) as u64;
        let mean = time_calls(&run, &mut *instance, calls, per_call, stack_offset, "ranking call")? / calls as u32;
        ranked.push((mean, Placement { instance, per_call, stack_offset }));
    }
    Ok(middle_half(ranked))
}

/// The items ranked in the middle half: a quarter of them (rounded down) left out at each end.
fn middle_half<T>(mut ranked: Vec<(Duration, T)>) -> Vec<T> {
    ranked.sort_by_key(|&(rank, _)| rank);
    let left_out = ranked.len() / 4;
    let kept = ranked.len() - left_out;
    ranked.into_iter().take(kept).skip(left_out).map(|(_, item)| item).collect()
}

/// How many calls `execute` times for `iters` iterations over `count` placements: at least
/// one on each, so that a sample of a long call (one or two iterations) is the mean call of
/// every placement, not the call of whichever placement's turn it was; the time of those
/// calls is scaled back to `iters` of them.
fn calls_for(iters: u64, count: usize) -> u64 {
    iters.max(count as u64)
}

/// How `iters` calls are shared among `count` placements, taken in turns from `next`: each
/// gets `iters / count`, and the remaining calls one each, in turn, so that over a
/// benchmark's samples every placement makes the same number of calls (give or take one),
/// even when a sample has fewer calls than there are placements. The shares in order, and
/// the placement whose turn is next.
fn turns(iters: u64, count: usize, next: usize) -> (Vec<(usize, u64)>, usize) {
    let count = count.max(1);
    let (each, more) = (iters / count as u64, (iters % count as u64) as usize);
    let shares = (0..count)
        .map(|turn| ((next + turn) % count, each + u64::from(turn < more)))
        .filter(|&(_, calls)| calls > 0)
        .collect();
    (shares, (next + more) % count)
}

/// The smallest module with one function: what a fresh engine compiles before it is timed.
const WARM_UP: &[u8] = &[
    0, b'a', b's', b'm', 1, 0, 0, 0, // header
    1, 6, 1, 0x60, 1, 0x7f, 1, 0x7f, // type (i32) -> i32
    3, 2, 1, 0, // one function of that type
    10, 6, 1, 4, 0, 0x20, 0, 0x0b, // its body: local.get 0
];

/// A fresh engine of `runtime` (see `Runtime::renew`) that has compiled one tiny module:
/// the work an engine does once, on its first compilation (setting up its compiler, code
/// memory and caches), is the embedder's once per process, not part of every compile.
pub fn fresh_engine(runtime: &dyn Runtime) -> anyhow::Result<Box<dyn Runtime>> {
    use anyhow::Context;
    let fresh = runtime.renew().context("making a fresh engine")?;
    let warm_up = crate::sample::Sample::with(
        "warm-up",
        WARM_UP.to_vec(),
        crate::value::Export::of("run", &[], None),
        Vec::new(),
        crate::sample::Expect::NoTrap,
    )?;
    if fresh.self_timed().is_none() {
        drop(fresh.compile(&warm_up).context("warming up a fresh engine")?);
    }
    Ok(fresh)
}

/// The module that `instantiate` instantiates and `execute` calls. Where a compile takes
/// seconds (`Runtime::slow_compile`: LLVM, lucetc) it is not done again for every run of
/// the bench: the module is loaded from the checked artifact `aot_compile` stored
/// (compiled and stored now if it is missing), as these compilers' embedders do. The
/// same code runs either way: Wasmer's compile builds the very artifact it serializes
/// and loads it the same way, Lucet's compile writes the shared object its loader opens.
fn module_to_call(step: Step, run: Run, store: &ArtifactStore) -> Result<(Box<dyn Module>, Option<Verified>), StepError> {
    let (runtime, sample) = (run.runtime, run.sample);
    if !runtime.slow_compile() || runtime.unsupported(Step::AotCompile).is_some() || !sample.imports.is_empty() {
        return Ok((within(compile_limit(), || run.compile())?, None));
    }
    let verified = stored_artifact(run, store)?;
    let module = verified.load(runtime).map_err(|e| run.fail(step, e))?;
    Ok((module, Some(verified)))
}

/// The artifact `aot_compile` stores, checked: if it is missing or refused, says why and
/// compiles it again (untimed).
fn stored_artifact(run: Run, store: &ArtifactStore) -> Result<Verified, StepError> {
    match store.verify(run.runtime, run.sample) {
        Ok(verified) => Ok(verified),
        Err(refused) => {
            eprintln!("{}/{}: {refused:#}; compiling it again", run.sample.name, run.runtime.name());
            within(compile_limit(), || run.aot_compile(store))?;
            run.aot_verify(store)
        }
    }
}

/// The bench of one step over every sample of this run on every runtime: the body of each
/// bench file but `wasi`, `native` and `overhead`.
pub fn bench(step: Step) {
    super::main(step.id(), |suite| {
        let samples = crate::sample::load_samples().unwrap_or_else(|e| {
            eprintln!("error: {e:#}");
            std::process::exit(2)
        });
        // Leaked: every prepared benchmark borrows them until the process ends.
        let store: &'static ArtifactStore = Box::leak(Box::new(ArtifactStore::in_project()));
        let sizes: &'static Path = Box::leak(suite.run_dir().dir.join("aot-sizes.json").into_boxed_path());
        suite.step(step, &samples, |runtime: &dyn Runtime, sample| prepare(step, Run::new(runtime, sample), store, sizes));
    });
}

#[cfg(feature = "wasi")]
pub use wasi::{bench_wasi, prepare_wasi};

#[cfg(feature = "wasi")]
mod wasi {
    use super::super::{Timer, limit, time_each};
    use crate::runtime::Runtime;
    use crate::step::{Step, StepError, WasiRun};
    use super::super::watchdog::{compile_limit, within};
    use crate::wasi::{WasiCommand, WasiModule, WasiRan};
    use std::hint::black_box;

    /// The timer of a WASI sample's step: `wasi` (bytes to exit), `wasi_run` (a compiled
    /// module to exit), `instantiate` (a new instance with a new WASI context, not run) or
    /// `execute` (the time between the command's `bench.start` and `bench.end`).
    pub fn prepare_wasi<'a>(step: Step, run: WasiRun<'a>) -> Result<Timer<'a>, StepError> {
        let (runtime, sample) = (run.runtime, run.sample);
        if let Some(timer) = super::super::self_timed(runtime, crate::runtime::Timed::Wasi(sample), step, move |e| run.fail(step, e))? {
            return Ok(timer);
        }
        // Each iteration's command has fresh markers, made outside the clock.
        let check = move |outcome: Result<WasiRan, StepError>, command: WasiCommand<'a>| -> Result<(), StepError> {
            run.check(step, &outcome?.output(), &command)
        };
        // The compiled command, run once and checked, before its steps are timed.
        let checked_module = move || -> Result<Box<dyn WasiModule>, StepError> {
            let module: Box<dyn WasiModule> = within(compile_limit(), || run.compile())?;
            let command = sample.command();
            check(within(limit(step), || run.run(step, &*module, &command)), command)?;
            Ok(module)
        };
        match step {
            Step::Wasi => {
                let command = sample.command();
                let (ran, _module) = within(limit(step), || run.end_to_end(&command))?;
                check(Ok(ran), command)?;
                Ok(Box::new(move |iters| {
                    time_each(
                        iters,
                        limit(step),
                        || Ok((super::fresh_engine(runtime).map_err(|e| run.fail(step, e))?, sample.command())),
                        |(fresh, command)| {
                            let outcome = WasiRun::new(&*fresh, black_box(sample)).end_to_end(&command);
                            (outcome, command, fresh)
                        },
                        |(outcome, command, _fresh)| check(outcome.map(|(ran, _module)| ran), command),
                    )
                }))
            }
            Step::WasiRun => {
                let module = checked_module()?;
                Ok(Box::new(move |iters| {
                    time_each(
                        iters,
                        limit(step),
                        || Ok(sample.command()),
                        |command| (run.run(step, black_box(&*module), &command), command),
                        |(outcome, command)| check(outcome, command),
                    )
                }))
            }
            Step::Instantiate => {
                let module = checked_module()?;
                Ok(Box::new(move |iters| {
                    time_each(
                        iters,
                        limit(step),
                        || Ok(sample.command()),
                        |command| (module.instantiate(black_box(&command)).map_err(|e| run.fail(step, e)), command),
                        |(instance, _command)| instance.map(drop),
                    )
                }))
            }
            Step::Execute => {
                let module: Box<dyn WasiModule> = within(compile_limit(), || run.compile())?;
                // Each iteration is a whole run; only the marked region counts.
                let marked = move || -> Result<std::time::Duration, StepError> {
                    let command = sample.command();
                    let output = within(limit(step), || run.run(step, &*module, &command))?.output();
                    run.check(step, &output, &command)?;
                    command.markers.measured().map_err(|e| run.fail(step, e))
                };
                marked()?;
                Ok(Box::new(move |iters| (0..iters).map(|_| marked()).sum()))
            }
            other => Err(run.fail(other, anyhow::anyhow!("not a WASI step"))),
        }
    }

    /// The `wasi` bench: every WASI sample compiled (as any module, on every runtime),
    /// instantiated with a WASI context, its marked work (the benchmark protocol) and its
    /// runs end to end and from a compiled module, on every runtime with WASI.
    pub fn bench_wasi() {
        super::super::main("wasi", |suite| {
            let samples = crate::wasi::load_wasi_samples().unwrap_or_else(|e| {
                eprintln!("error: {e:#}");
                std::process::exit(2)
            });
            let as_samples: Vec<crate::sample::Sample> = samples.iter().map(|s| s.as_sample()).collect::<anyhow::Result<_>>().unwrap_or_else(|e| {
                eprintln!("error: {e:#}");
                std::process::exit(2)
            });
            // Not stored: `compile` writes no artifact.
            let store: &'static crate::artifact::ArtifactStore = Box::leak(Box::new(crate::artifact::ArtifactStore::in_project()));
            let sizes: &'static std::path::Path = Box::leak(suite.run_dir().dir.join("aot-sizes.json").into_boxed_path());
            suite.step(Step::Compile, &as_samples, |runtime: &dyn Runtime, sample| {
                super::prepare(Step::Compile, crate::step::Run::new(runtime, sample), store, sizes)
            });
            for step in [Step::Instantiate, Step::Execute, Step::Wasi, Step::WasiRun] {
                suite.step(step, &samples, |runtime: &dyn Runtime, sample| prepare_wasi(step, WasiRun::new(runtime, sample)));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_placements_timed_are_the_middle_half_by_speed() {
        let ms = Duration::from_millis;
        let ranked = vec![(ms(14), "slow"), (ms(7), "fast"), (ms(8), "b"), (ms(9), "c"), (ms(8), "a"), (ms(30), "rare"), (ms(7), "faster"), (ms(9), "d")];
        let mut kept = middle_half(ranked);
        kept.sort();
        assert_eq!(kept, ["a", "b", "c", "d"]);
        assert_eq!(middle_half(vec![(ms(9), "x"), (ms(7), "y"), (ms(8), "z")]).len(), 3);
        assert_eq!(middle_half(vec![(ms(7), "only")]), ["only"]);
    }

    #[test]
    fn a_sample_of_a_long_call_holds_a_call_on_every_placement() {
        assert_eq!(calls_for(1, 4), 4);
        assert_eq!(calls_for(3, 4), 4);
        assert_eq!(calls_for(4, 4), 4);
        assert_eq!(calls_for(10, 4), 10);
        assert_eq!(turns(calls_for(1, 4), 4, 2), (vec![(2, 1), (3, 1), (0, 1), (1, 1)], 2));
    }

    #[test]
    fn calls_are_shared_evenly_in_turns() {
        assert_eq!(turns(10, 4, 0), (vec![(0, 3), (1, 3), (2, 2), (3, 2)], 2));
        assert_eq!(turns(10, 4, 2), (vec![(2, 3), (3, 3), (0, 2), (1, 2)], 0));
        assert_eq!(turns(8, 4, 3), (vec![(3, 2), (0, 2), (1, 2), (2, 2)], 3));
        assert_eq!(turns(5, 1, 0), (vec![(0, 5)], 0));
        // Samples of one call each: every placement in turn.
        let mut next = 0;
        let mut calls = [0u64; 4];
        for _ in 0..10 {
            let (shares, after) = turns(1, 4, next);
            assert_eq!(shares.len(), 1);
            calls[shares[0].0] += shares[0].1;
            next = after;
        }
        assert_eq!(calls, [3, 3, 2, 2]);
    }
}

//! What the suite itself adds to `execute`, on add-one (the cheapest call):
//! - `overhead/add-one/<runtime>/adapter`: the call through the suite's adapter, every
//!   result checked in the loop, exactly as `execute` times it;
//! - `<runtime>/unchecked`: the same calls with the results only passed to `black_box`:
//!   the difference is what checking every iteration costs;
//! - `wasmer.*/direct`: the same call made directly through Wasmer's own typed function;
//! - `lucet/boundary`: one call into the Lucet library that does nothing (the C ABI's cost);
//! - `v8.*/harness`: the V8 harness's empty step, timed in node by the same loop as its
//!   `execute` (what the harness adds to V8's numbers).

use std::hint::black_box;
use std::time::{Duration, Instant};
use wasm_runtime_bench::harness::{self, Timer};
use wasm_runtime_bench::runtime::Runtime;
#[cfg(feature = "lucet")]
use wasm_runtime_bench::runtimes::lucet::Lucet;
#[cfg(feature = "v8")]
use wasm_runtime_bench::runtimes::v8::V8;
#[cfg(any(feature = "wasmer-singlepass", feature = "wasmer-cranelift", feature = "wasmer-llvm"))]
use wasm_runtime_bench::runtimes::wasmer::Wasmer;
use wasm_runtime_bench::sample::{Sample, load_samples};
use wasm_runtime_bench::step::{Run, Step, StepError};
use wasm_runtime_bench::value::Value;

enum Way {
    Adapter(Box<dyn Runtime>),
    Unchecked(Box<dyn Runtime>),
    #[cfg(any(feature = "wasmer-singlepass", feature = "wasmer-cranelift", feature = "wasmer-llvm"))]
    Direct(Wasmer),
    #[cfg(feature = "lucet")]
    Boundary(Lucet),
    #[cfg(feature = "v8")]
    Harness(V8),
}

impl Way {
    fn id(&self) -> String {
        match self {
            Way::Adapter(runtime) => format!("{}/adapter", runtime.name()),
            Way::Unchecked(runtime) => format!("{}/unchecked", runtime.name()),
            #[cfg(any(feature = "wasmer-singlepass", feature = "wasmer-cranelift", feature = "wasmer-llvm"))]
            Way::Direct(wasmer) => format!("{}/direct", wasmer.name()),
            #[cfg(feature = "lucet")]
            Way::Boundary(lucet) => format!("{}/boundary", lucet.name()),
            #[cfg(feature = "v8")]
            Way::Harness(v8) => format!("{}/harness", v8.name()),
        }
    }

    fn runtime(&self) -> &dyn Runtime {
        match self {
            Way::Adapter(runtime) | Way::Unchecked(runtime) => &**runtime,
            #[cfg(any(feature = "wasmer-singlepass", feature = "wasmer-cranelift", feature = "wasmer-llvm"))]
            Way::Direct(wasmer) => wasmer,
            #[cfg(feature = "lucet")]
            Way::Boundary(lucet) => lucet,
            #[cfg(feature = "v8")]
            Way::Harness(v8) => v8,
        }
    }
}

/// The runtimes there is something to compare with: Wasmer (its own typed call), Wasmtime
/// Cranelift (the fastest call, where checking weighs most), Lucet (its C ABI), V8 (its harness).
const COMPARED: [&str; 7] = ["wasmer.singlepass", "wasmer.cranelift", "wasmer.llvm", "wasmtime.cranelift", "lucet", "v8.liftoff", "v8.turbofan"];

/// Each compared runtime through the adapter, checked and unchecked; Wasmer's directly;
/// Lucet's boundary; V8's harness.
fn ways() -> Vec<Way> {
    let mut ways = Vec::new();
    for runtime in wasm_runtime_bench::runtimes::runtimes().into_iter().filter(|r| COMPARED.contains(&r.name())) {
        let reference = match runtime.name() {
            #[cfg(feature = "wasmer-singlepass")]
            "wasmer.singlepass" => Wasmer::singlepass().ok().map(Way::Direct),
            #[cfg(feature = "wasmer-cranelift")]
            "wasmer.cranelift" => Wasmer::cranelift().ok().map(Way::Direct),
            #[cfg(feature = "wasmer-llvm")]
            "wasmer.llvm" => Wasmer::llvm().ok().map(Way::Direct),
            #[cfg(feature = "lucet")]
            "lucet" => Some(Way::Boundary(Lucet)),
            #[cfg(feature = "v8")]
            "v8.liftoff" => V8::liftoff().ok().map(Way::Harness),
            #[cfg(feature = "v8")]
            "v8.turbofan" => V8::turbofan().ok().map(Way::Harness),
            _ => None,
        };
        let (name, timed) = (runtime.name(), runtime.self_timed().is_some());
        ways.push(Way::Adapter(runtime));
        // A runtime that times itself checks its results in its own loop.
        if !timed && let Ok(again) = wasm_runtime_bench::runtimes::runtime(name) {
            ways.push(Way::Unchecked(again));
        }
        ways.extend(reference);
    }
    ways
}

fn main() {
    harness::main("overhead", |suite| {
        let add_one: Vec<Sample> = load_samples().unwrap_or_default().into_iter().filter(|s| s.name == "add-one").collect();
        let skip = |way: &Way, _: &Sample| way.runtime().unsupported(Step::Execute);
        suite.each("overhead", &add_one, &ways(), Way::id, |_, _| false, skip, |way, sample| match way {
            Way::Adapter(runtime) => harness::prepare(Step::Execute, Run::new(&**runtime, sample), &project_store(), std::path::Path::new("")),
            Way::Unchecked(runtime) => unchecked(Run::new(&**runtime, sample)),
            #[cfg(any(feature = "wasmer-singlepass", feature = "wasmer-cranelift", feature = "wasmer-llvm"))]
            Way::Direct(wasmer) => direct(wasmer, sample),
            #[cfg(feature = "v8")]
            Way::Harness(v8) => {
                let run = Run::new(v8, sample);
                v8.noop(1).map_err(|e| run.fail(Step::Execute, e))?;
                Ok(Box::new(move |iters| v8.noop(iters).map_err(|e| run.fail(Step::Execute, e))))
            }
            #[cfg(feature = "lucet")]
            Way::Boundary(lucet) => {
                lucet.cross_boundary().map_err(|e| Run::new(lucet, sample).fail(Step::Execute, e))?;
                Ok(Box::new(move |iters| {
                    let start = Instant::now();
                    for _ in 0..iters {
                        let _ = black_box(lucet.cross_boundary());
                    }
                    Ok(start.elapsed())
                }))
            }
        });
    });
}

/// The project's artifact store (`tmp/`), where `execute` on Wasmer LLVM and lucetc loads
/// its module from (see `steps::prepare`).
fn project_store() -> &'static wasm_runtime_bench::artifact::ArtifactStore {
    static STORE: std::sync::OnceLock<wasm_runtime_bench::artifact::ArtifactStore> = std::sync::OnceLock::new();
    STORE.get_or_init(wasm_runtime_bench::artifact::ArtifactStore::in_project)
}

/// The adapter's calls with the outcomes only passed to `black_box`, nothing compared.
fn unchecked<'a>(run: Run<'a>) -> Result<Timer<'a>, StepError> {
    let mut instance = run.instantiate(&*run.compile()?)?;
    run.check(Step::Execute, run.call(&mut *instance)?)?;
    let args = run.sample.args.clone();
    Ok(Box::new(move |iters| {
        let start = Instant::now();
        for _ in 0..iters {
            let _ = black_box(instance.call(black_box(&args)));
        }
        Ok(start.elapsed())
    }))
}

/// add-one called through Wasmer's own API, as a user of Wasmer would.
#[cfg(any(feature = "wasmer-singlepass", feature = "wasmer-cranelift", feature = "wasmer-llvm"))]
fn direct<'a>(wasmer: &'a Wasmer, sample: &'a Sample) -> Result<Timer<'a>, StepError> {
    use wasmer::{Imports, Instance, Module, Store};
    let run = Run::new(wasmer, sample);
    let setup = || -> anyhow::Result<_> {
        let [Value::I32(arg)] = sample.args[..] else { anyhow::bail!("add-one takes one i32") };
        let module = Module::new(wasmer.engine(), &sample.wasm)?;
        let mut store = Store::new(wasmer.engine().clone());
        let instance = Instance::new(&mut store, &module, &Imports::new())?;
        let add_one = instance.exports.get_typed_function::<i32, i32>(&store, &sample.export.name)?;
        let value = add_one.call(&mut store, arg)?;
        Ok((store, add_one, arg, value))
    };
    let (mut store, add_one, arg, value) = setup().map_err(|e| run.fail(Step::Execute, e))?;
    run.check(Step::Execute, Some(Value::I32(value)))?;
    Ok(Box::new(move |iters| {
        let start = Instant::now();
        for _ in 0..iters {
            let _ = black_box(add_one.call(&mut store, black_box(arg)));
        }
        Ok::<Duration, StepError>(start.elapsed())
    }))
}

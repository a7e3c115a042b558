//! The suite's yardstick: compile, instantiate and one call of each committed sample,
//! through each runtime's own API as its documentation shows it: one engine, no adapter,
//! no Criterion, nothing of the suite's code. Its medians are compared with the suite's
//! (`compile`, `instantiate`, `execute`) in the summary's "Reference check" table, so that
//! an error of the suite's harness, adapters or build (a feature that changes a runtime)
//! shows as a disagreement.
//!
//!   cargo run --release -p wrb-reference -- [--quick | --budget SECS] [--out FILE] [--only TEXT] [--samples A,B] [--ids FILE]
//!
//! Each measurement is the median of repeated timings (per iteration for compile and
//! instantiate; of batches of calls of at least a millisecond for a call), taken for
//! about 2 s (`--quick`: 0.3 s; `--budget`: as given). `--only` keeps the ids that contain
//! the text, `--samples` the samples named, `--ids` the ids listed in the file, one a line
//! (the runner lists those its run measured). Lucet is left out: the suite reaches it through
//! its own C library, which is Lucet's API here; so are V8 and Fizzy (the suite's V8 is
//! measured inside node by the harness, which is the reference itself).

use anyhow::{Context, Result, bail, ensure};
use serde::{Deserialize, Serialize};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Deserialize)]
struct Manifest {
    sample: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    name: String,
    file: String,
    export: Option<String>,
    arg: Option<Arg>,
    expected: Option<Expected>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum Arg {
    I32(i32),
}

#[derive(Deserialize, Clone, Copy, PartialEq, Debug)]
#[serde(rename_all = "lowercase")]
enum Expected {
    I32(i32),
    F64(f64),
}

struct Sample {
    name: String,
    wasm: Vec<u8>,
    export: String,
    arg: i32,
    expected: Expected,
}

#[derive(Serialize)]
struct Measurement {
    id: String,
    median_ns: f64,
}

#[derive(Serialize)]
struct Output {
    quick: bool,
    measurements: Vec<Measurement>,
}

/// How long each measurement takes its timings for.
struct Plan {
    budget: Duration,
}

impl Plan {
    /// The median of `f`'s durations, repeated for the budget (at least 5 times).
    fn each(&self, mut f: impl FnMut() -> Result<Duration>) -> Result<f64> {
        self.median_of(|| Ok(f()?.as_nanos() as f64))
    }

    /// The median of `f`'s nanoseconds, repeated for the budget (at least 5 times).
    fn median_of(&self, mut f: impl FnMut() -> Result<f64>) -> Result<f64> {
        let start = Instant::now();
        let mut times = Vec::new();
        while times.len() < 5 || (start.elapsed() < self.budget && times.len() < 10_000) {
            times.push(f()?);
        }
        Ok(median(times))
    }

    /// The median time of one call, from batches of calls of at least a millisecond.
    fn calls(&self, mut call: impl FnMut() -> Result<Expected>, expected: Expected) -> Result<f64> {
        let mut batch = 1u64;
        loop {
            let start = Instant::now();
            for _ in 0..batch {
                black_box(call()?);
            }
            if start.elapsed() >= Duration::from_millis(1) || batch >= 1 << 24 {
                break;
            }
            batch *= 2;
        }
        self.median_of(|| {
            let start = Instant::now();
            let mut right = true;
            for _ in 0..batch {
                right &= call()? == expected;
            }
            let elapsed = start.elapsed();
            ensure!(right, "a wrong result");
            Ok(elapsed.as_nanos() as f64 / batch as f64)
        })
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 { xs[n / 2] } else { (xs[n / 2 - 1] + xs[n / 2]) / 2.0 }
}

/// What each runtime measures: compile, instantiate, call (each in ns), its result checked.
type Measure = fn(&Sample, &Plan) -> Result<[f64; 3]>;

fn wasmer_engine(name: &str) -> wasmer::Engine {
    let one = std::num::NonZero::new(1).unwrap();
    match name {
        "wasmer.singlepass" => {
            let mut c = wasmer_compiler_singlepass::Singlepass::new();
            c.num_threads(one);
            c.into()
        }
        "wasmer.cranelift" => {
            let mut c = wasmer_compiler_cranelift::Cranelift::new();
            c.num_threads(one);
            c.into()
        }
        _ => {
            let mut c = wasmer_compiler_llvm::LLVM::new();
            c.num_threads(one);
            c.into()
        }
    }
}

fn wasmer(name: &str, sample: &Sample, plan: &Plan) -> Result<[f64; 3]> {
    use wasmer::{Imports, Instance, Module, Store};
    let engine = wasmer_engine(name);
    let compile = plan.each(|| {
        let start = Instant::now();
        let module = Module::new(&engine, &sample.wasm)?;
        let elapsed = start.elapsed();
        drop(module);
        Ok(elapsed)
    })?;
    let module = Module::new(&engine, &sample.wasm)?;
    let instantiate = plan.each(|| {
        let start = Instant::now();
        let mut store = Store::new(engine.clone());
        let instance = Instance::new(&mut store, &module, &Imports::new())?;
        let run = instance.exports.get_function(&sample.export)?.clone();
        let elapsed = start.elapsed();
        drop((run, instance, store));
        Ok(elapsed)
    })?;
    let mut store = Store::new(engine.clone());
    let instance = Instance::new(&mut store, &module, &Imports::new())?;
    let call = match sample.expected {
        Expected::I32(_) => {
            let run = instance.exports.get_typed_function::<i32, i32>(&store, &sample.export)?;
            plan.calls(|| Ok(Expected::I32(run.call(&mut store, black_box(sample.arg))?)), sample.expected)?
        }
        Expected::F64(_) => {
            let run = instance.exports.get_typed_function::<i32, f64>(&store, &sample.export)?;
            plan.calls(|| Ok(Expected::F64(run.call(&mut store, black_box(sample.arg))?)), sample.expected)?
        }
    };
    Ok([compile, instantiate, call])
}

fn wasmtime(name: &str, sample: &Sample, plan: &Plan) -> Result<[f64; 3]> {
    use wasmtime::{Config, Engine, Instance, Module, Store, Strategy};
    let mut config = Config::new();
    match name {
        "wasmtime.winch" => {
            config.strategy(Strategy::Winch);
        }
        "wasmtime.pulley" => {
            config.target("pulley64")?;
        }
        _ => {
            config.strategy(Strategy::Cranelift);
        }
    }
    let engine = Engine::new(&config)?;
    let compile = plan.each(|| {
        let start = Instant::now();
        let module = Module::new(&engine, &sample.wasm)?;
        let elapsed = start.elapsed();
        drop(module);
        Ok(elapsed)
    })?;
    let module = Module::new(&engine, &sample.wasm)?;
    let instantiate = plan.each(|| {
        let start = Instant::now();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let run = instance.get_func(&mut store, &sample.export).context("no export")?;
        let elapsed = start.elapsed();
        drop((run, store));
        Ok(elapsed)
    })?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let call = match sample.expected {
        Expected::I32(_) => {
            let run = instance.get_typed_func::<i32, i32>(&mut store, &sample.export)?;
            plan.calls(|| Ok(Expected::I32(run.call(&mut store, black_box(sample.arg))?)), sample.expected)?
        }
        Expected::F64(_) => {
            let run = instance.get_typed_func::<i32, f64>(&mut store, &sample.export)?;
            plan.calls(|| Ok(Expected::F64(run.call(&mut store, black_box(sample.arg))?)), sample.expected)?
        }
    };
    Ok([compile, instantiate, call])
}

fn wasmi(name: &str, sample: &Sample, plan: &Plan) -> Result<[f64; 3]> {
    use wasmi::{CompilationMode, Config, Engine, Instance, Module, Store};
    let mut config = Config::default();
    config.compilation_mode(if name == "wasmi.eager" { CompilationMode::Eager } else { CompilationMode::LazyTranslation });
    let engine = Engine::new(&config);
    let compile = plan.each(|| {
        let start = Instant::now();
        let module = Module::new(&engine, &sample.wasm)?;
        let elapsed = start.elapsed();
        drop(module);
        Ok(elapsed)
    })?;
    let module = Module::new(&engine, &sample.wasm)?;
    let instantiate = plan.each(|| {
        let start = Instant::now();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let run = instance.get_func(&store, &sample.export).context("no export")?;
        let elapsed = start.elapsed();
        drop((run, store));
        Ok(elapsed)
    })?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let call = match sample.expected {
        Expected::I32(_) => {
            let run = instance.get_typed_func::<i32, i32>(&store, &sample.export)?;
            plan.calls(|| Ok(Expected::I32(run.call(&mut store, black_box(sample.arg))?)), sample.expected)?
        }
        Expected::F64(_) => {
            let run = instance.get_typed_func::<i32, f64>(&store, &sample.export)?;
            plan.calls(|| Ok(Expected::F64(run.call(&mut store, black_box(sample.arg))?)), sample.expected)?
        }
    };
    Ok([compile, instantiate, call])
}

fn tinywasm(_: &str, sample: &Sample, plan: &Plan) -> Result<[f64; 3]> {
    use tinywasm::types::WasmValue;
    use tinywasm::{ModuleInstance, Store};
    let parse = |wasm: &[u8]| tinywasm::parse_bytes(wasm).map_err(|e| anyhow::anyhow!("{e}"));
    let compile = plan.each(|| {
        let start = Instant::now();
        let module = parse(&sample.wasm)?;
        let elapsed = start.elapsed();
        drop(module);
        Ok(elapsed)
    })?;
    let module = parse(&sample.wasm)?;
    let instantiate = plan.each(|| {
        let start = Instant::now();
        let mut store = Store::default();
        let instance = ModuleInstance::instantiate(&mut store, &module, None).map_err(|e| anyhow::anyhow!("{e}"))?;
        let run = instance.func_untyped(&store, &sample.export).map_err(|e| anyhow::anyhow!("{e}"))?;
        let elapsed = start.elapsed();
        drop((run, store));
        Ok(elapsed)
    })?;
    let mut store = Store::default();
    let instance = ModuleInstance::instantiate(&mut store, &module, None).map_err(|e| anyhow::anyhow!("{e}"))?;
    let run = instance.func_untyped(&store, &sample.export).map_err(|e| anyhow::anyhow!("{e}"))?;
    let call = plan.calls(
        || match run.call(&mut store, &[WasmValue::I32(black_box(sample.arg))]).map_err(|e| anyhow::anyhow!("{e}"))?.as_slice() {
            [WasmValue::I32(v)] => Ok(Expected::I32(*v)),
            [WasmValue::F64(v)] => Ok(Expected::F64(*v)),
            other => bail!("results {other:?}"),
        },
        sample.expected,
    )?;
    Ok([compile, instantiate, call])
}

fn stitch(_: &str, sample: &Sample, plan: &Plan) -> Result<[f64; 3]> {
    use makepad_stitch::{Engine, Linker, Module, Store, Val};
    let engine = Engine::new();
    let compile = plan.each(|| {
        let start = Instant::now();
        let module = Module::new(&engine, &sample.wasm)?;
        let elapsed = start.elapsed();
        drop(module);
        Ok(elapsed)
    })?;
    let module = Module::new(&engine, &sample.wasm)?;
    let instantiate = plan.each(|| {
        let start = Instant::now();
        let mut store = Store::new(engine.clone());
        let instance = Linker::new().instantiate(&mut store, &module)?;
        let run = instance.exported_func(&sample.export).context("no export")?;
        let elapsed = start.elapsed();
        drop((run, store));
        Ok(elapsed)
    })?;
    let mut store = Store::new(engine.clone());
    let instance = Linker::new().instantiate(&mut store, &module)?;
    let run = instance.exported_func(&sample.export).context("no export")?;
    let slot = match sample.expected {
        Expected::I32(_) => Val::I32(0),
        Expected::F64(_) => Val::F64(0.0),
    };
    let call = plan.calls(
        || {
            let mut result = [slot];
            run.call(&mut store, &[Val::I32(black_box(sample.arg))], &mut result)?;
            match result[0] {
                Val::I32(v) => Ok(Expected::I32(v)),
                Val::F64(v) => Ok(Expected::F64(v)),
                other => bail!("result {other:?}"),
            }
        },
        sample.expected,
    )?;
    Ok([compile, instantiate, call])
}

/// wasm3: a parsed module is consumed by loading it, so compile is the parse and
/// instantiate a new runtime, a new parse, the load and the export's lookup.
fn wasm3(_: &str, sample: &Sample, plan: &Plan) -> Result<[f64; 3]> {
    use wasm3::Environment;
    let env = Environment::new().map_err(|e| anyhow::anyhow!("{e}"))?;
    let err = |e: wasm3::error::Error| anyhow::anyhow!("{e}");
    let compile = plan.each(|| {
        let start = Instant::now();
        let parsed = env.parse_module(sample.wasm.as_slice()).map_err(err)?;
        let elapsed = start.elapsed();
        drop(parsed);
        Ok(elapsed)
    })?;
    let instantiate = plan.each(|| {
        let start = Instant::now();
        let runtime = env.create_runtime(64 * 1024).map_err(err)?;
        runtime.load_module(env.parse_module(sample.wasm.as_slice()).map_err(err)?).map_err(err)?;
        let elapsed = match sample.expected {
            Expected::I32(_) => runtime.find_function::<i32, i32>(&sample.export).map(|_| start.elapsed()),
            Expected::F64(_) => runtime.find_function::<i32, f64>(&sample.export).map(|_| start.elapsed()),
        }
        .map_err(err)?;
        drop(runtime);
        Ok(elapsed)
    })?;
    let runtime = env.create_runtime(64 * 1024).map_err(err)?;
    runtime.load_module(env.parse_module(sample.wasm.as_slice()).map_err(err)?).map_err(err)?;
    let call = match sample.expected {
        Expected::I32(_) => {
            let run = runtime.find_function::<i32, i32>(&sample.export).map_err(err)?;
            plan.calls(|| Ok(Expected::I32(run.call(black_box(sample.arg)).map_err(err)?)), sample.expected)?
        }
        Expected::F64(_) => {
            let run = runtime.find_function::<i32, f64>(&sample.export).map_err(err)?;
            plan.calls(|| Ok(Expected::F64(run.call(black_box(sample.arg)).map_err(err)?)), sample.expected)?
        }
    };
    Ok([compile, instantiate, call])
}

/// WAMR through its public API: `wasm_runtime_load`, `wasm_runtime_instantiate` with an
/// execution environment, `wasm_runtime_call_wasm` (which in this 2020 WAMR looks up the
/// calling thread's stack bounds on every call).
fn wamr(_: &str, sample: &Sample, plan: &Plan) -> Result<[f64; 3]> {
    use std::ffi::{CString, c_char};
    use wamr_sys::*;
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| unsafe {
        assert!(wasm_runtime_init());
    });
    let mut error = [0 as c_char; 128];
    let message = |error: &[c_char]| unsafe { std::ffi::CStr::from_ptr(error.as_ptr()) }.to_string_lossy().into_owned();
    let mut wasm = sample.wasm.clone();
    let compile = plan.each(|| {
        let start = Instant::now();
        let module = unsafe { wasm_runtime_load(wasm.as_mut_ptr(), wasm.len() as u32, error.as_mut_ptr(), error.len() as u32) };
        let elapsed = start.elapsed();
        ensure!(!module.is_null(), "{}", message(&error));
        unsafe { wasm_runtime_unload(module) };
        Ok(elapsed)
    })?;
    let module = unsafe { wasm_runtime_load(wasm.as_mut_ptr(), wasm.len() as u32, error.as_mut_ptr(), error.len() as u32) };
    ensure!(!module.is_null(), "{}", message(&error));
    let name = CString::new(sample.export.as_str())?;
    let instantiate = plan.each(|| unsafe {
        let start = Instant::now();
        let inst = wasm_runtime_instantiate(module, 64 * 1024, 0, error.as_mut_ptr(), error.len() as u32);
        ensure!(!inst.is_null(), "{}", message(&error));
        let env = wasm_runtime_create_exec_env(inst, 64 * 1024);
        let function = wasm_runtime_lookup_function(inst, name.as_ptr(), std::ptr::null());
        let elapsed = start.elapsed();
        ensure!(!env.is_null() && !function.is_null(), "no execution environment or export");
        wasm_runtime_destroy_exec_env(env);
        wasm_runtime_deinstantiate(inst);
        Ok(elapsed)
    })?;
    let (inst, env, function) = unsafe {
        let inst = wasm_runtime_instantiate(module, 64 * 1024, 0, error.as_mut_ptr(), error.len() as u32);
        ensure!(!inst.is_null(), "{}", message(&error));
        (inst, wasm_runtime_create_exec_env(inst, 64 * 1024), wasm_runtime_lookup_function(inst, name.as_ptr(), std::ptr::null()))
    };
    let call = plan.calls(
        || {
            let mut argv = [black_box(sample.arg) as u32, 0u32];
            ensure!(unsafe { wasm_runtime_call_wasm(env, function, 1, argv.as_mut_ptr()) }, "the call failed");
            Ok(match sample.expected {
                Expected::I32(_) => Expected::I32(argv[0] as i32),
                Expected::F64(_) => Expected::F64(f64::from_bits(u64::from(argv[0]) | u64::from(argv[1]) << 32)),
            })
        },
        sample.expected,
    )?;
    unsafe {
        wasm_runtime_destroy_exec_env(env);
        wasm_runtime_deinstantiate(inst);
        wasm_runtime_unload(module);
    }
    drop(wasm);
    Ok([compile, instantiate, call])
}

// wamr-sys links `libiwasm.so` and `libvmlib.a` built from the same sources; naming the
// static library here bundles it first, so nothing is looked up at run time (as the suite does).
#[link(name = "vmlib", kind = "static")]
unsafe extern "C" {}

const RUNTIMES: &[(&str, fn(&str, &Sample, &Plan) -> Result<[f64; 3]>)] = &[
    ("wasmer.singlepass", wasmer),
    ("wasmer.cranelift", wasmer),
    ("wasmer.llvm", wasmer),
    ("wasmtime.cranelift", wasmtime),
    ("wasmtime.winch", wasmtime),
    ("wasmtime.pulley", wasmtime),
    ("wasmi.eager", wasmi),
    ("wasmi.lazy", wasmi),
    ("tinywasm", tinywasm),
    ("stitch", stitch),
    ("wasm3", wasm3),
    ("wamr", wamr),
];

#[allow(dead_code)]
const _: Option<Measure> = None;

fn samples(manifest: &Path) -> Result<Vec<Sample>> {
    let text = std::fs::read_to_string(manifest).with_context(|| format!("reading {}", manifest.display()))?;
    let manifest_dir = manifest.parent().unwrap_or(Path::new("."));
    let entries: Manifest = toml::from_str(&text)?;
    entries
        .sample
        .into_iter()
        .filter_map(|e| Some((e.arg?, e.expected?, e.name, e.file, e.export)))
        .map(|(Arg::I32(arg), expected, name, file, export)| {
            Ok(Sample { wasm: std::fs::read(manifest_dir.join(&file))?, name, export: export.unwrap_or_else(|| "run".into()), arg, expected })
        })
        .collect()
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut budget, mut out, mut only, mut names) = (2.0, None, None, None::<Vec<String>>);
    let mut wanted = None::<std::collections::BTreeSet<String>>;
    let quick = std::env::args().any(|a| a == "--quick");
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => budget = 0.3,
            "--budget" => budget = args.next().context("--budget SECS")?.parse()?,
            "--out" => out = Some(PathBuf::from(args.next().context("--out FILE")?)),
            "--only" => only = Some(args.next().context("--only TEXT")?),
            "--samples" => names = Some(args.next().context("--samples A,B")?.split(',').map(str::to_string).collect()),
            "--ids" => {
                let file = PathBuf::from(args.next().context("--ids FILE")?);
                let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
                wanted = Some(text.lines().map(str::to_string).collect());
            }
            other => bail!("unknown argument `{other}`; takes --quick, --budget SECS, --out FILE, --only TEXT, --samples A,B, --ids FILE"),
        }
    }
    let plan = Plan { budget: Duration::from_secs_f64(budget) };
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/manifest.toml");
    let mut measurements = Vec::new();
    for sample in samples(&manifest)?.into_iter().filter(|s| names.as_ref().is_none_or(|n| n.contains(&s.name))) {
        for (runtime, measure) in RUNTIMES {
            let ids = ["compile", "instantiate", "execute"].map(|step| format!("{step}/{}/{runtime}", sample.name));
            let unwanted = wanted.as_ref().is_some_and(|wanted| !ids.iter().any(|id| wanted.contains(id)));
            if unwanted || only.as_ref().is_some_and(|only| !ids.iter().any(|id| id.contains(only.as_str()))) {
                continue;
            }
            // A runtime that cannot run a sample (a proposal it lacks, a known bug) is not measured.
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| measure(runtime, &sample, &plan))) {
                Ok(Ok(medians)) => {
                    for (id, median_ns) in ids.into_iter().zip(medians) {
                        println!("{id}\t{median_ns:.1} ns");
                        measurements.push(Measurement { id, median_ns });
                    }
                }
                Ok(Err(e)) => eprintln!("{}/{runtime}: not measured: {e:#}", sample.name),
                Err(_) => eprintln!("{}/{runtime}: not measured: it panicked", sample.name),
            }
        }
    }
    let output = serde_json::to_vec_pretty(&Output { quick, measurements })?;
    match out {
        Some(path) => std::fs::write(&path, output).with_context(|| format!("writing {}", path.display()))?,
        None => eprintln!("(no --out: the measurements are only printed)"),
    }
    Ok(())
}

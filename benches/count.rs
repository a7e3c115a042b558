//! Instruction counts, where time cannot be trusted (a noisy machine): `execute` and
//! `instantiate` of each sample on each runtime, counted by Valgrind's callgrind, which
//! gives the same count run after run. `./suite count [FILTER]` runs it (under `cargo
//! bench` it does nothing, unless `WRB_COUNT` is set): each (step, sample, runtime) is a
//! process of its own under `valgrind --tool=callgrind --toggle-collect=wrb_counted
//! --smc-check=all` (JIT code needs the self-modifying-code checks), which counts only what
//! runs inside `wrb_counted`: the runtime's call (or instantiation), nothing of the setup.
//! A runtime with AOT artifacts loads one compiled beforehand in a child under `valgrind
//! --tool=none` (no counting, a few times faster than callgrind): under Valgrind the CPU
//! reports other features, and runtimes such as Wasmtime key and check their artifacts by
//! them, so an artifact compiled outside Valgrind is not one the counted child may load.
//! The others compile inside the counted child, outside the counted function. Counts go to
//! the run's `counts.json` (instructions per iteration, `COUNTED` iterations), which the
//! summary shows.

use std::hint::black_box;
use std::process::Command;
use wasm_runtime_bench::artifact::ArtifactStore;
use wasm_runtime_bench::harness::Selection;
use wasm_runtime_bench::harness::run::RunDir;
use wasm_runtime_bench::runtimes::{runtime, runtimes};
use wasm_runtime_bench::runtime::Runtime;
use wasm_runtime_bench::sample::{Sample, load_samples};
use std::path::Path;
use wasm_runtime_bench::step::{Run, Step};

/// Iterations counted per process (the count is divided by them).
const COUNTED: u64 = 10;

/// Everything that runs inside this function, and only that, is counted.
#[inline(never)]
#[unsafe(no_mangle)]
pub fn wrb_counted(work: &mut dyn FnMut()) {
    work();
}

/// The child, under Valgrind: one step of one sample on one runtime.
fn count_one(spec: &str) -> anyhow::Result<()> {
    let [step, sample, runtime_name, store] = spec.split('\t').collect::<Vec<_>>()[..] else { anyhow::bail!("bad spec {spec}") };
    let runtime = runtime(runtime_name)?;
    let sample = load_samples()?.into_iter().find(|s| s.name == sample).ok_or_else(|| anyhow::anyhow!("no sample {sample}"))?;
    let run = Run::new(&*runtime, &sample);
    let store = ArtifactStore::new(store);
    if step == "aot_compile" {
        return run.aot_compile(&store).map(drop).map_err(|e| anyhow::anyhow!("{e}"));
    }
    let module = if runtime.unsupported(Step::AotExecute).is_none() {
        run.aot_verify(&store).map_err(|e| anyhow::anyhow!("{e}"))?.load(&*runtime)?
    } else {
        run.compile().map_err(|e| anyhow::anyhow!("{e}"))?
    };
    let mut instance = run.instantiate(&*module).map_err(|e| anyhow::anyhow!("{e}"))?;
    run.check(Step::Execute, run.call(&mut *instance).map_err(|e| anyhow::anyhow!("{e}"))?).map_err(|e| anyhow::anyhow!("{e}"))?;
    match step {
        "execute" => {
            for _ in 0..COUNTED {
                let mut outcome = None;
                wrb_counted(&mut || outcome = Some(instance.call(black_box(&sample.args))));
                run.check(Step::Execute, outcome.expect("called")?).map_err(|e| anyhow::anyhow!("{e}"))?;
            }
        }
        "instantiate" => {
            for _ in 0..COUNTED {
                let mut made = None;
                wrb_counted(&mut || made = Some(module.instantiate(black_box(&sample.export))));
                drop(made.expect("instantiated")?);
            }
        }
        other => anyhow::bail!("no step {other} to count"),
    }
    Ok(())
}

/// The instructions callgrind counted (its `summary:` line).
fn read_count(file: &std::path::Path) -> Option<u64> {
    std::fs::read_to_string(file).ok()?.lines().find_map(|l| l.strip_prefix("summary: "))?.split_whitespace().next()?.parse().ok()
}

fn main() {
    if let Ok(spec) = std::env::var("WRB_COUNT_ONE") {
        if let Err(e) = count_one(&spec) {
            eprintln!("WRB-COUNT-ERROR: {}", format!("{e:#}").replace('\n', " "));
            std::process::exit(3);
        }
        return;
    }
    // `cargo bench` runs every bench target: this one only counts when asked to.
    if std::env::var_os("WRB_COUNT").is_none() {
        return;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let selection = Selection::from_args(&args);
    let run = RunDir::current().unwrap_or_else(|e| panic!("recording the run: {e:#}"));
    let scratch = tempfile::tempdir().expect("a scratch directory");
    let store = ArtifactStore::new(scratch.path().join("store"));
    let samples = load_samples().unwrap_or_else(|e| panic!("{e:#}"));
    // A filtered count adds to (or replaces) the counts the run already has.
    let file = run.dir.join("counts.json");
    let mut counts: serde_json::Map<String, serde_json::Value> =
        std::fs::read(&file).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or_default();
    for sample in &samples {
        for runtime in runtimes() {
            let skip = runtime
                .unsupported(Step::Execute)
                .or_else(|| runtime.cannot_run(&sample.name, &sample.proposals))
                .or_else(|| sample.skip(Step::Execute))
                .or_else(|| runtime.uncountable());
            let ids: Vec<(&str, String, Option<String>)> = [("instantiate", Step::Instantiate), ("execute", Step::Execute)]
                .into_iter()
                .map(|(name, step)| (name, format!("{name}/{}/{}", sample.name, runtime.name()), runtime.unsupported(step).or_else(|| sample.skip(step))))
                .filter(|(_, id, _)| selection.selects(id))
                .collect();
            if ids.is_empty() {
                continue;
            }
            // Compiled once for both steps, uncounted, where the runtime can store its code.
            let compiled = match &skip {
                Some(reason) => Err(serde_json::json!({ "skipped": reason })),
                None if runtime.unsupported(Step::AotCompile).is_none() => {
                    in_valgrind(&["--tool=none"], "aot_compile", sample, &*runtime, &store).map_err(|error| serde_json::json!({ "error": error }))
                }
                None => Ok(()),
            };
            for (step, id, step_skip) in ids {
                let entry = match (&compiled, step_skip) {
                    (Err(entry), _) => entry.clone(),
                    (Ok(()), Some(reason)) => serde_json::json!({ "skipped": reason }),
                    (Ok(()), None) => count_in_valgrind(step, sample, &*runtime, &store, scratch.path()),
                };
                eprintln!("count {id}: {entry}");
                counts.insert(id, entry);
            }
        }
    }
    let mut partial = tempfile::NamedTempFile::new_in(&run.dir).expect("a file in the run's directory");
    std::io::Write::write_all(&mut partial, &serde_json::to_vec_pretty(&counts).unwrap()).expect("writing the counts");
    partial.persist(&file).unwrap_or_else(|e| panic!("writing {}: {e}", file.display()));
    eprintln!("count: wrote {}", file.display());
}

/// Counts `step` of `sample` on `runtime` in a child under callgrind: its count per
/// iteration, or the error.
fn count_in_valgrind(step: &str, sample: &Sample, runtime: &dyn Runtime, store: &ArtifactStore, scratch: &Path) -> serde_json::Value {
    let out = scratch.join(format!("{step}_{}_{}.callgrind", sample.name, runtime.name()));
    let tool = ["--tool=callgrind".to_string(), "--toggle-collect=wrb_counted".to_string(), format!("--callgrind-out-file={}", out.display())];
    match in_valgrind(&tool, step, sample, runtime, store).map(|()| read_count(&out)) {
        Ok(Some(count)) => serde_json::json!({ "instructions": count / COUNTED, "iterations": COUNTED }),
        Ok(None) => serde_json::json!({ "error": format!("callgrind wrote no count to {}", out.display()) }),
        Err(error) => serde_json::json!({ "error": error }),
    }
}

/// Runs `step` of `sample` on `runtime` in a child of this executable under Valgrind with `tool` options.
fn in_valgrind(tool: &[impl AsRef<std::ffi::OsStr>], step: &str, sample: &Sample, runtime: &dyn Runtime, store: &ArtifactStore) -> Result<(), String> {
    let output = Command::new("valgrind")
        .args(tool)
        .args(["--smc-check=all", "--error-exitcode=0"])
        .arg(std::env::current_exe().expect("this executable"))
        .env("WRB_COUNT_ONE", format!("{step}\t{}\t{}\t{}", sample.name, runtime.name(), store.dir().display()))
        .output()
        .map_err(|e| format!("starting valgrind: {e} (./suite setup installs it)"))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let error = stderr.lines().find_map(|l| l.strip_prefix("WRB-COUNT-ERROR: ")).map(str::to_string);
    Err(error.unwrap_or_else(|| format!("{step} under Valgrind ({}): {}", output.status, stderr.lines().rev().find(|l| !l.is_empty()).unwrap_or(""))))
}

//! Memory: for each sample on each runtime, in a fresh process of its own, what compiling
//! costs at its peak, what the compiled module keeps, what one more instance costs (over
//! 100 instances, 10 with `--quick`), what a loaded AOT artifact keeps, and the peak during
//! one call (`wasm_runtime_bench::memory`). Written to the run's `memory.json`; the summary
//! shows it. Each measurement of a sample under 1 MiB is taken twice (once with `--quick`),
//! in two processes, and both are kept, so that their agreement shows. Ids `memory/<sample>/<runtime>`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use wasm_runtime_bench::artifact::ArtifactStore;
use wasm_runtime_bench::harness::run::{Event, FailKind, RunDir, now};
use wasm_runtime_bench::harness::{LARGE_MODULE_BYTES, Mode, Selection, supervise, watchdog};
use wasm_runtime_bench::memory::{CountingAllocator, INSTANCES, Measured, QUICK_INSTANCES, Record, measure};
use wasm_runtime_bench::runtimes::{runtime, runtimes};
use wasm_runtime_bench::sample::{Sample, load_samples};
use wasm_runtime_bench::step::Step;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const CHILD: &str = "WRB_MEMORY_CHILD";

fn samples() -> Vec<Sample> {
    load_samples().unwrap_or_else(|e| {
        eprintln!("error: {e:#}");
        std::process::exit(2)
    })
}

/// The child: one measurement, printed as a JSON line.
fn child(task: &str) -> ! {
    let mut fields = task.split('\t');
    let (Some(runtime_name), Some(sample_name), Some(Ok(instances))) = (fields.next(), fields.next(), fields.next().map(str::parse)) else {
        panic!("{CHILD}: runtime<TAB>sample<TAB>instances")
    };
    let outcome = runtime(runtime_name).and_then(|runtime| {
        let sample = samples().into_iter().find(|s| s.name == sample_name).ok_or_else(|| anyhow::anyhow!("no sample {sample_name}"))?;
        let store = ArtifactStore::new(tempfile::tempdir()?.keep());
        measure(&*runtime, &sample, &store, instances)
    });
    match outcome {
        Ok(measured) => println!("WRB-MEMORY: {}", serde_json::to_string(&measured).unwrap()),
        Err(e) => println!("WRB-MEMORY-ERROR: {}", format!("{e:#}").replace('\n', " ")),
    }
    std::process::exit(0)
}

/// One measurement in a fresh process, ended if it runs past `limit`.
fn in_fresh_process(runtime: &str, sample: &str, instances: usize, limit: Duration) -> Result<Measured, String> {
    let mut command = Command::new(std::env::current_exe().map_err(|e| e.to_string())?);
    let mut process = supervise::fixed_layout(supervise::dies_with_parent(&mut command))
        .env(CHILD, format!("{runtime}\t{sample}\t{instances}"))
        .env("GLIBC_TUNABLES", wasm_runtime_bench::memory::MALLOC_TUNABLES)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let start = Instant::now();
    while process.try_wait().map_err(|e| e.to_string())?.is_none() {
        if start.elapsed() > limit {
            let _ = process.kill();
            return Err(format!("did not finish within {} s", limit.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = process.wait_with_output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    for line in stdout.lines() {
        if let Some(json) = line.strip_prefix("WRB-MEMORY: ") {
            return serde_json::from_str(json).map_err(|e| e.to_string());
        }
        if let Some(error) = line.strip_prefix("WRB-MEMORY-ERROR: ") {
            return Err(error.to_string());
        }
    }
    Err(format!("the measuring process ended with {}", supervise::describe(output.status)))
}

fn main() {
    if let Ok(task) = std::env::var(CHILD) {
        child(&task);
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let selection = Selection::from_args(&args);
    let run = RunDir::current().unwrap_or_else(|e| {
        eprintln!("wrb: cannot record this run: {e:#}");
        std::process::exit(2)
    });
    let session = format!("memory-{}", std::process::id());
    let limit = watchdog::compile_limit() + watchdog::call_limit() * 2;
    let instances = if selection.quick { QUICK_INSTANCES } else { INSTANCES };
    let mut records = Vec::new();
    let mut failures = 0;
    // One-iteration checks (`--test`) measure add-one only, once.
    let samples: Vec<Sample> = samples().into_iter().filter(|s| selection.mode != Mode::Test || s.name == "add-one").collect();
    for sample in &samples {
        for runtime in runtimes() {
            let id = format!("memory/{}/{}", sample.name, runtime.name());
            if !selection.selects(&id) {
                continue;
            }
            let skip = sample
                .skip(Step::Compile)
                .or_else(|| runtime.unsupported(Step::Compile))
                .or_else(|| runtime.cannot_run(&sample.name, &sample.proposals))
                .or_else(|| runtime.self_timed().map(|_| format!("{} runs in its own process (node), which the suite does not measure", runtime.name())));
            if let Some(reason) = skip {
                eprintln!("{id}: skipped: {reason}");
                let _ = run.record(&Event::Skip { id, reason });
                continue;
            }
            match selection.mode {
                Mode::List => {
                    println!("{id}: benchmark");
                    let _ = run.record(&Event::Listed { id, expected_secs: 2.0 });
                    continue;
                }
                Mode::Profile => continue,
                Mode::Test | Mode::Benchmark => {}
            }
            let started = now();
            let _ = run.record(&Event::Start { id: id.clone(), session: session.clone(), pid: std::process::id(), t: started });
            let first = in_fresh_process(runtime.name(), &sample.name, instances, limit);
            let repeat = (selection.mode == Mode::Benchmark && !selection.quick && sample.wasm.len() < LARGE_MODULE_BYTES)
                .then(|| in_fresh_process(runtime.name(), &sample.name, instances, limit));
            let error = first.as_ref().err().or_else(|| repeat.as_ref().and_then(|r| r.as_ref().err())).cloned();
            match &error {
                None => {
                    eprintln!("{id}: measured");
                    let _ = run.record(&Event::Ok { id: id.clone(), session: session.clone(), t: now(), secs: now() - started, median_ns: None });
                }
                Some(error) => {
                    failures += 1;
                    eprintln!("FAILED {id}: {error}");
                    let error = format!("sample `{}` on runtime `{}` failed at memory: {error}", sample.name, runtime.name());
                    let _ = run.record(&Event::Fail { id: id.clone(), session: session.clone(), t: now(), kind: FailKind::Failed, error });
                }
            }
            records.push(Record { runtime: runtime.name().into(), sample: sample.name.clone(), first: first.ok(), repeat: repeat.and_then(Result::ok), error });
        }
    }
    if selection.mode == Mode::Benchmark && !records.is_empty() {
        let file = run.dir.join("memory.json");
        if let Err(e) = std::fs::write(&file, serde_json::to_vec_pretty(&records).unwrap()) {
            eprintln!("wrb: writing {}: {e}", file.display());
            std::process::exit(1);
        }
        eprintln!("memory: wrote {}", file.display());
    }
    std::process::exit(i32::from(failures > 0));
}

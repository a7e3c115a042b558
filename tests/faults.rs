//! A crash or a runaway guest loses one benchmark, not the bench: this test runs itself as
//! a bench binary (the `execute` step over a manifest of its own, on wasmi), kills that
//! bench's process with SIGKILL while one benchmark runs, lets another benchmark's guest
//! loop forever, and checks that the bench recorded the crash and the time limit, ran
//! every other benchmark, exited non-zero, and that the summary of the run shows each.
//! (`harness = false`: its `main` is both the test and, run again, the bench.)

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use wasm_runtime_bench::harness::run::{Event, FailKind, RunDir, outcomes, read_events};
use wasm_runtime_bench::report::results::collect;

const ROLE: &str = "WRB_FAULTS_ROLE";

fn wat_file(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), wat::parse_str(text).unwrap()).unwrap();
}

/// A manifest outside the repository: a fine sample, one that runs for a while (the one
/// killed), one that never ends, and another fine one.
fn manifest(dir: &Path) -> PathBuf {
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/add-one.wasm"), dir.join("add-one.wasm")).unwrap();
    wat_file(dir, "slow.wasm", r#"(module (func (export "run") (param i32) (result i32) (local i32)
        (loop local.get 1 i32.const 1 i32.add local.tee 1 local.get 0 i32.lt_u br_if 0) local.get 1))"#);
    wat_file(dir, "hang.wasm", r#"(module (func (export "run") (param i32) (result i32) (loop br 0) unreachable))"#);
    let manifest = dir.join("manifest.toml");
    std::fs::write(
        &manifest,
        r#"
[[sample]]
name = "add-one"
file = "add-one.wasm"
arg = { i32 = 41 }
expected = { i32 = 42 }

[[sample]]
name = "slow"
file = "slow.wasm"
arg = { i32 = 2000000000 }
expected = { i32 = 2000000000 }

[[sample]]
name = "hang"
file = "hang.wasm"
arg = { i32 = 1 }
expected = { i32 = 1 }

[[sample]]
name = "add-one-again"
file = "add-one.wasm"
arg = { i32 = 1 }
expected = { i32 = 2 }
"#,
    )
    .unwrap();
    manifest
}

fn main() {
    if std::env::var(ROLE).is_ok_and(|r| r == "bench") {
        wasm_runtime_bench::harness::steps::bench(wasm_runtime_bench::step::Step::Execute);
        return;
    }
    // libtest's arguments (a filter, --list, ...): this file is one test.
    if std::env::args().any(|a| a == "--list") {
        println!("faults: test");
        return;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("faults");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let criterion = dir.join("criterion");
    let run_id = format!("faults-{}", std::process::id());
    let mut bench = Command::new(std::env::current_exe().unwrap())
        .args(["--bench", "--warm-up-time", "0.1", "--measurement-time", "0.3", "--noplot", "/wasmi.eager$"])
        .env(ROLE, "bench")
        .env("WRB_SAMPLES", manifest(&dir))
        .env("WRB_RUN_ID", &run_id)
        .env("CRITERION_HOME", &criterion)
        .env("WRB_TIME_LIMIT", "3")
        .env_remove("WRB_SESSION")
        .spawn()
        .unwrap();
    let run = RunDir { id: run_id.clone(), dir: criterion.join("runs").join(&run_id) };
    // Kill the bench process while `slow` runs.
    let start = Instant::now();
    let killed = loop {
        let started = read_events(&run.events_file()).into_iter().find_map(|e| match e {
            Event::Start { id, pid, .. } if id == "execute/slow/wasmi.eager" => Some(pid),
            _ => None,
        });
        if let Some(pid) = started {
            std::thread::sleep(Duration::from_millis(200));
            assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGKILL) }, 0, "killing the bench process {pid}");
            break pid;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "`slow` never started");
        std::thread::sleep(Duration::from_millis(20));
    };
    let status = bench.wait().unwrap();
    assert_eq!(status.code(), Some(1), "the bench exits non-zero after a failure");
    let events = run.events();
    let last = outcomes(&events);
    let kind = |id: &str| match &last[id] {
        Event::Ok { .. } => "ok".to_string(),
        Event::Fail { kind, error, .. } => format!("{kind:?}: {error}"),
        other => format!("{other:?}"),
    };
    assert_eq!(kind("execute/add-one/wasmi.eager"), "ok");
    assert!(kind("execute/slow/wasmi.eager").starts_with("Crashed: crashed: the bench process ended with signal 9"), "{}", kind("execute/slow/wasmi.eager"));
    assert!(kind("execute/hang/wasmi.eager").starts_with("Timeout: "), "{}", kind("execute/hang/wasmi.eager"));
    assert!(kind("execute/hang/wasmi.eager").ends_with("did not finish within 3 s"), "{}", kind("execute/hang/wasmi.eager"));
    assert_eq!(kind("execute/add-one-again/wasmi.eager"), "ok", "the bench went on after the crash and the time limit");
    // Three processes: the first (killed), the second (ended by the watchdog), the last.
    let pids: std::collections::BTreeSet<u32> = events.iter().filter_map(|e| if let Event::Start { pid, .. } = e { Some(*pid) } else { None }).collect();
    assert_eq!(pids.len(), 3, "{pids:?}");
    assert!(pids.contains(&killed));
    assert!(matches!(&last["execute/hang/wasmi.eager"], Event::Fail { kind: FailKind::Timeout, .. }));
    // The summary: numbers for the two that ran, the crash and the time limit for the others.
    let results = collect(&run, &criterion, None).unwrap();
    assert!(results.benchmarks.contains_key("execute/add-one/wasmi.eager"));
    assert!(results.benchmarks.contains_key("execute/add-one-again/wasmi.eager"));
    assert!(results.failures["execute/slow/wasmi.eager"].starts_with("crashed: "), "{:?}", results.failures);
    assert!(results.failures["execute/hang/wasmi.eager"].starts_with("timed out: "), "{:?}", results.failures);
    println!("faults: ok (killed {killed}; {} events)", events.len());
}

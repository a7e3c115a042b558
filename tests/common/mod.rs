//! What the test files share: taking turns, the runtimes of a step, scratch directories,
//! WAT, checks of a step error's naming, and running a case in a child process.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};
use wasm_runtime_bench::runtime::Runtime;
use wasm_runtime_bench::runtimes::runtimes;
use wasm_runtime_bench::step::{Step, StepError};

/// Tests take turns: Lucet installs its signal handlers for the length of each call and
/// restores the ones it found, which must not race with another runtime's first use.
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub fn runtimes_for(step: Step) -> Vec<Box<dyn Runtime>> {
    let supporting: Vec<_> = runtimes().into_iter().filter(|r| r.unsupported(step).is_none()).collect();
    assert!(!supporting.is_empty(), "no runtime in this build supports {step}");
    supporting
}

/// A fresh, empty directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn wat(text: &str) -> Vec<u8> {
    wat::parse_str(text).expect("test module is valid text")
}

pub fn assert_names(err: &StepError, sample: &str, runtime: &str, step: Step, cause: &str) {
    let message = err.to_string();
    assert_eq!((err.sample.as_str(), err.runtime, err.step), (sample, runtime, step), "{message}");
    for part in [sample, runtime, step.id(), cause] {
        assert!(message.to_lowercase().contains(&part.to_lowercase()), "`{message}` should mention `{part}`");
    }
}

/// How a case run in a child process ended.
#[derive(Debug)]
pub struct ChildOutcome {
    /// The lines the child printed after `WRB-CHILD: `.
    pub lines: Vec<String>,
    pub stderr: String,
    /// `None`: killed by a signal (or by the parent, past `limit`).
    pub code: Option<i32>,
    pub killed_by_parent: bool,
}

/// Runs the test `entry` of this test binary in a child process, with `env` set; the child
/// is killed if it runs past `limit`. The entry does its work when `WRB_CHILD_CASE` is set
/// and prints what it finds on lines starting `WRB-CHILD: `.
pub fn in_child(entry: &str, env: &[(&str, &str)], limit: Duration) -> ChildOutcome {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args(["--exact", entry, "--nocapture", "--test-threads", "1"]);
    wasm_runtime_bench::harness::supervise::dies_with_parent(&mut command);
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let start = Instant::now();
    let mut killed_by_parent = false;
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            killed_by_parent = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    ChildOutcome {
        // libtest may print `test name ... ` on the same line first.
        lines: stdout.lines().filter_map(|l| l.split_once("WRB-CHILD: ")).map(|(_, rest)| rest.to_string()).collect(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code(),
        killed_by_parent,
    }
}

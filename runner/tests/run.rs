//! `wrb-run` end to end, with stand-in bench executables (shell scripts that write the
//! run's record the way the real benches do): the plan, the progress lines, the recap and
//! the exit code, in the plain output a CI log gets (no terminal: no escape codes).

use std::path::Path;
use std::process::Command;

/// A stand-in bench: lists `ids` (and one skip) under `--list`; otherwise "measures" each,
/// failing `fail` if it is one of them.
fn fake_bench(dir: &Path, name: &str, ids: &[&str], fail: Option<&str>) -> std::path::PathBuf {
    let script = format!(
        r#"#!/usr/bin/env bash
events="$CRITERION_HOME/runs/$WRB_RUN_ID/events.jsonl"
if [[ " $* " == *" --list "* ]]; then
  for id in {ids}; do echo "{{\"ev\":\"listed\",\"id\":\"$id\",\"expected_secs\":0.2}}" >> "$events"; done
  echo '{{"ev":"skip","id":"aot_compile/add-one/{name}","reason":"{name} is an interpreter"}}' >> "$events"
  exit 0
fi
echo {name} >> "$CRITERION_HOME/runs/$WRB_RUN_ID/order"
for id in {ids}; do
  echo "{{\"ev\":\"start\",\"id\":\"$id\",\"t\":1}}" >> "$events"
  echo "Benchmarking $id (Criterion's own output)"
  sleep 0.2
  if [ "$id" = "{fail}" ]; then
    echo "{{\"ev\":\"fail\",\"id\":\"$id\",\"t\":2,\"error\":\"wrong result: got 3, expected 8\"}}" >> "$events"
  else
    echo "{{\"ev\":\"ok\",\"id\":\"$id\",\"t\":2,\"secs\":0.2}}" >> "$events"
  fi
done
"#,
        ids = ids.join(" "),
        fail = fail.unwrap_or("-"),
    );
    let path = dir.join(name);
    std::fs::write(&path, script).unwrap();
    Command::new("chmod").arg("+x").arg(&path).status().unwrap();
    path
}

/// A stand-in report: a `summary.json` with one interval.
fn fake_report(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("report");
    std::fs::write(
        &path,
        "#!/usr/bin/env bash\n\
         echo report >> \"$CRITERION_HOME/runs/$WRB_RUN_ID/order\"\n\
         echo '{\"benchmarks\":[{\"id\":\"execute/add-one/alpha\",\"half_width_pct\":1.5}]}' > \"$CRITERION_HOME/runs/$WRB_RUN_ID/summary.json\"\n",
    )
    .unwrap();
    Command::new("chmod").arg("+x").arg(&path).status().unwrap();
    path
}

fn run(dir: &Path, fail: Option<&str>, extra: &[&str]) -> (std::process::Output, std::path::PathBuf) {
    let criterion = dir.join("criterion");
    let alpha = fake_bench(dir, "alpha", &["compile/add-one/alpha", "execute/add-one/alpha"], None);
    let beta = fake_bench(dir, "beta", &["compile/fib/beta", "execute/fib/beta", "jit/fib/beta"], fail);
    let output = Command::new(env!("CARGO_BIN_EXE_wrb-run"))
        .args(["--run-id", "test-run", "--criterion"])
        .arg(&criterion)
        .args(extra)
        .arg("--bench")
        .arg(alpha)
        .arg("--bench")
        .arg(beta)
        .arg("--report")
        .arg(fake_report(dir))
        .env("WRB_PROGRESS_SECS", "0.2")
        .output()
        .unwrap();
    (output, criterion.join("runs/test-run"))
}

#[test]
fn a_run_shows_its_plan_progress_and_recap_in_plain_lines() {
    let dir = tempfile::tempdir().unwrap();
    let (output, run_dir) = run(dir.path(), None, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "escape codes in a plain log:\n{stderr}");
    assert!(stderr.contains("wrb: 5 benchmarks"), "{stderr}");
    assert!(stderr.contains("by step:    compile 2, execute 2, jit 1"), "{stderr}");
    assert!(stderr.contains("by runtime: alpha 2, beta 3"), "{stderr}");
    assert!(stderr.contains("1 x alpha is an interpreter (e.g. aot_compile/add-one/alpha)"), "{stderr}");
    // Progress lines for the whole run, not per bench executable.
    let progress: Vec<&str> = stderr.lines().filter(|l| l.starts_with('[')).collect();
    assert!(progress.iter().any(|l| l.contains("/5] ") && l.contains(" elapsed, ~")), "{stderr}");
    assert!(progress.iter().any(|l| l.contains("beta")), "no progress line during the second bench:\n{stderr}");
    assert!(stderr.contains("5 benchmarks reported a number, 0 failed, 2 skipped"), "{stderr}");
    assert!(stderr.contains("1.5%  execute/add-one/alpha"), "{stderr}");
    // Criterion's output is kept, in the run's bench.log, not on the terminal.
    assert!(!stderr.contains("Criterion's own output"));
    let log = std::fs::read_to_string(run_dir.join("bench.log")).unwrap();
    assert!(log.contains("Benchmarking jit/fib/beta (Criterion's own output)"), "{log}");
    // The summary is written after every bench of the run (./suite bench passes the WASI
    // package's benches as --bench too).
    assert_eq!(std::fs::read_to_string(run_dir.join("order")).unwrap(), "alpha\nbeta\nreport\n");
}

#[test]
fn a_failed_benchmark_is_listed_and_fails_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let (output, _) = run(dir.path(), Some("execute/fib/beta"), &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("4 benchmarks reported a number, 1 failed, 2 skipped"), "{stderr}");
    assert!(stderr.contains("FAILED execute/fib/beta: wrong result: got 3, expected 8"), "{stderr}");
}

#[test]
fn verbose_shows_criterions_own_output() {
    let dir = tempfile::tempdir().unwrap();
    let (output, _) = run(dir.path(), None, &["--verbose"]);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("Benchmarking execute/add-one/alpha (Criterion's own output)"));
}

#[test]
fn the_reference_measures_only_what_the_run_gave_a_number() {
    let dir = tempfile::tempdir().unwrap();
    // A stand-in reference: keeps the ids it was asked for.
    let reference = dir.path().join("reference");
    let asked = dir.path().join("asked");
    let script = format!("#!/usr/bin/env bash\nwhile [ $# -gt 0 ]; do [ \"$1\" = --ids ] && cp \"$2\" {}; shift; done\n", asked.display());
    std::fs::write(&reference, script).unwrap();
    Command::new("chmod").arg("+x").arg(&reference).status().unwrap();
    let (output, _) = run(dir.path(), Some("execute/fib/beta"), &["--reference", reference.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let asked = std::fs::read_to_string(asked).expect("the reference got --ids");
    assert_eq!(asked.lines().collect::<Vec<_>>(), ["compile/add-one/alpha", "compile/fib/beta", "execute/add-one/alpha", "jit/fib/beta"]);
}

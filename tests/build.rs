//! How the suite is built: each runtime with the features its own embedders would use in
//! the steps that are not WASI, and the summary written after every step.

use std::process::Command;

fn cargo(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap();
    assert!(output.status.success(), "cargo {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// The features cargo turns on for `package` in the build of `selected` (one package's
/// build: cargo unifies features across the packages of one invocation).
fn features(selected: &str, package: &str) -> Vec<String> {
    let tree = cargo(&["tree", "--offline", "-p", selected, "-e", "features", "-i", package, "--prefix", "none", "--format", "{p} {f}"]);
    let first = tree.lines().next().unwrap_or_default();
    first.split_once(' ').map(|(_, f)| f.split(',').map(str::to_string).collect()).unwrap_or_default()
}

#[test]
fn the_steps_build_each_runtime_without_what_wasi_turns_on() {
    // wasmer-wasix turns on Wasmer's experimental-async (22 ns more per call of add-one),
    // wasmtime-wasi Wasmtime's async and component-model: only in the WASI package's build.
    let wasmer = features("wasm-runtime-bench", "wasmer@7.4.2");
    assert!(!wasmer.is_empty(), "no Wasmer in the build");
    assert!(!wasmer.iter().any(|f| f == "experimental-async"), "{wasmer:?}");
    let wasmtime = features("wasm-runtime-bench", "wasmtime@48.0.0");
    assert!(!wasmtime.iter().any(|f| f == "async" || f == "component-model"), "{wasmtime:?}");
    // The WASI package does have them: the check sees what it should.
    let wasi = features("wasm-runtime-bench-wasi", "wasmer@7.4.2");
    assert!(wasi.iter().any(|f| f == "experimental-async"), "{wasi:?}");
}

#[test]
fn the_reference_builds_the_runtimes_as_the_steps_do() {
    for runtime in ["wasmer@7.4.2", "wasmtime@48.0.0", "wasmi@2.0.0"] {
        assert_eq!(features("wrb-reference", runtime), features("wasm-runtime-bench", runtime), "{runtime}");
    }
}

#[test]
fn the_report_runs_after_every_step() {
    // cargo runs a package's bench targets in the order of their names: `report` is last.
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    let benches: Vec<&str> =
        manifest.split("[[bench]]").skip(1).filter_map(|b| b.lines().find_map(|l| l.strip_prefix("name = ")).map(|n| n.trim_matches('"'))).collect();
    assert_eq!(benches.iter().max(), Some(&"report"), "{benches:?}");
    // ./suite bench hands the WASI package's benches to the runner with the others, and the
    // report after them; the runner runs the report after every bench (runner/tests/run.rs).
    let suite = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/suite")).unwrap();
    let bench = &suite[suite.find("run_bench() {").unwrap()..];
    let (wasi, report) = (bench.find("bench_executables wasm-runtime-bench-wasi").unwrap(), bench.find("--report \"$report\"").unwrap());
    assert!(wasi < report, "the summary must come after the WASI step");
}

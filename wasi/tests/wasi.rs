//! WASI on every runtime with WASI: the expected output, the sandbox (only the preopened
//! directory, no environment), bad modules, wrong output, the benchmark protocol's markers.

use wasm_runtime_bench::runtime::Runtime;
use wasm_runtime_bench::step::{Step, WasiRun};
use wasm_runtime_bench::wasi::{WasiOutput, WasiSample, load_wasi_samples};

#[path = "../../tests/common/mod.rs"]
mod common;
use common::{assert_names, runtimes_for, serial};

fn wasi_samples() -> Vec<WasiSample> {
    let samples = load_wasi_samples().expect("the WASI samples of samples/manifest.toml load");
    assert!(!samples.is_empty());
    samples
}

/// Every runtime that runs WASI commands (native included) and can run the WASI samples
/// (the proposals they need), and the sandboxes among them.
fn wasi_runtimes() -> Vec<Box<dyn Runtime>> {
    let samples = wasi_samples();
    // A runtime that times itself (V8) runs WASI only inside its own process: its sandbox
    // is checked by src/runtimes/v8/harness.test.mjs, its output by the benches.
    runtimes_for(Step::WasiRun)
        .into_iter()
        .filter(|r| r.self_timed().is_none() && samples.iter().all(|s| r.cannot_run(&s.name, &s.proposals).is_none()))
        .collect()
}

fn sandboxes() -> Vec<Box<dyn Runtime>> {
    let sandboxes: Vec<_> = wasi_runtimes().into_iter().filter(|r| r.name() != "native").collect();
    assert!(!sandboxes.is_empty(), "no runtime with WASI in this build");
    sandboxes
}

/// Runs `sample` with other arguments on `runtime`.
fn run_wasi_with(runtime: &dyn Runtime, sample: &WasiSample, args: &[&str]) -> WasiOutput {
    let run = WasiRun::new(runtime, sample);
    let module = run.compile().unwrap_or_else(|e| panic!("{e}"));
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let command = wasm_runtime_bench::wasi::WasiCommand { args: &args, ..sample.command() };
    module.run(&command).unwrap_or_else(|e| panic!("{}: {e:#}", runtime.name())).output()
}

#[test]
fn every_wasi_runtime_prints_the_expected_output() {
    let _turn = serial();
    // The committed WASI samples are WebAssembly 1.0: every runtime with WASI runs them.
    let with_wasi: Vec<_> = runtimes_for(Step::WasiRun).into_iter().filter(|r| r.self_timed().is_none()).map(|r| r.name()).collect();
    assert_eq!(wasi_runtimes().iter().map(|r| r.name()).collect::<Vec<_>>(), with_wasi);
    for runtime in wasi_runtimes() {
        for sample in &wasi_samples() {
            let run = WasiRun::new(&*runtime, sample);
            let module = run.compile().unwrap_or_else(|e| panic!("{e}"));
            // Twice on one module: every run gets a new instance and WASI context.
            for _ in 0..2 {
                let command = sample.command();
                let output = run.run(Step::WasiRun, &*module, &command).unwrap_or_else(|e| panic!("{e}")).output();
                run.check(Step::WasiRun, &output, &command).unwrap_or_else(|e| panic!("{e}"));
            }
            if runtime.unsupported(Step::Wasi).is_none() {
                let fresh = runtime.renew().unwrap();
                let run = WasiRun::new(&*fresh, sample);
                let command = sample.command();
                let output = run.end_to_end(&command).unwrap_or_else(|e| panic!("{e}")).0.output();
                run.check(Step::Wasi, &output, &command).unwrap_or_else(|e| panic!("{e}"));
            }
        }
    }
}

#[test]
fn a_guest_cannot_read_outside_its_preopened_directory() {
    let _turn = serial();
    let sample = &wasi_samples()[0];
    // Both exist on the host: the expected output beside the preopened directory, and /etc/hostname.
    assert!(sample.preopen.join("../wordfreq.stdout").exists());
    for runtime in sandboxes() {
        for path in ["/input/../wordfreq.stdout", "/etc/hostname", "../wordfreq.stdout"] {
            let output = run_wasi_with(&*runtime, sample, &[path]);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.exit_code, 1, "{}: reading {path} should fail; stderr {stderr:?}", runtime.name());
            assert!(output.stdout.is_empty(), "{}: {path}", runtime.name());
            assert!(stderr.contains(&format!("cannot read {path}")), "{}: {stderr}", runtime.name());
        }
        // Inside the directory, the same command works.
        let output = run_wasi_with(&*runtime, sample, &["/input/licenses.txt"]);
        assert_eq!((output.exit_code, Some(output.stdout)), (0, sample.expected_stdout.clone()), "{}", runtime.name());
    }
}

#[test]
fn a_guest_sees_none_of_the_hosts_environment() {
    let _turn = serial();
    assert!(std::env::var_os("PATH").is_some(), "the test process has an environment to leak");
    for runtime in wasi_runtimes() {
        let output = run_wasi_with(&*runtime, &wasi_samples()[0], &["--environment"]);
        assert_eq!(output.exit_code, 0, "{}", runtime.name());
        assert_eq!(String::from_utf8_lossy(&output.stdout), "", "{}", runtime.name());
    }
}

#[test]
fn a_malformed_wasi_module_fails_at_the_wasi_step_naming_sample_and_runtime() {
    let _turn = serial();
    let mut sample = wasi_samples().remove(0);
    sample.wasm.truncate(sample.wasm.len() / 2);
    for runtime in sandboxes() {
        let err = WasiRun::new(&*runtime, &sample).end_to_end(&sample.command()).map(|_| ()).unwrap_err();
        assert_names(&err, "wordfreq", runtime.name(), Step::Wasi, "compiling");
    }
}

#[test]
fn a_wrong_wasi_output_is_a_failure_of_the_step() {
    let _turn = serial();
    let sample = &wasi_samples()[0];
    for runtime in wasi_runtimes() {
        let output = run_wasi_with(&*runtime, sample, &["/input/missing.txt"]);
        let err = WasiRun::new(&*runtime, sample).check(Step::WasiRun, &output, &sample.command()).unwrap_err();
        assert_names(&err, "wordfreq", runtime.name(), Step::WasiRun, "wrong output: exit code 1");
    }
}

/// A command in the benchmark protocol (Sightglass's): reads `default.input` from its
/// working directory, marks the read with `bench.start`/`bench.end` (`calls` of each, in
/// the order given), prints what it read.
fn protocol_command(dir: &std::path::Path, name: &str, marks: &str) -> std::path::PathBuf {
    let wat = format!(
        r#"(module
        (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
        (import "bench" "start" (func $start))
        (import "bench" "end" (func $end))
        (memory (export "memory") 1)
        (data (i32.const 0) "default.input")
        (func (export "_start") (local $dir i32)
            ;; The preopened directory is the first descriptor from 3 on that opens the file
            ;; (runtimes number their preopens differently).
            (local.set $dir (i32.const 3))
            (block $opened (loop $next
                (br_if $opened (i32.eqz (call $path_open (local.get $dir) (i32.const 0) (i32.const 0) (i32.const 13) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 100))))
                (local.set $dir (i32.add (local.get $dir) (i32.const 1)))
                (br_if $next (i32.lt_u (local.get $dir) (i32.const 32)))
                unreachable))
            (i32.store (i32.const 200) (i32.const 1024))
            (i32.store (i32.const 204) (i32.const 4096))
            {marks}
            (call $fd_read (i32.load (i32.const 100)) (i32.const 200) (i32.const 1) (i32.const 300))
            if unreachable end
            call $end
            (i32.store (i32.const 204) (i32.load (i32.const 300)))
            (call $fd_write (i32.const 1) (i32.const 200) (i32.const 1) (i32.const 304))
            drop))"#
    );
    let file = dir.join(format!("{name}.wasm"));
    std::fs::write(&file, wat::parse_str(&wat).unwrap()).unwrap();
    file
}

#[test]
fn the_benchmark_protocol_times_the_marked_work_and_checks_the_output() {
    let _turn = serial();
    use wasm_runtime_bench::harness::steps::prepare_wasi;
    use wasm_runtime_bench::wasi::load_wasi_manifest;
    let dir = common::scratch("protocol");
    std::fs::write(dir.join("default.input"), "the input of the benchmark\n").unwrap();
    protocol_command(&dir, "benchmark", "call $start");
    std::fs::write(dir.join("benchmark.stdout.expected"), "the input of the benchmark\n").unwrap();
    protocol_command(&dir, "wrong", "call $start");
    std::fs::write(dir.join("wrong.stdout.expected"), "something else\n").unwrap();
    protocol_command(&dir, "twice", "call $start call $start");
    protocol_command(&dir, "never", "");
    let manifest = dir.join("manifest.toml");
    let entry = |name: &str| format!("[[wasi]]\nname = \"{name}\"\nfile = \"{name}.wasm\"\nguest_dir = \".\"\n");
    std::fs::write(&manifest, ["benchmark", "wrong", "twice", "never"].map(entry).join("\n")).unwrap();
    let samples = load_wasi_manifest(&manifest).unwrap();
    let sample = |name: &str| samples.iter().find(|s| s.name == name).unwrap();
    assert!(sample("benchmark").markers && sample("benchmark").expected_stdout.is_some());
    for runtime in sandboxes().into_iter().filter(|r| r.self_timed().is_none()) {
        let name = runtime.name();
        let mut timer = prepare_wasi(Step::Execute, WasiRun::new(&*runtime, sample("benchmark"))).unwrap_or_else(|e| panic!("{e}"));
        let marked = timer(3).unwrap_or_else(|e| panic!("{e}"));
        assert!(marked > std::time::Duration::ZERO, "{name}");
        let wrong = prepare_wasi(Step::Execute, WasiRun::new(&*runtime, sample("wrong"))).err().expect("wrong output");
        assert_names(&wrong, "wrong", name, Step::Execute, "wrong output");
        // `start` twice: the second one's `end` is missing too; the misuse is named.
        let twice = prepare_wasi(Step::Execute, WasiRun::new(&*runtime, sample("twice"))).err().expect("misuse");
        assert!(twice.to_string().contains("bench.start twice"), "{name}: {twice}");
        let never = prepare_wasi(Step::Execute, WasiRun::new(&*runtime, sample("never"))).err().expect("misuse");
        assert!(never.to_string().contains("bench.end without bench.start"), "{name}: {never}");
        // And the whole run, and an instantiation alone, of the same command.
        for step in [Step::Instantiate, Step::WasiRun, Step::Wasi] {
            let mut timer = prepare_wasi(step, WasiRun::new(&*runtime, sample("benchmark"))).unwrap_or_else(|e| panic!("{step} {e}"));
            timer(2).unwrap_or_else(|e| panic!("{step} {e}"));
        }
    }
}

//! Correctness of every runtime on every sample, through every path it supports, and
//! clear errors (sample, runtime, step) for bad input and bad artifacts.

use std::path::PathBuf;
use wasm_runtime_bench::artifact::{ArtifactStore, SizeRecord, read_sizes, record_size};
use wasm_runtime_bench::runtime::Runtime;
use wasm_runtime_bench::runtimes::{native, runtimes};
use wasm_runtime_bench::sample::{Sample, load_samples};
use wasm_runtime_bench::step::{Run, Step, StepError, WasiRun};
use wasm_runtime_bench::value::Value;
use wasm_runtime_bench::wasi::{WasiOutput, WasiSample, load_wasi_samples};

/// Tests take turns: Lucet installs its signal handlers for the length of each call and
/// restores the ones it found, which must not race with another runtime's first use.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn samples() -> Vec<Sample> {
    load_samples().expect("samples/manifest.toml and its .wasm files load")
}

fn runtimes_for(step: Step) -> Vec<Box<dyn Runtime>> {
    let supporting: Vec<_> = runtimes().into_iter().filter(|r| r.unsupported(step).is_none()).collect();
    assert!(!supporting.is_empty(), "no runtime in this build supports {step}");
    supporting
}

/// The samples `runtime` can run: not those needing a proposal it lacks, nor its known failures.
fn samples_for(runtime: &dyn Runtime) -> Vec<Sample> {
    samples().into_iter().filter(|s| runtime.cannot_run(&s.name, &s.proposals).is_none()).collect()
}

fn wasm_runtimes() -> Vec<Box<dyn Runtime>> {
    runtimes_for(Step::Jit)
}

fn aot_runtimes() -> Vec<Box<dyn Runtime>> {
    runtimes_for(Step::AotCompile)
}

/// A fresh, empty directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn wat(text: &str) -> Vec<u8> {
    wat::parse_str(text).expect("test module is valid text")
}

fn assert_names(err: &StepError, sample: &str, runtime: &str, step: Step, cause: &str) {
    let message = err.to_string();
    assert_eq!((err.sample.as_str(), err.runtime, err.step), (sample, runtime, step), "{message}");
    for part in [sample, runtime, step.id(), cause] {
        assert!(message.to_lowercase().contains(&part.to_lowercase()), "`{message}` should mention `{part}`");
    }
}

#[test]
fn manifest_expected_values_are_what_native_code_computes() {
    let _turn = serial();
    for sample in samples() {
        let native_fn = native::function(&sample.name).unwrap_or_else(|| panic!("{} has no native twin", sample.name));
        assert_eq!(native_fn(sample.arg), Some(sample.expected), "sample {}", sample.name);
    }
}

#[test]
fn every_runtime_executes_every_sample_correctly() {
    let _turn = serial();
    for runtime in runtimes_for(Step::Execute) {
        for sample in &samples_for(&*runtime) {
            let run = Run::new(&*runtime, sample);
            let mut instance = run.instantiate(&*run.compile().unwrap()).unwrap();
            for _ in 0..3 {
                run.check(Step::Execute, run.call(&mut *instance).unwrap()).unwrap();
            }
        }
    }
}

#[test]
fn every_runtime_gives_the_expected_result_through_jit() {
    let _turn = serial();
    for runtime in wasm_runtimes() {
        for sample in &samples_for(&*runtime) {
            // Benches compile on a renewed runtime (a fresh engine); it must work the same.
            let fresh = runtime.renew();
            for runtime in [&*runtime, &*fresh] {
                let run = Run::new(runtime, sample);
                let (value, _instance) = run.jit().unwrap_or_else(|e| panic!("{e}"));
                run.check(Step::Jit, value).unwrap();
            }
        }
    }
}

#[test]
fn every_sample_a_runtime_cannot_run_really_fails_on_it() {
    let _turn = serial();
    let mut skipped = 0;
    for runtime in wasm_runtimes() {
        for sample in &samples() {
            let Some(reason) = runtime.cannot_run(&sample.name, &sample.proposals) else { continue };
            skipped += 1;
            let run = Run::new(&*runtime, sample);
            let outcome = run.jit().and_then(|(value, _instance)| run.check(Step::Jit, value));
            assert!(outcome.is_err(), "{} runs {} correctly, yet says: {reason}", runtime.name(), sample.name);
        }
    }
    assert!(skipped > 0 || wasm_runtimes().len() < 10, "no runtime skips a sample: is this a full build?");
}

#[test]
fn proposals_are_found_by_validation() {
    use wasm_runtime_bench::proposal::Proposal;
    let mvp = wat("(module (func (export \"run\") (param i32) (result i32) local.get 0))");
    assert_eq!(Proposal::needed_by(&mvp), []);
    let bulk = wat("(module (memory 1) (func (export \"run\") (param i32) (result i32) (memory.fill (i32.const 0) (i32.const 1) (i32.const 2)) local.get 0))");
    assert_eq!(Proposal::needed_by(&bulk), [Proposal::BulkMemory]);
    let sign = wat("(module (func (export \"run\") (param i32) (result i32) (i32.extend8_s (local.get 0))))");
    assert_eq!(Proposal::needed_by(&sign), [Proposal::SignExtension]);
}

#[test]
fn one_module_instantiates_many_times() {
    let _turn = serial();
    for runtime in runtimes_for(Step::Instantiate) {
        for sample in &samples_for(&*runtime) {
            let run = Run::new(&*runtime, sample);
            let module = run.compile().unwrap();
            let mut instances: Vec<_> = (0..4).map(|_| run.instantiate(&*module).unwrap()).collect();
            for instance in &mut instances {
                run.check(Step::Instantiate, run.call(&mut **instance).unwrap()).unwrap();
            }
        }
    }
}

#[test]
fn every_runtime_round_trips_through_an_aot_artifact() {
    let _turn = serial();
    let store = ArtifactStore::new(scratch("aot-round-trip"));
    for runtime in runtimes_for(Step::AotCompile) {
        for sample in &samples_for(&*runtime) {
            let run = Run::new(&*runtime, sample);
            let (artifact, _) = run.aot_compile(&store).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(std::fs::metadata(&artifact.path).unwrap().len(), artifact.bytes);
            assert!(artifact.path.starts_with(store.path(&*runtime, sample).parent().unwrap()));
            let (value, _instance) = run.aot_execute(&store).unwrap_or_else(|e| panic!("{e}"));
            run.check(Step::AotExecute, value).unwrap();
        }
    }
}

#[test]
fn a_malformed_module_fails_at_compile_naming_sample_runtime_and_step() {
    let _turn = serial();
    let mut bytes = samples()[0].wasm.clone();
    bytes.truncate(bytes.len() / 2);
    for wasm in [b"\0asm\x01\0\0\0\x01\xffgarbage".to_vec(), b"not wasm at all".to_vec(), bytes] {
        let sample = Sample::new("malformed", wasm, "run", Value::I32(1), Value::I32(2));
        for runtime in wasm_runtimes() {
            let err = Run::new(&*runtime, &sample).jit().err().expect("malformed wasm is refused");
            assert_names(&err, "malformed", runtime.name(), Step::Compile, "");
        }
    }
}

#[test]
fn a_missing_export_fails_at_instantiate() {
    let _turn = serial();
    let add_one = samples().into_iter().find(|s| s.name == "add-one").unwrap();
    let sample = Sample::new("no-such-export", add_one.wasm, "nope", Value::I32(1), Value::I32(2));
    for runtime in wasm_runtimes() {
        let err = Run::new(&*runtime, &sample).jit().err().expect("a missing export is refused");
        assert_names(&err, "no-such-export", runtime.name(), Step::Instantiate, "nope");
    }
}

#[test]
fn an_export_of_another_signature_fails_at_instantiate() {
    let _turn = serial();
    let add_one = samples().into_iter().find(|s| s.name == "add-one").unwrap();
    let sample = Sample::new("wrong-signature", add_one.wasm, "run", Value::I32(1), Value::F64(2.0));
    for runtime in wasm_runtimes() {
        let err = Run::new(&*runtime, &sample).jit().err().expect("a mismatched signature is refused");
        assert_names(&err, "wrong-signature", runtime.name(), Step::Instantiate, "run");
    }
}

#[test]
fn a_trap_fails_at_execute_and_the_instance_stays_usable() {
    let _turn = serial();
    let trapping = wat(r#"(module (func (export "run") (param i32) (result i32)
        local.get 0
        i32.eqz
        if unreachable end
        i32.const 100
        local.get 0
        i32.div_s))"#);
    let traps = Sample::new("trapping", trapping.clone(), "run", Value::I32(0), Value::I32(0));
    let fine = Sample::new("trapping", trapping, "run", Value::I32(5), Value::I32(20));
    for runtime in wasm_runtimes() {
        let err = Run::new(&*runtime, &traps).jit().err().expect("the trap is reported");
        assert_names(&err, "trapping", runtime.name(), Step::Execute, "unreachable");
        let run = Run::new(&*runtime, &fine);
        let mut instance = run.instantiate(&*run.compile().unwrap()).unwrap();
        assert!(instance.call(Value::I32(0)).is_err());
        assert_eq!(instance.call(Value::I32(5)).unwrap(), Value::I32(20), "{}", runtime.name());
    }
}

#[test]
fn a_wrong_result_is_a_failure_of_the_step() {
    let _turn = serial();
    let fibonacci = samples().into_iter().find(|s| s.name == "fibonacci").unwrap();
    let sample = Sample::new("fibonacci", fibonacci.wasm, "run", fibonacci.arg, Value::I32(10945));
    for runtime in wasm_runtimes() {
        let run = Run::new(&*runtime, &sample);
        let err = run.check(Step::Jit, run.jit().unwrap().0).unwrap_err();
        assert_names(&err, "fibonacci", runtime.name(), Step::Jit, "wrong result: got 10946_i32, expected 10945_i32");
    }
}

/// Writes a good artifact, spoils it with `spoil`, and checks that loading refuses it
/// with a message containing `reason`.
fn assert_refused(name: &str, reason: &str, spoil: impl Fn(&ArtifactStore, &dyn Runtime, &Sample)) {
    let store = ArtifactStore::new(scratch(name));
    let sample = samples().into_iter().find(|s| s.name == "fibonacci").unwrap();
    for runtime in aot_runtimes() {
        let run = Run::new(&*runtime, &sample);
        run.aot_compile(&store).unwrap();
        spoil(&store, &*runtime, &sample);
        let err = run.aot_execute(&store).err().expect("a spoiled artifact is refused");
        assert_names(&err, "fibonacci", runtime.name(), Step::AotExecute, reason);
    }
}

#[test]
fn a_truncated_artifact_is_refused() {
    let _turn = serial();
    assert_refused("truncated", "no seal", |store, runtime, sample| {
        let path = store.path(runtime, sample);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    });
}

#[test]
fn an_artifact_with_a_flipped_byte_is_refused() {
    let _turn = serial();
    assert_refused("flipped", "checksum does not match", |store, runtime, sample| {
        let path = store.path(runtime, sample);
        let mut bytes = std::fs::read(&path).unwrap();
        let middle = bytes.len() / 3;
        bytes[middle] ^= 0x40;
        std::fs::write(&path, bytes).unwrap();
    });
}

#[test]
fn another_runtimes_artifact_is_refused() {
    let _turn = serial();
    let runtimes = aot_runtimes();
    assert!(runtimes.len() >= 2, "needs two wasm runtimes");
    assert_refused("foreign", "written by runtime", |store, runtime, sample| {
        let other = runtimes.iter().find(|r| r.name() != runtime.name()).unwrap();
        let run = Run::new(&**other, sample);
        let (artifact, _) = run.aot_compile(store).unwrap();
        std::fs::copy(artifact.path, store.path(runtime, sample)).unwrap();
    });
}

#[test]
fn an_artifact_of_other_wasm_bytes_is_never_loaded() {
    let _turn = serial();
    let store = ArtifactStore::new(scratch("stale"));
    let samples = samples();
    let (fibonacci, add_one) = (&samples[1], &samples[0]);
    for runtime in aot_runtimes() {
        let (artifact, _) = Run::new(&*runtime, add_one).aot_compile(&store).unwrap();
        // New bytes get their own path, so the old artifact is neither loaded nor overwritten...
        let changed = Sample::new("add-one", fibonacci.wasm.clone(), "run", fibonacci.arg, fibonacci.expected);
        assert_ne!(store.path(&*runtime, &changed), artifact.path);
        assert!(Run::new(&*runtime, &changed).aot_execute(&store).is_err());
        // ...and a file copied over that path is refused by its seal.
        std::fs::copy(&artifact.path, store.path(&*runtime, &changed)).unwrap();
        let err = Run::new(&*runtime, &changed).aot_execute(&store).err().expect("refused");
        assert_names(&err, "add-one", runtime.name(), Step::AotExecute, "other wasm bytes");
        Run::new(&*runtime, add_one).aot_execute(&store).unwrap();
    }
}

#[test]
fn concurrent_writers_never_expose_a_partial_artifact() {
    let _turn = serial();
    let store = ArtifactStore::new(scratch("concurrent"));
    let sample = samples().into_iter().find(|s| s.name == "nbody").unwrap();
    let runtime = aot_runtimes().remove(0);
    let run = Run::new(&*runtime, &sample);
    run.aot_compile(&store).unwrap();
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                let runtime = aot_runtimes().remove(0);
                for _ in 0..20 {
                    Run::new(&*runtime, &sample).aot_compile(&store).unwrap();
                }
            });
        }
        for _ in 0..40 {
            let (value, _) = run.aot_execute(&store).unwrap_or_else(|e| panic!("{e}"));
            run.check(Step::AotExecute, value).unwrap();
        }
    });
    let leftovers: Vec<_> = std::fs::read_dir(store.path(&*runtime, &sample).parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|name| name.to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn the_size_record_keeps_every_entry() {
    let _turn = serial();
    let file = scratch("sizes").join("aot-sizes.json");
    let record = |n| SizeRecord { wasm_bytes: n, artifact_bytes: 10 * n, artifact: PathBuf::from(format!("a{n}")) };
    record_size(&file, "wasmer.llvm", "add-one", record(1)).unwrap();
    record_size(&file, "wasmer.llvm", "nbody", record(2)).unwrap();
    record_size(&file, "wasmer.singlepass", "add-one", record(3)).unwrap();
    record_size(&file, "wasmer.llvm", "add-one", record(4)).unwrap();
    let table = read_sizes(&file).unwrap();
    assert_eq!(table["wasmer.llvm"]["add-one"], record(4));
    assert_eq!(table["wasmer.llvm"]["nbody"], record(2));
    assert_eq!(table["wasmer.singlepass"]["add-one"], record(3));
}

#[test]
fn native_takes_part_in_execute_and_the_wasi_run_only() {
    let _turn = serial();
    let native = runtimes().into_iter().find(|r| r.name() == "native").unwrap();
    for step in Step::ALL {
        assert_eq!(native.unsupported(step).is_none(), matches!(step, Step::Execute | Step::WasiRun), "{step}");
    }
}

fn wasi_samples() -> Vec<WasiSample> {
    let samples = load_wasi_samples().expect("the WASI samples of samples/manifest.toml load");
    assert!(!samples.is_empty());
    samples
}

/// Every runtime that runs WASI commands (native included), and the sandboxes among them.
fn wasi_runtimes() -> Vec<Box<dyn Runtime>> {
    runtimes_for(Step::WasiRun)
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
    module.run(&command).unwrap_or_else(|e| panic!("{}: {e:#}", runtime.name()))
}

#[test]
fn every_wasi_runtime_prints_the_expected_output() {
    let _turn = serial();
    for runtime in wasi_runtimes() {
        for sample in &wasi_samples() {
            let run = WasiRun::new(&*runtime, sample);
            let module = run.compile().unwrap_or_else(|e| panic!("{e}"));
            // Twice on one module: every run gets a new instance and WASI context.
            for _ in 0..2 {
                run.check(Step::WasiRun, &run.run(Step::WasiRun, &*module).unwrap()).unwrap_or_else(|e| panic!("{e}"));
            }
            if runtime.unsupported(Step::Wasi).is_none() {
                let fresh = runtime.renew();
                let run = WasiRun::new(&*fresh, sample);
                run.check(Step::Wasi, &run.end_to_end().unwrap()).unwrap_or_else(|e| panic!("{e}"));
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
        assert_eq!((output.exit_code, output.stdout), (0, sample.expected_stdout.clone()), "{}", runtime.name());
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
        let err = WasiRun::new(&*runtime, &sample).end_to_end().map(|_| ()).unwrap_err();
        assert_names(&err, "wordfreq", runtime.name(), Step::Wasi, "compiling");
    }
}

#[test]
fn a_wrong_wasi_output_is_a_failure_of_the_step() {
    let _turn = serial();
    let sample = &wasi_samples()[0];
    for runtime in wasi_runtimes() {
        let output = run_wasi_with(&*runtime, sample, &["/input/missing.txt"]);
        let err = WasiRun::new(&*runtime, sample).check(Step::WasiRun, &output).unwrap_err();
        assert_names(&err, "wordfreq", runtime.name(), Step::WasiRun, "wrong output: exit code 1");
    }
}

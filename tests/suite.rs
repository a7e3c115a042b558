//! Correctness of every runtime on every sample, through every path it supports, and
//! clear errors (sample, runtime, step) for bad input and bad artifacts.

use std::path::PathBuf;
use wasm_runtime_bench::artifact::{ArtifactStore, SizeRecord, read_sizes, record_size};
use wasm_runtime_bench::runtime::Runtime;
use wasm_runtime_bench::runtimes::{native, runtimes};
use wasm_runtime_bench::sample::{Sample, load_samples};
use wasm_runtime_bench::step::{Run, Step};
use wasm_runtime_bench::value::Value;

mod common;
use common::{assert_names, in_child, runtimes_for, scratch, serial, wat};

fn samples() -> Vec<Sample> {
    load_samples().expect("samples/manifest.toml and its .wasm files load")
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

#[test]
fn manifest_expected_values_are_what_native_code_computes() {
    let _turn = serial();
    for sample in samples() {
        let twin = native::twin(&sample.name).unwrap_or_else(|e| panic!("{}: {e:#}", sample.name));
        assert!(sample.expected.accepts(&twin.call(&sample.args).unwrap()), "sample {}", sample.name);
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
            let fresh = runtime.renew().unwrap();
            for runtime in [&*runtime, &*fresh] {
                let run = Run::new(runtime, sample);
                let (value, _module, _instance) = run.jit().unwrap_or_else(|e| panic!("{e}"));
                run.check(Step::Jit, value).unwrap();
            }
        }
    }
}

/// Every sample a runtime says it cannot run really fails on it. Each case runs in a
/// child process: a runtime with a known memory-corrupting bug (stitch) must not run it in
/// the shared test process.
#[test]
fn every_sample_a_runtime_cannot_run_really_fails_on_it() {
    let mut skipped = 0;
    for runtime in wasm_runtimes() {
        for sample in &samples() {
            let Some(reason) = runtime.cannot_run(&sample.name, &sample.proposals) else { continue };
            skipped += 1;
            let child = in_child(
                "cannot_run_child",
                &[("WRB_CHILD_CASE", sample.name.as_str()), ("WRB_CHILD_RUNTIME", runtime.name())],
                std::time::Duration::from_secs(300),
            );
            assert!(!child.lines.iter().any(|l| l == "right"), "{} runs {} correctly, yet says: {reason}", runtime.name(), sample.name);
        }
    }
    assert!(skipped > 0 || wasm_runtimes().len() < 10, "no runtime skips a sample: is this a full build?");
}

/// The child of `every_sample_a_runtime_cannot_run_really_fails_on_it`: JIT of one sample on
/// one runtime; prints `right` if it gives the expected result.
#[test]
fn cannot_run_child() {
    let (Ok(sample), Ok(runtime)) = (std::env::var("WRB_CHILD_CASE"), std::env::var("WRB_CHILD_RUNTIME")) else { return };
    let runtime = wasm_runtime_bench::runtimes::runtime(&runtime).unwrap();
    let sample = samples().into_iter().find(|s| s.name == sample).unwrap();
    let run = Run::new(&*runtime, &sample);
    let outcome = run.jit().and_then(|(value, _module, _instance)| run.check(Step::Jit, value));
    println!("WRB-CHILD: {}", if outcome.is_ok() { "right" } else { "wrong" });
}

#[test]
fn the_committed_samples_are_webassembly_1_0_so_every_runtime_loads_the_same_bytes() {
    use wasm_runtime_bench::proposal::Proposal;
    for sample in samples() {
        // mruby-script keeps sign extension, which every runtime here but Fizzy implements.
        let allowed: &[Proposal] = if sample.name == "mruby-script" { &[Proposal::SignExtension] } else { &[] };
        assert_eq!(sample.proposals, allowed, "{}", sample.name);
    }
    for sample in wasm_runtime_bench::wasi::load_wasi_samples().unwrap() {
        assert_eq!(sample.proposals, [], "{}", sample.name);
    }
    for runtime in wasm_runtimes().into_iter().filter(|r| r.name() != "fizzy") {
        assert_eq!(samples_for(&*runtime).len(), samples().len() - usize::from(runtime.name() == "stitch") * 5, "{}", runtime.name());
    }
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
            assert_eq!(artifact.path, store.path(&*runtime, sample).unwrap());
            let verified = run.aot_verify(&store).unwrap_or_else(|e| panic!("{e}"));
            let (value, _module, _instance) = run.aot_execute(&verified).unwrap_or_else(|e| panic!("{e}"));
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
        let sample = Sample::new("malformed", wasm, "run", &[Value::I32(1)], Value::I32(2));
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
    let sample = Sample::new("no-such-export", add_one.wasm, "nope", &[Value::I32(1)], Value::I32(2));
    for runtime in wasm_runtimes() {
        let err = Run::new(&*runtime, &sample).jit().err().expect("a missing export is refused");
        assert_names(&err, "no-such-export", runtime.name(), Step::Instantiate, "nope");
    }
}

#[test]
fn an_export_of_another_signature_fails_at_instantiate() {
    let _turn = serial();
    let add_one = samples().into_iter().find(|s| s.name == "add-one").unwrap();
    let sample = Sample::new("wrong-signature", add_one.wasm, "run", &[Value::I32(1)], Value::F64(2.0));
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
    let traps = Sample::new("trapping", trapping.clone(), "run", &[Value::I32(0)], Value::I32(0));
    let fine = Sample::new("trapping", trapping, "run", &[Value::I32(5)], Value::I32(20));
    for runtime in wasm_runtimes() {
        let err = Run::new(&*runtime, &traps).jit().err().expect("the trap is reported");
        // Fizzy's traps carry no reason.
        let cause = if runtime.name() == "fizzy" { "trapped" } else { "unreachable" };
        assert_names(&err, "trapping", runtime.name(), Step::Execute, cause);
        let run = Run::new(&*runtime, &fine);
        let mut instance = run.instantiate(&*run.compile().unwrap()).unwrap();
        assert!(instance.call(&[Value::I32(0)]).is_err());
        assert_eq!(instance.call(&[Value::I32(5)]).unwrap(), Some(Value::I32(20)), "{}", runtime.name());
    }
}

#[test]
fn a_wrong_result_is_a_failure_of_the_step() {
    let _turn = serial();
    let fibonacci = samples().into_iter().find(|s| s.name == "fibonacci").unwrap();
    let sample = Sample::new("fibonacci", fibonacci.wasm, "run", &fibonacci.args, Value::I32(10945));
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
        let err = run.aot_verify(&store).err().expect("a spoiled artifact is refused");
        assert_names(&err, "fibonacci", runtime.name(), Step::AotVerify, reason);
    }
}

#[test]
fn a_truncated_artifact_is_refused() {
    let _turn = serial();
    assert_refused("truncated", "no seal", |store, runtime, sample| {
        let path = store.path(runtime, sample).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    });
}

#[test]
fn an_artifact_with_a_flipped_byte_is_refused() {
    let _turn = serial();
    assert_refused("flipped", "checksum does not match", |store, runtime, sample| {
        let path = store.path(runtime, sample).unwrap();
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
        std::fs::copy(artifact.path, store.path(runtime, sample).unwrap()).unwrap();
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
        let changed = Sample::new("add-one", fibonacci.wasm.clone(), "run", &fibonacci.args, Value::I32(10946));
        assert_ne!(store.path(&*runtime, &changed).unwrap(), artifact.path);
        assert!(Run::new(&*runtime, &changed).aot_verify(&store).is_err());
        // ...and a file copied over that path is refused by its seal.
        std::fs::copy(&artifact.path, store.path(&*runtime, &changed).unwrap()).unwrap();
        let err = Run::new(&*runtime, &changed).aot_verify(&store).err().expect("refused");
        assert_names(&err, "add-one", runtime.name(), Step::AotVerify, "other wasm bytes");
        Run::new(&*runtime, add_one).aot_verify(&store).unwrap();
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
            let verified = run.aot_verify(&store).unwrap_or_else(|e| panic!("{e}"));
            let (value, _module, _instance) = run.aot_execute(&verified).unwrap_or_else(|e| panic!("{e}"));
            run.check(Step::AotExecute, value).unwrap();
        }
    });
    let leftovers: Vec<_> = std::fs::read_dir(store.path(&*runtime, &sample).unwrap().parent().unwrap())
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


#[test]
fn exports_of_any_number_of_parameters_and_any_result_type_are_called() {
    let _turn = serial();
    let wasm = wat(r#"(module
        (func (export "score") (result f32) f32.const 1.5)
        (func (export "nothing"))
        (func (export "neg") (param i64) (result i64) i64.const 0 local.get 0 i64.sub)
        (func (export "half") (param f32) (result f32) local.get 0 f32.const 0.5 f32.mul)
        (func (export "sum3") (param i32 i64 f64) (result f64)
            local.get 0 f64.convert_i32_s local.get 1 f64.convert_i64_s f64.add local.get 2 f64.add))"#);
    use wasm_runtime_bench::sample::Expect;
    use wasm_runtime_bench::value::Export;
    let cases: Vec<(&str, Vec<Value>, Option<Value>)> = vec![
        ("score", vec![], Some(Value::F32(1.5))),
        ("nothing", vec![], None),
        ("neg", vec![Value::I64(-7_000_000_000)], Some(Value::I64(7_000_000_000))),
        ("half", vec![Value::F32(3.0)], Some(Value::F32(1.5))),
        ("sum3", vec![Value::I32(1), Value::I64(2), Value::F64(0.25)], Some(Value::F64(3.25))),
    ];
    for runtime in runtimes_for(Step::Execute).into_iter().filter(|r| r.name() != "native") {
        for (name, args, result) in &cases {
            let export = Export::of(name, args, result.map(|r| r.ty()));
            let sample = Sample::with(name, wasm.clone(), export, args.clone(), Expect::Exactly(*result)).unwrap();
            let run = Run::new(&*runtime, &sample);
            match run.jit() {
                Ok((value, _, _)) => run.check(Step::Jit, value).unwrap_or_else(|e| panic!("{e}")),
                // wasm3's adapter binds exports of at most one parameter.
                Err(e) if runtime.name() == "wasm3" && args.len() > 1 => {
                    assert_names(&e, name, "wasm3", Step::Instantiate, "at most one parameter")
                }
                Err(e) => panic!("{e}"),
            }
        }
    }
}

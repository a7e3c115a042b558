//! Benchmarking a user's own modules: a manifest outside the repository (instead of the
//! committed samples, or joined to them), one module on the command line, a module whose
//! imports the suite cannot provide (compiled only, with the reasons), an export of no
//! parameters returning f32.

use std::path::Path;
use std::time::Duration;
use wasm_runtime_bench::artifact::ArtifactStore;
use wasm_runtime_bench::harness::{self, BenchSample};
use wasm_runtime_bench::sample::{Expect, Sample, load_samples};
use wasm_runtime_bench::step::{Run, Step};
use wasm_runtime_bench::value::Value;

mod common;
use common::{in_child, runtimes_for, scratch, serial, wat};

/// A directory outside the repository with a module and a manifest of its own.
fn user_dir(name: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    std::fs::write(dir.join("score.wasm"), wat(r#"(module (func (export "score") (result f32) f32.const 1.5))"#)).unwrap();
    std::fs::write(
        dir.join("manifest.toml"),
        "[[sample]]\nname = \"score\"\nfile = \"score.wasm\"\nexport = \"score\"\nexpected = { f32 = 1.5 }\n",
    )
    .unwrap();
    dir
}

/// The child: prints the samples this process loads.
#[test]
fn samples_child() {
    if std::env::var("WRB_CHILD_CASE").is_err() {
        return;
    }
    match load_samples() {
        Ok(samples) => {
            for sample in samples {
                println!("WRB-CHILD: {} {} {:?} {}", sample.name, sample.export, sample.args, sample.expected);
            }
        }
        Err(e) => println!("WRB-CHILD: error {e:#}"),
    }
    match wasm_runtime_bench::wasi::load_wasi_samples() {
        Ok(samples) => {
            for sample in samples {
                println!("WRB-CHILD: wasi {} {} {:?}", sample.name, sample.guest_dir, sample.expected_stdout.map(|s| String::from_utf8_lossy(&s).into_owned()));
            }
        }
        Err(e) => println!("WRB-CHILD: error {e:#}"),
    }
}

fn loaded(env: &[(&str, &str)]) -> Vec<String> {
    let mut env = env.to_vec();
    env.push(("WRB_CHILD_CASE", "samples"));
    in_child("samples_child", &env, Duration::from_secs(60)).lines
}

#[test]
fn a_manifest_outside_the_repository_replaces_or_joins_the_committed_samples() {
    let dir = user_dir("user-manifest");
    let manifest = dir.join("manifest.toml");
    let alone = loaded(&[("WRB_SAMPLES", manifest.to_str().unwrap())]);
    assert_eq!(alone, ["score `score` () -> f32 [] 1.5_f32"]);
    let joined = loaded(&[("WRB_SAMPLES", manifest.to_str().unwrap()), ("WRB_SAMPLES_JOIN", "1")]);
    assert!(joined.iter().any(|l| l.starts_with("add-one ")) && joined.iter().any(|l| l.starts_with("score ")), "{joined:?}");
    assert!(joined.iter().any(|l| l.starts_with("wasi wordfreq ")), "{joined:?}");
}

#[test]
fn one_module_on_the_command_line() {
    let dir = user_dir("user-command-line");
    let wasm = dir.join("score.wasm");
    let module = loaded(&[("WRB_WASM", wasm.to_str().unwrap()), ("WRB_EXPORT", "score"), ("WRB_EXPECT", "f32:1.5")]);
    assert_eq!(module, ["score `score` () -> f32 [] 1.5_f32"]);
    // Arguments of several types; no expected value: any result but a trap.
    std::fs::write(dir.join("mix.wasm"), wat(r#"(module (func (export "f") (param i32 i64 f64) (result f64) local.get 2))"#)).unwrap();
    let mix = dir.join("mix.wasm");
    let module = loaded(&[("WRB_WASM", mix.to_str().unwrap()), ("WRB_EXPORT", "f"), ("WRB_ARGS", "i32:1 i64:-2 f64:0.5")]);
    assert_eq!(module, ["mix `f` (i32, i64, f64) -> f64 [I32(1), I64(-2), F64(0.5)] any result"]);
    // Wrong arguments and unknown exports are errors that say what to give.
    let wrong = loaded(&[("WRB_WASM", mix.to_str().unwrap()), ("WRB_EXPORT", "f"), ("WRB_ARGS", "i32:1")]);
    assert!(wrong[0].starts_with("error ") && wrong[0].contains("--arg"), "{wrong:?}");
    let missing = loaded(&[("WRB_WASM", wasm.to_str().unwrap())]);
    assert!(missing[0].contains("nor `_start`"), "{missing:?}");
    // A WASI command (it exports `_start`): its directory is its working directory, and
    // `<stem>.stdout.expected` beside it is what it must print.
    std::fs::write(dir.join("cmd.wasm"), wat(r#"(module (memory (export "memory") 1) (func (export "_start")))"#)).unwrap();
    std::fs::write(dir.join("cmd.stdout.expected"), "hello\n").unwrap();
    let command = loaded(&[("WRB_WASM", dir.join("cmd.wasm").to_str().unwrap())]);
    assert_eq!(command, ["wasi cmd . Some(\"hello\\n\")"]);
}

#[test]
fn a_module_whose_imports_the_suite_cannot_provide_is_compiled_only() {
    let _turn = serial();
    let wasm = wat(r#"(module (import "env" "host" (func $h (param i32) (result i32)))
        (func (export "run") (param i32) (result i32) local.get 0 call $h))"#);
    let sample = Sample::new("imports", wasm, "run", &[Value::I32(1)], Value::I32(1));
    for step in [Step::Instantiate, Step::Execute, Step::Jit, Step::AotExecute] {
        let reason = BenchSample::skip(&sample, step).unwrap_or_else(|| panic!("{step} is skipped"));
        assert!(reason.contains("env.host") && reason.contains("compiled only"), "{reason}");
    }
    for step in [Step::Compile, Step::AotCompile, Step::AotVerify] {
        assert_eq!(BenchSample::skip(&sample, step), None, "{step}");
    }
    let store = ArtifactStore::new(scratch("user-imports"));
    let sizes = scratch("user-imports-sizes").join("sizes.json");
    for runtime in runtimes_for(Step::Compile) {
        if runtime.cannot_run(&sample.name, &sample.proposals).is_some() {
            continue;
        }
        let run = Run::new(&*runtime, &sample);
        let mut timer = harness::prepare(Step::Compile, run, &store, &sizes).unwrap_or_else(|e| panic!("{e}"));
        timer(1).unwrap_or_else(|e| panic!("{e}"));
        if runtime.unsupported(Step::AotCompile).is_none() {
            let mut timer = harness::prepare(Step::AotCompile, run, &store, &sizes).unwrap_or_else(|e| panic!("{e}"));
            timer(1).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    assert!(Path::new(&sizes).exists(), "the artifacts' sizes are recorded");
}

#[test]
fn an_export_of_no_parameters_returning_f32_is_timed_and_checked() {
    let _turn = serial();
    let wasm = wat(r#"(module (func (export "score") (result f32) f32.const 1.5))"#);
    let export = wasm_runtime_bench::value::Export::of("score", &[], Some(wasm_runtime_bench::value::ValType::F32));
    let sample = Sample::with("score", wasm, export, Vec::new(), Expect::Exactly(Some(Value::F32(1.5)))).unwrap();
    let store = ArtifactStore::new(scratch("user-score"));
    let sizes = scratch("user-score-sizes").join("sizes.json");
    for runtime in runtimes_for(Step::Execute).into_iter().filter(|r| r.name() != "native") {
        let mut timer = harness::prepare(Step::Execute, Run::new(&*runtime, &sample), &store, &sizes).unwrap_or_else(|e| panic!("{e}"));
        assert!(timer(10).unwrap_or_else(|e| panic!("{e}")) > Duration::ZERO);
    }
}

//! Hostile input on every runtime and step: malformed bytes of several kinds, a module
//! whose never-called function is invalid, an unknown import, a trap in the third call
//! only (in the shared test process), and, each in a child process of its own, an
//! infinite loop, unbounded recursion and a 4 GiB initial memory. Every case ends with a
//! clear error naming sample, runtime and step (or a correct run), no hang, no crash of
//! the test process, and the next module still works on the same runtime.

use std::time::Duration;
use wasm_runtime_bench::artifact::ArtifactStore;
use wasm_runtime_bench::harness::{self, watchdog};
use wasm_runtime_bench::runtime::Runtime;
use wasm_runtime_bench::sample::{Sample, load_samples};
use wasm_runtime_bench::step::{Run, Step, StepError};
use wasm_runtime_bench::value::Value;

mod common;
use common::{assert_names, in_child, runtimes_for, scratch, serial, wat};

fn wasm_runtimes() -> Vec<Box<dyn Runtime>> {
    runtimes_for(Step::Jit)
}

fn add_one() -> Sample {
    load_samples().unwrap().into_iter().find(|s| s.name == "add-one").unwrap()
}

/// The next module still works on `runtime` after a bad one.
fn assert_still_works(runtime: &dyn Runtime) {
    let sample = add_one();
    let run = Run::new(runtime, &sample);
    let (value, _module, _instance) = run.jit().unwrap_or_else(|e| panic!("after a bad module: {e}"));
    run.check(Step::Jit, value).unwrap();
}

/// Bytes that are not a valid module, each of another kind.
fn malformed() -> Vec<(&'static str, Vec<u8>)> {
    let mut truncated = add_one().wasm;
    truncated.truncate(truncated.len() - 3);
    vec![
        ("empty", Vec::new()),
        ("not wasm", b"not wasm at all".to_vec()),
        ("bad version", b"\0asm\x02\0\0\0".to_vec()),
        ("section past the end", b"\0asm\x01\0\0\0\x01\xff\x01garbage".to_vec()),
        ("unknown section", b"\0asm\x01\0\0\0\x2a\x01\x00".to_vec()),
        ("truncated", truncated),
    ]
}

#[test]
fn malformed_bytes_fail_at_compile_with_a_message() {
    let _turn = serial();
    for runtime in wasm_runtimes() {
        for (kind, wasm) in malformed() {
            let sample = Sample::new("malformed", wasm, "run", &[Value::I32(1)], Value::I32(2));
            let err = Run::new(&*runtime, &sample).jit().err().unwrap_or_else(|| panic!("{}: `{kind}` is refused", runtime.name()));
            assert_names(&err, "malformed", runtime.name(), Step::Compile, "");
            let message = err.to_string();
            let cause = message.split("failed at step compile: ").nth(1).unwrap_or("");
            assert!(cause.trim().len() > 3, "{}: `{kind}` gives no readable cause: {message:?}", runtime.name());
        }
        assert_still_works(&*runtime);
    }
}

#[test]
fn an_invalid_function_never_called_is_refused_or_harmless() {
    let _turn = serial();
    // `bad` adds an i32 to an f64: not valid. `run` is fine.
    let wasm = wat(r#"(module
        (func $bad (result i32) i32.const 1 f64.const 2 i32.add)
        (func (export "run") (param i32) (result i32) local.get 0 i32.const 1 i32.add))"#);
    let sample = Sample::new("invalid-body", wasm, "run", &[Value::I32(1)], Value::I32(2));
    for runtime in wasm_runtimes() {
        match Run::new(&*runtime, &sample).jit() {
            Err(err) => assert_names(&err, "invalid-body", runtime.name(), Step::Compile, ""),
            // wasm3 validates a body only when it compiles it, on its first call.
            Ok((value, _, _)) => {
                assert_eq!(runtime.name(), "wasm3", "{} accepts an invalid body", runtime.name());
                assert_eq!(value, Some(Value::I32(2)));
            }
        }
        assert_still_works(&*runtime);
    }
}

#[test]
fn an_unknown_import_fails_naming_it() {
    let _turn = serial();
    let wasm = wat(r#"(module (import "env" "mystery" (func $m)) (func (export "run") (param i32) (result i32) call $m local.get 0))"#);
    let sample = Sample::new("unknown-import", wasm, "run", &[Value::I32(1)], Value::I32(1));
    for runtime in wasm_runtimes() {
        let err = Run::new(&*runtime, &sample).jit().err().unwrap_or_else(|| panic!("{} runs a module with an unknown import", runtime.name()));
        // Most refuse to instantiate it; WAMR and wasm3 link lazily and fail at the call.
        assert!(matches!(err.step, Step::Instantiate | Step::Compile | Step::Execute), "{err}");
        assert_names(&err, "unknown-import", runtime.name(), err.step, "");
        let message = err.to_string();
        assert!(err.step != Step::Execute || message.contains("mystery"), "{message}");
        assert_still_works(&*runtime);
    }
}

/// An instance's call that is timed: setup calls each of its instances at most 100 001
/// times (a first call, then ranking them by speed). The timed calls are shared among
/// several instances, so it takes up to `steps::PLACEMENTS` batches of `LATER_CALL` calls
/// for one of them to reach it.
const LATER_CALL: u64 = 100_002;

/// The first error of up to `steps::PLACEMENTS` timed batches of `LATER_CALL` calls.
fn later_batches_fail(timer: &mut harness::Timer<'_>) -> Option<StepError> {
    (0..harness::steps::PLACEMENTS).find_map(|_| timer(LATER_CALL).err())
}

/// `run(x) = x`, except that an instance's call number `call` does `fault` (wasm text):
/// `unreachable` traps, `i32.const 0 return` gives a wrong value.
fn faulty_on_call(name: &str, call: u64, fault: &str) -> Sample {
    let wasm = wat(&format!(
        r#"(module
        (global $calls (mut i32) (i32.const 0))
        (func (export "run") (param i32) (result i32)
            global.get $calls i32.const 1 i32.add global.set $calls
            global.get $calls i32.const {call} i32.eq if {fault} end
            local.get 0))"#
    ));
    Sample::new(name, wasm, "run", &[Value::I32(7)], Value::I32(7))
}

#[test]
fn a_trap_in_a_later_timed_call_fails_the_benchmark() {
    let _turn = serial();
    let sample = faulty_on_call("later-call-traps", LATER_CALL, "unreachable");
    let store = ArtifactStore::new(scratch("later-call"));
    let sizes = scratch("later-call-sizes").join("sizes.json");
    for runtime in runtimes_for(Step::Execute).into_iter().filter(|r| r.name() != "native") {
        let run = Run::new(&*runtime, &sample);
        let mut timer = harness::prepare(Step::Execute, run, &store, &sizes).unwrap_or_else(|e| panic!("{e}"));
        timer(1).unwrap_or_else(|e| panic!("{e}"));
        let err = later_batches_fail(&mut timer).unwrap_or_else(|| panic!("{}: a trap in a timed call is a failure", runtime.name()));
        // V8 checks in its own loop and names the trap; the suite's loop names the call.
        let cause = if runtime.self_timed().is_some() { "unreachable" } else { "timed call" };
        assert_names(&err, "later-call-traps", runtime.name(), Step::Execute, cause);
    }
}

#[test]
fn a_trap_while_instances_are_ranked_fails_before_timing() {
    let _turn = serial();
    // An instance's second call is the first ranking call.
    let sample = faulty_on_call("second-call-traps", 2, "unreachable");
    let store = ArtifactStore::new(scratch("second-call"));
    let sizes = scratch("second-call-sizes").join("sizes.json");
    // V8 ranks nothing: it keeps one instance in node and times it there.
    for runtime in runtimes_for(Step::Execute).into_iter().filter(|r| r.name() != "native" && r.self_timed().is_none()) {
        let run = Run::new(&*runtime, &sample);
        let err = harness::prepare(Step::Execute, run, &store, &sizes).err().unwrap_or_else(|| panic!("{}: a trap before timing is a failure", runtime.name()));
        assert_names(&err, "second-call-traps", runtime.name(), Step::Execute, "ranking call 1");
    }
}

#[test]
fn a_wrong_value_in_a_later_timed_call_fails_the_benchmark() {
    let _turn = serial();
    let sample = faulty_on_call("later-call-wrong", LATER_CALL, "i32.const 0 return");
    let store = ArtifactStore::new(scratch("later-wrong"));
    let sizes = scratch("later-wrong-sizes").join("sizes.json");
    for runtime in runtimes_for(Step::Execute).into_iter().filter(|r| r.name() != "native") {
        let run = Run::new(&*runtime, &sample);
        let mut timer = harness::prepare(Step::Execute, run, &store, &sizes).unwrap();
        let err = later_batches_fail(&mut timer).unwrap_or_else(|| panic!("{}: a wrong value is a failure", runtime.name()));
        if runtime.self_timed().is_some() {
            assert_names(&err, "later-call-wrong", runtime.name(), Step::Execute, "wrong result: got {\"i32\":0}, expected {\"i32\":7}");
            continue;
        }
        assert_names(&err, "later-call-wrong", runtime.name(), Step::Execute, "timed call");
        assert!(err.to_string().contains("wrong result: got 0_i32, expected 7_i32"), "{err}");
    }
}

/// The modules that run in a child process each: what a test process must survive.
fn child_case(name: &str) -> Sample {
    let (wasm, arg) = match name {
        "infinite-loop" => (wat(r#"(module (func (export "run") (param i32) (result i32) (loop br 0) unreachable))"#), 1),
        "recursion" => (wat(r#"(module (func $f (export "run") (param i32) (result i32) local.get 0 i32.const 1 i32.add call $f))"#), 1),
        "huge-memory" => (wat(r#"(module (memory 65536) (func (export "run") (param i32) (result i32) local.get 0))"#), 1),
        other => panic!("no case {other}"),
    };
    Sample::new(name, wasm, "run", &[Value::I32(arg)], Value::I32(arg))
}

/// The child: JIT of one case on one runtime, the watchdog armed as in the benches; then
/// add-one on the same runtime.
#[test]
fn hostile_child() {
    let (Ok(case), Ok(runtime)) = (std::env::var("WRB_CHILD_CASE"), std::env::var("WRB_CHILD_RUNTIME")) else { return };
    let runtime = wasm_runtime_bench::runtimes::runtime(&runtime).unwrap();
    let sample = child_case(&case);
    let run_dir = wasm_runtime_bench::harness::run::RunDir { id: "child".into(), dir: std::env::var("WRB_CHILD_DIR").unwrap().into() };
    watchdog::set_current(Some(watchdog::Current {
        id: format!("jit/{case}/{}", runtime.name()),
        who: format!("sample `{case}` on runtime `{}` failed at step jit", runtime.name()),
        run: run_dir,
        session: "child".into(),
    }));
    let run = Run::new(&*runtime, &sample);
    // Compiling is not what is limited here; running the guest is.
    let outcome = run.compile().and_then(|module| {
        watchdog::within(watchdog::call_limit(), || {
            let mut instance = run.instantiate(&*module)?;
            run.call(&mut *instance)
        })
    });
    match outcome {
        Ok(value) => println!("WRB-CHILD: ok {value:?}"),
        Err(e) => println!("WRB-CHILD: error {} {}", e.step, e.to_string().lines().next().unwrap_or("")),
    }
    let sample = add_one();
    let run = Run::new(&*runtime, &sample);
    let next = run.jit().map(|(value, _, _)| value);
    println!("WRB-CHILD: next {}", if matches!(next, Ok(Some(Value::I32(42)))) { "ok" } else { "broken" });
}

/// Runs `case` on `runtime` in a child whose guest code may run for `limit` seconds.
fn run_child(case: &str, runtime: &str, dir: &std::path::Path, limit: &str) -> common::ChildOutcome {
    in_child(
        "hostile_child",
        &[("WRB_CHILD_CASE", case), ("WRB_CHILD_RUNTIME", runtime), ("WRB_CHILD_DIR", dir.to_str().unwrap()), ("WRB_TIME_LIMIT", limit)],
        Duration::from_secs(300),
    )
}

#[test]
fn an_infinite_loop_ends_with_a_time_limit_error_on_every_runtime() {
    let dir = scratch("hostile-loop");
    for runtime in wasm_runtimes() {
        let child = run_child("infinite-loop", runtime.name(), &dir, "2");
        assert!(!child.killed_by_parent, "{}: the child hung: {child:?}", runtime.name());
        if runtime.self_timed().is_some() && child.code == Some(0) {
            // V8 runs in a node process of its own, which the adapter kills at the limit
            // (unless the watchdog ends the bench process first, as for the others).
            let outcome = child.lines.first().cloned().unwrap_or_default();
            assert!(outcome.starts_with("error execute") && outcome.contains("did not finish within 2 s"), "{}: {child:?}", runtime.name());
            assert_eq!(child.lines.get(1).map(String::as_str), Some("next ok"), "{}: {child:?}", runtime.name());
            continue;
        }
        assert_eq!(child.code, Some(watchdog::TIMEOUT_EXIT), "{}: {child:?}", runtime.name());
        let expected = format!("sample `infinite-loop` on runtime `{}` failed at step jit: did not finish within 2 s", runtime.name());
        assert!(child.stderr.contains(&expected), "{}: {}", runtime.name(), child.stderr);
    }
    let events = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    let in_process = wasm_runtimes().iter().filter(|r| r.self_timed().is_none()).count();
    assert!(events.matches("\"kind\":\"timeout\"").count() >= in_process, "{events}");
}

#[test]
fn unbounded_recursion_is_a_trap_never_a_crash() {
    let dir = scratch("hostile-recursion");
    for runtime in wasm_runtimes() {
        let child = run_child("recursion", runtime.name(), &dir, "60");
        assert_eq!(child.code, Some(0), "{}: the process did not survive: {child:?}", runtime.name());
        let outcome = child.lines.first().cloned().unwrap_or_default();
        assert!(outcome.starts_with("error execute "), "{}: {outcome}", runtime.name());
        let lower = outcome.to_lowercase();
        assert!(lower.contains("stack") || lower.contains("recurs") || lower.contains("exhaust"), "{}: {outcome}", runtime.name());
        assert_eq!(child.lines.get(1).map(String::as_str), Some("next ok"), "{}: {child:?}", runtime.name());
    }
}

#[test]
fn a_huge_initial_memory_fails_clearly_or_works() {
    let dir = scratch("hostile-memory");
    for runtime in wasm_runtimes() {
        // Some runtimes zero all 4 GiB when they make the memory: that takes seconds.
        let child = run_child("huge-memory", runtime.name(), &dir, "60");
        assert_eq!(child.code, Some(0), "{}: the process did not survive: {child:?}", runtime.name());
        let outcome = child.lines.first().cloned().unwrap_or_default();
        assert!(
            outcome == "ok Some(I32(1))" || outcome.starts_with("error instantiate ") || outcome.starts_with("error compile "),
            "{}: {outcome}",
            runtime.name()
        );
        assert_eq!(child.lines.get(1).map(String::as_str), Some("next ok"), "{}: {child:?}", runtime.name());
    }
}

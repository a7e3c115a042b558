//! The memory measurement sees what it should: an instance whose call touches N pages of
//! linear memory costs N × 64 KiB more than one that touches fewer, on every runtime that
//! commits touched pages; and two measurements in two fresh processes agree.

use std::time::Duration;
use wasm_runtime_bench::artifact::ArtifactStore;
use wasm_runtime_bench::memory::{INSTANCES, Measured, measure};
use wasm_runtime_bench::runtime::Runtime;
use wasm_runtime_bench::sample::Sample;
use wasm_runtime_bench::step::Step;
use wasm_runtime_bench::value::Value;

mod common;
use common::{in_child, runtimes_for, serial, wat};

#[global_allocator]
static ALLOCATOR: wasm_runtime_bench::memory::CountingAllocator = wasm_runtime_bench::memory::CountingAllocator;

/// `run(x) = x`, after writing a byte into every 4 KiB of a memory of `pages` pages of 64 KiB:
/// every page of the process that the memory spans is touched.
fn touching(pages: u32) -> Sample {
    let end = pages * 65536;
    let wasm = wat(&format!(
        r#"(module (memory {pages})
        (func (export "run") (param i32) (result i32) (local $at i32)
            (loop $next
                (i32.store8 (local.get $at) (i32.const 1))
                (local.set $at (i32.add (local.get $at) (i32.const 4096)))
                (br_if $next (i32.lt_u (local.get $at) (i32.const {end}))))
            local.get 0))"#
    ));
    Sample::new(&format!("touch-{pages}"), wasm, "run", &[Value::I32(7)], Value::I32(7))
}

fn measured_runtimes() -> Vec<Box<dyn Runtime>> {
    runtimes_for(Step::Instantiate).into_iter().filter(|r| r.name() != "native" && r.self_timed().is_none()).collect()
}

/// The child: one measurement of `touch-N` on one runtime, as JSON.
#[test]
fn memory_child() {
    let (Ok(runtime), Ok(pages)) = (std::env::var("WRB_CHILD_RUNTIME"), std::env::var("WRB_CHILD_CASE")) else { return };
    let runtime = wasm_runtime_bench::runtimes::runtime(&runtime).unwrap();
    let store = ArtifactStore::new(tempfile_dir());
    let measured = measure(&*runtime, &touching(pages.parse().unwrap()), &store, INSTANCES).unwrap_or_else(|e| panic!("{e:#}"));
    println!("WRB-CHILD: {}", serde_json::to_string(&measured).unwrap());
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("wrb-memory-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn in_fresh_process(runtime: &str, pages: u32) -> Measured {
    let pages = pages.to_string();
    let env = [("WRB_CHILD_RUNTIME", runtime), ("WRB_CHILD_CASE", pages.as_str()), ("GLIBC_TUNABLES", wasm_runtime_bench::memory::MALLOC_TUNABLES)];
    let child = in_child("memory_child", &env, Duration::from_secs(300));
    let line = child.lines.first().unwrap_or_else(|| panic!("{runtime}: {child:?}"));
    serde_json::from_str(line).unwrap()
}

#[test]
fn an_instance_that_touches_more_pages_costs_that_many_pages_more() {
    // Measuring processes take turns: one measuring while another runs skews the figures.
    let _turn = serial();
    const PAGE: f64 = 65536.0;
    for runtime in measured_runtimes() {
        let (few, many) = (in_fresh_process(runtime.name(), 4), in_fresh_process(runtime.name(), 20));
        let growth = many.instance_private.unwrap() as f64 - few.instance_private.unwrap() as f64;
        // 16 pages more, within 5% (the runtime's own structures are the same in both).
        assert!((growth / (16.0 * PAGE) - 1.0).abs() < 0.05, "{}: {growth} bytes for 16 pages ({few:?} / {many:?})", runtime.name());
    }
}

#[test]
fn two_measurements_in_two_processes_agree() {
    let _turn = serial();
    for runtime in measured_runtimes() {
        let (first, second) = (in_fresh_process(runtime.name(), 4), in_fresh_process(runtime.name(), 4));
        // The per-instance figures come from 100 instances (15 on Lucet): within 5% or 8 pages.
        for (what, a, b) in [
            ("instance_private", first.instance_private, second.instance_private),
            ("instance_virtual", first.instance_virtual, second.instance_virtual),
            ("instance_heap", first.instance_heap, second.instance_heap),
            ("compile_peak_heap", first.compile_peak_heap, second.compile_peak_heap),
            ("module_heap", first.module_heap, second.module_heap),
        ] {
            let (a, b) = (a.unwrap() as f64, b.unwrap() as f64);
            assert!((a - b).abs() <= (0.05 * a.max(b)).max(8.0 * 4096.0), "{}: {what} {a} vs {b}", runtime.name());
        }
    }
}

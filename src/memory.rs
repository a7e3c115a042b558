//! Memory as a measured dimension of the steps, through the same adapters: what compiling
//! costs at its peak and what the finished module keeps, what one more instance costs, what
//! a loaded AOT artifact keeps, and the peak during one call. Each (runtime, sample) is
//! measured in a fresh process of its own, so that nothing earlier pollutes the baseline.
//!
//! Two accounts: the process's own (`/proc/self/status` and `smaps_rollup`, read with the
//! `procfs` crate: resident, private and virtual bytes, and the peak resident size, which
//! `clear_refs` resets), which sees everything (C runtimes, mapped code, linear memory);
//! and the Rust heap, counted by `CountingAllocator` (the bench's global allocator), which
//! sees the Rust runtimes' own structures only.

use crate::artifact::ArtifactStore;
use crate::runtime::Runtime;
use crate::sample::Sample;
use crate::step::{Run, Step};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// glibc's malloc settings of a measuring process: its heap grows by exactly what it needs
/// and keeps what it frees, so that the resident size follows the allocations, not the
/// allocator's padding and trimming.
pub const MALLOC_TUNABLES: &str = "glibc.malloc.top_pad=0:glibc.malloc.trim_threshold=4294967295:glibc.malloc.mmap_threshold=4294967295";

/// The system allocator, counting the bytes it holds now and at its peak.
pub struct CountingAllocator;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let held = HELD.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(held, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            let held = HELD.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(held, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            if new_size >= layout.size() {
                let held = HELD.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size - layout.size();
                PEAK.fetch_max(held, Ordering::Relaxed);
            } else {
                HELD.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        new
    }
}

/// The process's memory at one moment, in bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Snapshot {
    /// Resident and private (anonymous or dirtied): what this process alone holds in RAM.
    pub private: u64,
    /// Virtual: every mapping, reserved or touched.
    pub virtual_: u64,
    /// Peak resident size since the last reset.
    pub peak_resident: u64,
    pub resident: u64,
    /// The Rust heap (counted by `CountingAllocator` if it is the global allocator).
    pub heap: u64,
    pub heap_peak: u64,
}

impl Snapshot {
    pub fn now() -> Result<Snapshot> {
        let me = procfs::process::Process::myself()?;
        let status = me.status()?;
        let rollup = me.smaps_rollup()?;
        let map = rollup.memory_map_rollup.0.first().map(|m| m.extension.map.clone()).unwrap_or_default();
        let field = |name: &str| map.get(name).copied().unwrap_or(0);
        Ok(Snapshot {
            private: field("Private_Dirty") + field("Private_Clean"),
            virtual_: status.vmsize.unwrap_or(0) * 1024,
            peak_resident: status.vmhwm.unwrap_or(0) * 1024,
            resident: status.vmrss.unwrap_or(0) * 1024,
            heap: HELD.load(Ordering::Relaxed) as u64,
            heap_peak: PEAK.load(Ordering::Relaxed) as u64,
        })
    }

    /// Starts new peaks: the heap's at what it holds now, the resident size's at the
    /// current size (`clear_refs` 5).
    pub fn reset_peaks() -> Result<()> {
        PEAK.store(HELD.load(Ordering::Relaxed), Ordering::Relaxed);
        procfs::process::Process::myself()?.clear_refs(procfs::process::ClearRefs::PeakRSS)?;
        Ok(())
    }
}

/// What one fresh process measured for one runtime and sample, in bytes; `None` where the
/// runtime has no such thing (no AOT artifact) or the sample cannot do it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Measured {
    /// Peak while compiling: resident size above the baseline, and the heap's peak.
    pub compile_peak_resident: Option<u64>,
    pub compile_peak_heap: Option<u64>,
    /// What the compiled module keeps once the compiler's temporaries are gone.
    pub module_private: Option<u64>,
    pub module_heap: Option<u64>,
    /// One more live instance, from the growth between 1 and `1 + instances` instances.
    pub instance_private: Option<u64>,
    pub instance_virtual: Option<u64>,
    pub instance_heap: Option<u64>,
    /// A loaded AOT artifact (the module deserialized, no instance).
    pub aot_loaded_private: Option<u64>,
    /// Peak resident size during one call, above the size before it.
    pub execute_peak_resident: Option<u64>,
    pub execute_peak_heap: Option<u64>,
    /// How many more instances the per-instance figures come from.
    pub instances: usize,
}

/// Instances made to measure what one more costs (fewer where the runtime has a limit).
pub const INSTANCES: usize = 100;
/// The same with `--quick`: each instance is called once, which on a slow interpreter takes
/// most of a measurement.
pub const QUICK_INSTANCES: usize = 10;

fn above(after: u64, before: u64) -> u64 {
    after.saturating_sub(before)
}

/// Measures `runtime` on `sample` in this process (a fresh one: call it once per process).
pub fn measure(runtime: &dyn Runtime, sample: &Sample, store: &ArtifactStore, instances: usize) -> Result<Measured> {
    let run = Run::new(runtime, sample);
    let mut measured = Measured::default();
    // The engine's one-time work, as in the timed steps.
    let runtime = crate::harness::steps::fresh_engine(runtime)?;
    let run = Run { runtime: &*runtime, ..run };
    let base = Snapshot::now()?;
    Snapshot::reset_peaks()?;
    let module = run.compile().map_err(|e| anyhow::anyhow!("{e}"))?;
    let compiled = Snapshot::now()?;
    measured.compile_peak_resident = Some(above(compiled.peak_resident, base.resident));
    measured.compile_peak_heap = Some(above(compiled.heap_peak, base.heap));
    measured.module_private = Some(above(compiled.private, base.private));
    measured.module_heap = Some(above(compiled.heap, base.heap));
    if sample.skip(Step::Instantiate).is_none() {
        let more = runtime.instance_limit().map_or(instances, |limit| instances.min(limit - 1));
        measured.instances = more;
        let mut live = vec![run.instantiate(&*module).map_err(|e| anyhow::anyhow!("{e}"))?];
        let one = Snapshot::now()?;
        for _ in 0..more {
            let mut instance = run.instantiate(&*module).map_err(|e| anyhow::anyhow!("{e}"))?;
            // An instance costs what a call touches too (its stack, its linear memory).
            run.check(Step::Execute, run.call(&mut *instance).map_err(|e| anyhow::anyhow!("{e}"))?).map_err(|e| anyhow::anyhow!("{e}"))?;
            live.push(instance);
        }
        let many = Snapshot::now()?;
        let per = |after: u64, before: u64| Some(above(after, before) / more as u64);
        measured.instance_private = per(many.private, one.private);
        measured.instance_virtual = per(many.virtual_, one.virtual_);
        measured.instance_heap = per(many.heap, one.heap);
        drop(live);
        let mut instance = run.instantiate(&*module).map_err(|e| anyhow::anyhow!("{e}"))?;
        let before = Snapshot::now()?;
        Snapshot::reset_peaks()?;
        let value = run.call(&mut *instance).map_err(|e| anyhow::anyhow!("{e}"))?;
        let after = Snapshot::now()?;
        run.check(Step::Execute, value).map_err(|e| anyhow::anyhow!("{e}"))?;
        measured.execute_peak_resident = Some(above(after.peak_resident, before.resident));
        measured.execute_peak_heap = Some(above(after.heap_peak, before.heap));
    }
    if runtime.unsupported(Step::AotCompile).is_none() {
        store.write(&*runtime, sample, &*module).context("storing the artifact")?;
        drop(module);
        let verified = store.verify(&*runtime, sample)?;
        let before = Snapshot::now()?;
        let loaded = verified.load(&*runtime)?;
        let after = Snapshot::now()?;
        measured.aot_loaded_private = Some(above(after.private, before.private));
        drop(loaded);
    }
    Ok(measured)
}

/// One line of `memory.json`: a runtime and sample, measured once or twice (in two fresh
/// processes: their agreement is shown), or why not.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Record {
    pub runtime: String,
    pub sample: String,
    pub first: Option<Measured>,
    pub repeat: Option<Measured>,
    pub error: Option<String>,
}

/// Reads a run's `memory.json`.
pub fn read(file: &std::path::Path) -> Result<Vec<Record>> {
    serde_json::from_slice(&std::fs::read(file).with_context(|| format!("reading {}", file.display()))?).with_context(|| format!("parsing {}", file.display()))
}

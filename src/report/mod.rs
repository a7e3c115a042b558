//! The comparison report: the 2020 plan's tables (per runtime, JIT, AOT total, AOT compile
//! time and space, AOT execute, pure execution beside native), built from a run's results
//! and written as Markdown and as an offline HTML page with one bar chart per table.

pub mod agreement;
pub mod cli;
mod html;
mod markdown;
pub mod results;

pub use html::html;
pub use markdown::markdown;

use crate::artifact::SizeTable;
use results::{Benchmark, Count, Estimate, Results, Verdict};
use std::collections::BTreeMap;

/// What the report knows besides the results: the runtimes of this build in table order,
/// the samples in manifest order, and why a runtime skips a step.
#[derive(Default)]
pub struct Context {
    pub runtimes: Vec<String>,
    pub samples: Vec<String>,
    /// (runtime, step) -> reason.
    pub skips: BTreeMap<(String, String), String>,
    /// (runtime, sample) -> why the runtime cannot run the sample (in any step).
    pub cannot_run: BTreeMap<(String, String), String>,
    /// The WASI samples in manifest order.
    pub wasi_samples: Vec<String>,
    /// What the report says of each sample (plain and WASI), in this order.
    pub sample_info: Vec<SampleInfo>,
    /// Machine, date and versions, shown at the top.
    pub header: Vec<String>,
}

/// A sample as the report's first table shows it.
#[derive(Clone, Debug, Default)]
pub struct SampleInfo {
    pub name: String,
    pub kind: String,
    pub bytes: u64,
    pub proposals: Vec<String>,
    /// What it imports that the suite does not provide.
    pub unprovided: Vec<String>,
    /// The runtimes that cannot run it, with the reason (a proposal they lack, a known bug).
    pub skipped_by: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// A timed result; `factor` is its slowdown against native.
    Time { benchmark: Benchmark, factor: Option<f64> },
    /// The sum of two timed steps (AOT total): the medians added, with a bootstrap interval.
    Sum(Estimate),
    Bytes(u64),
    /// N/A, with the reason.
    Missing(String),
    /// The benchmark ran in this run and gave no number: why.
    Failed(String),
    /// Text with no value to chart (the reference check's figures).
    Text(String),
    /// A number and how it reads (the headline's figures).
    Figure { value: f64, text: String },
}

impl Cell {
    /// The number a chart shows: nanoseconds or bytes.
    pub fn value(&self) -> Option<f64> {
        match self {
            Cell::Time { benchmark, .. } => Some(benchmark.estimate.median),
            Cell::Sum(estimate) => Some(estimate.median),
            Cell::Bytes(bytes) => Some(*bytes as f64),
            Cell::Figure { value, .. } => Some(*value),
            Cell::Missing(_) | Cell::Failed(_) | Cell::Text(_) => None,
        }
    }

    /// The cell as text: `27.1 µs (26.9–27.4)`, `7.2 KiB`, `N/A (reason)`.
    pub fn text(&self) -> String {
        match self {
            Cell::Time { benchmark, factor } => {
                let mut text = interval(&benchmark.estimate);
                if let Some(runs) = benchmark.suite_runs {
                    // The range of the suite's own runs, not a confidence interval.
                    text = text.replacen(')', &format!(", {runs} runs)"), 1);
                }
                if let Some(factor) = factor {
                    text += &format!(" ×{factor:.2}");
                }
                if let Some(slowdown) = benchmark.slowed() {
                    text += &format!(" [machine slowed ×{slowdown:.2}]");
                }
                match &benchmark.change {
                    Some(Ok(change)) => {
                        let verdict = match change.verdict {
                            Verdict::Improved => "improved",
                            Verdict::Regressed => "regressed",
                            Verdict::WithinNoise => "within noise",
                            Verdict::NoChange => "no change",
                        };
                        text += &format!(" [{:+.1}%, {verdict}]", change.median * 100.0);
                    }
                    Some(Err(why)) => text += &format!(" [no comparison: {why}]"),
                    None => {}
                }
                text
            }
            Cell::Sum(estimate) => interval(estimate),
            Cell::Bytes(bytes) => size(*bytes),
            Cell::Missing(reason) => format!("N/A ({reason})"),
            Cell::Failed(reason) => format!("FAILED ({reason})"),
            Cell::Text(text) | Cell::Figure { text, .. } => text.clone(),
        }
    }

    /// The footnote a cell without a number points to.
    fn footnote(&self) -> Option<String> {
        match self {
            Cell::Missing(reason) => Some(format!("N/A: {reason}")),
            Cell::Failed(reason) => Some(format!("FAILED: {reason}")),
            _ => None,
        }
    }
}

impl Table {
    /// The distinct footnotes of cells without a number (`N/A: reason`, `FAILED: why`),
    /// numbered from 1 in order of appearance, so that renderers print them once, under the table.
    pub fn footnotes(&self) -> Vec<String> {
        let mut notes: Vec<String> = Vec::new();
        for (_, cells) in &self.rows {
            for note in cells.iter().filter_map(Cell::footnote) {
                if !notes.contains(&note) {
                    notes.push(note);
                }
            }
        }
        notes
    }

    /// A cell's text with its reason replaced by its footnote number: `N/A [1]`, `FAILED [2]`.
    pub fn cell_text(&self, cell: &Cell) -> String {
        match cell.footnote() {
            Some(note) => {
                let n = self.footnotes().iter().position(|r| *r == note).unwrap_or(0) + 1;
                let label = if matches!(cell, Cell::Failed(_)) { "FAILED" } else { "N/A" };
                format!("{label} [{n}]")
            }
            None => cell.text(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub title: String,
    pub about: String,
    /// What the rows are: `sample`, or `benchmark` for the table of other benchmarks.
    pub row_header: String,
    pub columns: Vec<String>,
    /// Sample name and one cell per column.
    pub rows: Vec<(String, Vec<Cell>)>,
    pub unit: Unit,
    /// Chart two columns against each other (x, y; log scales) instead of bars.
    pub scatter: Option<(usize, usize)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Time,
    Bytes,
    Instructions,
}

/// A count of instructions, three significant digits: `812`, `4.21 k`, `1.37 M`, `2.05 G`.
pub fn instructions(count: f64) -> String {
    match count {
        c if c >= 1e9 => format!("{} G", three_digits(c / 1e9)),
        c if c >= 1e6 => format!("{} M", three_digits(c / 1e6)),
        c if c >= 1e3 => format!("{} k", three_digits(c / 1e3)),
        c => format!("{c:.0}"),
    }
}

/// `value` nanoseconds with a unit that fits, ps to s, three significant digits.
pub fn duration(ns: f64) -> String {
    let (scaled, unit) = scale_time(ns, ns);
    format!("{} {unit}", three_digits(scaled))
}

fn scale_time(reference: f64, ns: f64) -> (f64, &'static str) {
    const UNITS: [(f64, &str); 5] = [(1e9, "s"), (1e6, "ms"), (1e3, "µs"), (1.0, "ns"), (1e-3, "ps")];
    let (div, unit) = UNITS.iter().find(|(div, _)| reference.abs() >= *div).copied().unwrap_or(UNITS[4]);
    (ns / div, unit)
}

fn three_digits(x: f64) -> String {
    let decimals = if x.abs() >= 100.0 { 0 } else if x.abs() >= 10.0 { 1 } else { 2 };
    format!("{x:.decimals$}")
}

/// The median and its confidence interval in the median's unit: `27.1 µs (26.9–27.4)`.
pub fn interval(estimate: &Estimate) -> String {
    let (median, unit) = scale_time(estimate.median, estimate.median);
    let (lower, _) = scale_time(estimate.median, estimate.lower);
    let (upper, _) = scale_time(estimate.median, estimate.upper);
    format!("{} {unit} ({}–{})", three_digits(median), three_digits(lower), three_digits(upper))
}

pub fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{} MiB", three_digits(b as f64 / (1 << 20) as f64)),
        b if b >= 1 << 10 => format!("{} KiB", three_digits(b as f64 / (1 << 10) as f64)),
        b => format!("{b} B"),
    }
}

const NATIVE: &str = "native";
const STEPS: [&str; 8] = ["compile", "instantiate", "execute", "jit", "aot_compile", "aot_verify", "aot_execute", "native"];
const WASI_STEPS: [&str; 2] = ["wasi", "wasi_run"];

struct Builder<'a> {
    results: &'a Results,
    context: &'a Context,
    samples: Vec<String>,
    runtimes: Vec<String>,
}

impl Builder<'_> {
    /// Why `<step>/<sample>/<runtime>` has no number: its failure or skip in this run, or
    /// else why the runtime cannot do it, or else that this run did not run it.
    fn missing(&self, runtime: &str, step: &str, sample: &str) -> Cell {
        let id = format!("{step}/{sample}/{runtime}");
        if let Some(failure) = self.results.failures.get(&id) {
            return Cell::Failed(failure.clone());
        }
        if self.results.overwritten.contains_key(&id) {
            return Cell::Missing("measured again by a later run: that run's summary has its number".to_string());
        }
        if let Some(reason) = self.results.skips.get(&id) {
            return Cell::Missing(reason.clone());
        }
        let skip = self.context.skips.get(&(runtime.to_string(), step.to_string()));
        let wasi = self.context.sample_info.iter().any(|i| i.name == sample && i.kind.starts_with("WASI command"));
        match skip.or_else(|| self.context.cannot_run.get(&(runtime.to_string(), sample.to_string()))) {
            Some(reason) => Cell::Missing(reason.clone()),
            None if wasi && matches!(step, "jit" | "aot_compile" | "aot_verify" | "aot_execute") => {
                Cell::Missing("a WASI command: its run from bytes to exit is in the WASI table".to_string())
            }
            None if wasi && step == "native" => Cell::Missing("a WASI command: its native run is `native` in the WASI table (run only)".to_string()),
            None => Cell::Missing("not run in this run".to_string()),
        }
    }

    fn time(&self, step: &str, sample: &str, runtime: &str) -> Cell {
        match self.results.get(step, sample, runtime) {
            Some(benchmark) => Cell::Time { benchmark: benchmark.clone(), factor: None },
            None => self.missing(runtime, step, sample),
        }
    }

    /// One row per sample, one column per runtime, for `step`.
    fn by_runtime(&self, title: &str, about: &str, step: &str, runtimes: &[String]) -> Table {
        let rows = self
            .samples
            .iter()
            .map(|sample| (sample.clone(), runtimes.iter().map(|r| self.time(step, sample, r)).collect()))
            .collect();
        Table { title: title.into(), about: about.into(), row_header: "sample".into(), columns: runtimes.to_vec(), rows, unit: Unit::Time, scatter: None }
    }

    fn wasm_runtimes(&self) -> Vec<String> {
        self.runtimes.iter().filter(|r| *r != NATIVE).cloned().collect()
    }

    fn individual(&self, runtime: &str) -> Table {
        let steps = [("ab. compile", "compile"), ("c. instantiate", "instantiate"), ("d. execute", "execute")];
        let rows = self
            .samples
            .iter()
            .map(|sample| (sample.clone(), steps.iter().map(|(_, step)| self.time(step, sample, runtime)).collect()))
            .collect();
        Table {
            title: format!("Individual: {runtime}"),
            about: "Each step alone; parsing is part of compiling.".into(),
            row_header: "sample".into(),
            columns: steps.iter().map(|(name, _)| name.to_string()).collect(),
            rows,
            unit: Unit::Time,
            scatter: None,
        }
    }

    fn aot_total(&self) -> Table {
        let runtimes = self.wasm_runtimes();
        let rows = self
            .samples
            .iter()
            .map(|sample| {
                let cells = runtimes
                    .iter()
                    .map(|runtime| {
                        let get = |step| self.results.get(step, sample, runtime);
                        match (get("aot_compile"), get("aot_execute")) {
                            (Some(c), Some(e)) => match (results::per_iteration(&c.dir.join("new")), results::per_iteration(&e.dir.join("new"))) {
                                (Ok(c), Ok(e)) => Cell::Sum(results::sum_of_medians(&c, &e)),
                                (Err(err), _) | (_, Err(err)) => Cell::Failed(format!("no samples to add: {err:#}")),
                            },
                            (None, _) => self.missing(runtime, "aot_compile", sample),
                            (_, None) => self.missing(runtime, "aot_execute", sample),
                        }
                    })
                    .collect();
                (sample.clone(), cells)
            })
            .collect();
        Table {
            title: "AOT total".into(),
            about: "AOT compile + AOT execute (a+b+b' + c'+c+d): against JIT, the cost of storing and loading the artifact (the suite's own check of the artifact, AOT verify, is not in it). The median of the sum is the sum of the two medians; its 95% interval comes from resampling each step's samples (bootstrap).".into(),
            row_header: "sample".into(),
            columns: runtimes,
            rows,
            unit: Unit::Time, scatter: None
        }
    }

    fn aot_space(&self, sizes: &SizeTable) -> Table {
        let runtimes = self.wasm_runtimes();
        let rows = self
            .samples
            .iter()
            .map(|sample| {
                let wasm = sizes.values().find_map(|by_sample| by_sample.get(sample)).map(|r| r.wasm_bytes);
                let mut cells = vec![wasm.map_or(Cell::Missing("no artifact recorded".into()), Cell::Bytes)];
                cells.extend(runtimes.iter().map(|runtime| {
                    match sizes.get(runtime).and_then(|by_sample| by_sample.get(sample)) {
                        Some(record) => Cell::Bytes(record.artifact_bytes),
                        None => match self.missing(runtime, "aot_compile", sample) {
                            Cell::Missing(reason) if reason == "not run in this run" => Cell::Missing("no artifact recorded".into()),
                            other => other,
                        },
                    }
                }));
                (sample.clone(), cells)
            })
            .collect();
        Table {
            title: "AOT compile (space)".into(),
            about: "Size on disk of each runtime's artifact (the serialized module plus this suite's seal), with the .wasm's own size first.".into(),
            row_header: "sample".into(),
            columns: std::iter::once("wasm".to_string()).chain(runtimes).collect(),
            rows,
            unit: Unit::Bytes, scatter: None
        }
    }

    fn pure_execution(&self) -> Table {
        let runtimes = self.wasm_runtimes();
        let rows = self
            .samples
            .iter()
            .map(|sample| {
                let direct = self.time("native", sample, NATIVE);
                let native = self.time("execute", sample, NATIVE);
                // Only the native call made the same way as the runtimes' (through the
                // adapter) is what the factor divides by; without it, no factor.
                let reference = native.value();
                let mut cells = vec![direct, native];
                cells.extend(runtimes.iter().map(|runtime| match self.time("execute", sample, runtime) {
                    Cell::Time { benchmark, .. } => {
                        let factor = reference.map(|native| benchmark.estimate.median / native);
                        Cell::Time { benchmark, factor }
                    }
                    other => other,
                }));
                (sample.clone(), cells)
            })
            .collect();
        Table {
            title: "Pure execution beside native".into(),
            about: "d. execute: one call on a live instance. `native (direct)` calls the sample's native twin (the same source, built with the same profile as the wasm, for the x86-64 baseline CPU) through a function pointer; `native` calls it through the suite's adapter, like every runtime, and is what the ×factor (slowdown against native) divides by; where `native` has no number, no factor is shown.".into(),
            row_header: "sample".into(),
            columns: ["native (direct)".to_string(), NATIVE.to_string()].into_iter().chain(runtimes).collect(),
            rows,
            unit: Unit::Time, scatter: None
        }
    }

    /// WASI commands end to end and run only, one row each, one column per runtime.
    fn wasi(&self) -> Option<Table> {
        let in_wasi = || self.results.benchmarks.values().filter(|b| WASI_STEPS.contains(&b.step.as_str()));
        let samples = ordered(&self.context.wasi_samples, in_wasi().map(|b| b.sample.clone()));
        let runtimes = ordered(&self.context.runtimes, in_wasi().map(|b| b.runtime.clone()));
        let rows: Vec<_> = samples
            .iter()
            .flat_map(|sample| {
                [("wasi", "end to end"), ("wasi_run", "run only")].map(|(step, what)| {
                    (format!("{sample} ({what})"), runtimes.iter().map(|r| self.time(step, sample, r)).collect())
                })
            })
            .collect();
        (!rows.is_empty()).then(|| Table {
            title: "WASI".into(),
            about: "A WASI command (wasm32-wasip1) that reads a file of its one preopened directory and prints a report: end to end (compile, instantiate with a new WASI context, run to exit) and run only (on a compiled module). `native` is the command's library called in-process.".into(),
            row_header: "sample".into(),
            columns: runtimes,
            rows,
            unit: Unit::Time, scatter: None
        })
    }

    /// The memory bench's figures: one table per measure, a row per sample, a column per
    /// runtime; how often two fresh processes agreed, in each table's note.
    fn memory(&self) -> Vec<Table> {
        let records = &self.results.memory;
        if records.is_empty() {
            return Vec::new();
        }
        let samples = ordered(&self.context.samples, records.iter().map(|r| r.sample.clone()));
        let runtimes = ordered(&self.context.runtimes, records.iter().map(|r| r.runtime.clone()));
        MEMORY_TABLES
            .iter()
            .map(|(title, about, field)| {
                let (mut agree, mut pairs) = (0, 0);
                let rows = samples
                    .iter()
                    .map(|sample| {
                        let cells = runtimes
                            .iter()
                            .map(|runtime| match records.iter().find(|r| &r.sample == sample && &r.runtime == runtime) {
                                Some(record) => match (&record.error, record.first.as_ref().and_then(field)) {
                                    (Some(error), _) => Cell::Failed(error.clone()),
                                    (None, Some(bytes)) => {
                                        if let Some(again) = record.repeat.as_ref().and_then(field) {
                                            pairs += 1;
                                            let (share, pages) = MEMORY_TOLERANCE;
                                            let difference = bytes.abs_diff(again);
                                            agree += usize::from(difference as f64 <= share * bytes.max(again) as f64 || difference <= pages);
                                        }
                                        Cell::Bytes(bytes)
                                    }
                                    (None, None) => Cell::Missing(format!("{runtime} has no such thing here (no AOT artifact, or the sample is not instantiated)")),
                                },
                                None => self.missing(runtime, "memory", sample),
                            })
                            .collect();
                        (sample.clone(), cells)
                    })
                    .collect();
                let agreement = if pairs > 0 {
                    format!(" Measured twice in two fresh processes for the samples under 1 MiB: {agree} of {pairs} pairs agree within 5% or 32 pages.")
                } else {
                    String::new()
                };
                Table { title: title.to_string(), about: format!("{about}{agreement}"), row_header: "sample".into(), columns: runtimes.clone(), rows, unit: Unit::Bytes, scatter: None }
            })
            .collect()
    }

    /// `./suite count`'s instruction counts, a table per step, if the run has them.
    fn counts(&self) -> Vec<Table> {
        let counts = &self.results.counts;
        ["execute", "instantiate"]
            .into_iter()
            .filter_map(|step| {
                let ids: Vec<(&str, &str)> = counts.keys().filter_map(|id| id.strip_prefix(step)?.strip_prefix('/')?.split_once('/')).collect();
                if ids.is_empty() {
                    return None;
                }
                let samples = ordered(&self.context.samples, ids.iter().map(|(sample, _)| sample.to_string()));
                let runtimes = ordered(&self.context.runtimes, ids.iter().map(|(_, runtime)| runtime.to_string()));
                let rows = samples
                    .iter()
                    .map(|sample| {
                        let cells = runtimes
                            .iter()
                            .map(|runtime| match counts.get(&format!("{step}/{sample}/{runtime}")) {
                                Some(Count { instructions: Some(n), .. }) => Cell::Figure { value: *n as f64, text: instructions(*n as f64) },
                                Some(Count { error: Some(error), .. }) => Cell::Failed(error.clone()),
                                Some(Count { skipped: Some(reason), .. }) => Cell::Missing(reason.clone()),
                                _ => Cell::Missing("not counted in this run".into()),
                            })
                            .collect();
                        (sample.clone(), cells)
                    })
                    .collect();
                Some(Table {
                    title: format!("Instruction counts: {step}"),
                    about: format!("Instructions the CPU ran for one {step} (callgrind, `./suite count`; the same count run after run, unlike time): the runtime's work only, the suite's setup not counted. A count is not a time (a cache miss costs more than an add), but it does not move with a busy machine."),
                    row_header: "sample".into(),
                    columns: runtimes,
                    rows,
                    unit: Unit::Instructions,
                    scatter: None,
                })
            })
            .collect()
    }

    /// Benchmarks outside the plan's steps (e.g. `overhead`), one row each.
    fn others(&self) -> Option<Table> {
        let rows: Vec<_> = self
            .results
            .benchmarks
            .iter()
            .filter(|(_, b)| !STEPS.contains(&b.step.as_str()) && !WASI_STEPS.contains(&b.step.as_str()) && b.step != "memory")
            .map(|(id, b)| (id.clone(), vec![Cell::Time { benchmark: b.clone(), factor: None }]))
            .collect();
        (!rows.is_empty()).then(|| Table {
            title: "Other benchmarks".into(),
            about: "Benchmarks outside the plan's steps, by id (`overhead`: the adapter against a direct call).".into(),
            row_header: "benchmark".into(),
            columns: vec!["time".into()],
            rows,
            unit: Unit::Time, scatter: None
        })
    }
}

/// Names in `preferred` order first (those that ran), then the rest sorted.
fn ordered(preferred: &[String], seen: impl Iterator<Item = String>) -> Vec<String> {
    let seen: std::collections::BTreeSet<String> = seen.collect();
    let mut out: Vec<String> = preferred.iter().filter(|p| seen.contains(*p)).cloned().collect();
    out.extend(seen.into_iter().filter(|s| !preferred.contains(s)));
    out
}

/// Every table of the report, in the plan's order.
pub fn tables(results: &Results, sizes: &SizeTable, context: &Context) -> Vec<Table> {
    let in_steps = || results.benchmarks.values().filter(|b| STEPS.contains(&b.step.as_str()));
    let builder = Builder {
        results,
        context,
        samples: ordered(&context.samples, in_steps().map(|b| b.sample.clone())),
        runtimes: ordered(&context.runtimes, in_steps().map(|b| b.runtime.clone()).chain(sizes.keys().cloned())),
    };
    let wasm = builder.wasm_runtimes();
    let mut tables: Vec<Table> = headline(results, sizes, context).into_iter().collect();
    tables.extend(samples_table(context));
    tables.extend(wasm.iter().map(|runtime| builder.individual(runtime)));
    tables.push(builder.by_runtime("JIT", "a+b+c+d: from the sample's bytes to its result in one go.", "jit", &builder.runtimes));
    tables.push(builder.aot_total());
    tables.push(builder.by_runtime(
        "AOT compile (time)",
        "a+b+b': compile, serialize and write the artifact to disk.",
        "aot_compile",
        &wasm,
    ));
    tables.push(builder.aot_space(sizes));
    tables.push(builder.by_runtime(
        "AOT verify (the suite's check)",
        "The suite's own work before a runtime may load a stored artifact: read it, check its seal (a keyed BLAKE3 of every byte), copy the checked bytes to a private file. Not part of AOT execute.",
        "aot_verify",
        &wasm,
    ));
    tables.push(builder.by_runtime(
        "AOT execute",
        "c'+c+d: the runtime loads the checked artifact with its own loader, instantiates, calls.",
        "aot_execute",
        &wasm,
    ));
    tables.push(builder.pure_execution());
    tables.extend(builder.wasi());
    tables.extend(builder.memory());
    tables.extend(builder.counts());
    tables.extend(builder.others());
    tables.extend(reference_check(results));
    tables.extend(precision(results));
    tables
}

/// Memory figures that two fresh processes may differ by and still agree: 5%, or 32 pages.
pub const MEMORY_TOLERANCE: (f64, u64) = (0.05, 32 * 4096);

type MemoryField = fn(&crate::memory::Measured) -> Option<u64>;

/// The memory tables: what each one shows, and how it is read from a measurement.
const MEMORY_TABLES: [(&str, &str, MemoryField); 7] = [
    ("Memory: compile peak", "Peak resident size while compiling, above the process's size before (heap, mapped code, the compiler's temporaries).", |m| m.compile_peak_resident),
    ("Memory: compile peak (Rust heap)", "Peak of the Rust heap while compiling, above before: the Rust runtimes' own allocations (C runtimes and LLVM allocate elsewhere: 0 or small here).", |m| m.compile_peak_heap),
    ("Memory: module kept", "Private resident bytes the compiled module keeps once the compiler's temporaries are gone (code, metadata).", |m| m.module_private),
    ("Memory: per instance", "Private resident bytes of one more live instance that has been called once: linear memory touched, stacks and the runtime's per-instance structures (from 1 to 101 instances, 1 to 11 in a quick run; Lucet: 1 to 16).", |m| m.instance_private),
    ("Memory: per instance (address space)", "Virtual address space one more instance reserves (guard regions of linear memory included).", |m| m.instance_virtual),
    ("Memory: AOT artifact loaded", "Private resident bytes a loaded AOT artifact keeps (no instance).", |m| m.aot_loaded_private),
    ("Memory: execute peak", "Peak resident size during one call of the sample on a live instance, above the size before it.", |m| m.execute_peak_resident),
];

/// The geometric mean of `values` (all positive), or `None` for none.
fn geomean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| (values.iter().map(|v| v.ln()).sum::<f64>() / values.len() as f64).exp())
}

/// Modules at least this large count as large in the headline's compile speed.
const LARGE_FOR_COMPILE: u64 = 100 * 1024;

/// The headline, first: per runtime, how far its code is from native (the geometric mean
/// of its slowdown over the samples both ran), how fast it compiles (wasm bytes per second,
/// small and large modules apart), how long an instantiation takes, and how large its AOT
/// artifacts are against the wasm; charted as slowdown against compile speed, so that the
/// trade-off between starting fast and running fast shows at a glance.
pub fn headline(results: &Results, sizes: &SizeTable, context: &Context) -> Option<Table> {
    let bytes = |sample: &str| context.sample_info.iter().find(|i| i.name == sample).map(|i| i.bytes);
    let median = |step: &str, sample: &str, runtime: &str| results.get(step, sample, runtime).map(|b| b.estimate.median);
    let samples: Vec<&String> = context.samples.iter().collect();
    let rows: Vec<(String, Vec<Cell>)> = context
        .runtimes
        .iter()
        .filter(|runtime| *runtime != NATIVE)
        .filter_map(|runtime| {
            let slowdowns: Vec<f64> = samples
                .iter()
                .filter_map(|s| Some(median("execute", s, runtime)? / median("execute", s, NATIVE)?))
                .collect();
            let speed = |large: bool| {
                let speeds: Vec<f64> = samples
                    .iter()
                    .filter(|s| bytes(s).is_some_and(|b| (b >= LARGE_FOR_COMPILE) == large))
                    .filter_map(|s| Some(bytes(s)? as f64 / (median("compile", s, runtime)? * 1e-9)))
                    .collect();
                geomean(&speeds)
            };
            let instantiate: Vec<f64> = samples.iter().filter_map(|s| median("instantiate", s, runtime)).collect();
            let ratios: Vec<f64> = sizes
                .get(runtime.as_str())
                .into_iter()
                .flat_map(|by_sample| by_sample.values())
                .filter(|r| r.wasm_bytes > 0)
                .map(|r| r.artifact_bytes as f64 / r.wasm_bytes as f64)
                .collect();
            // A missing figure says why: the runtime's reason for not doing the step, or
            // that no sample of the kind has a result of it in this run.
            let figure = |value: Option<f64>, step: &str, text: &dyn Fn(f64) -> String| match value {
                Some(value) => Cell::Figure { value, text: text(value) },
                None => Cell::Missing(context.skips.get(&(runtime.clone(), step.to_string())).cloned().unwrap_or_else(|| {
                    format!("no {step} result of {runtime} for these samples in this run (see its skips)")
                })),
            };
            let slowdown = geomean(&slowdowns);
            let cells = vec![
                figure(slowdown, "execute", &|v| format!("×{v:.2} ({} samples)", slowdowns.len())),
                figure(speed(false), "compile", &|v| format!("{:.2} MB/s", v / 1e6)),
                figure(speed(true), "compile", &|v| format!("{:.2} MB/s", v / 1e6)),
                figure(geomean(&instantiate), "instantiate", &|v| duration(v)),
                figure(geomean(&ratios), "aot_compile", &|v| format!("×{v:.1}")),
            ];
            cells.iter().any(|c| c.value().is_some()).then(|| (runtime.clone(), cells))
        })
        .collect();
    (!rows.is_empty()).then(|| Table {
        title: "Headline".into(),
        about: format!(
            "Per runtime: its execution time against native code's (`execute`, geometric mean of the ratios over the samples both ran); its compile speed, wasm bytes per second (geometric mean, modules under and over {} KiB); its instantiation time (geometric mean over the samples); the size of its AOT artifacts against the wasm (geometric mean). The chart puts each runtime at its compile speed (small modules) and its slowdown: down and to the right is fast to start and fast to run.",
            LARGE_FOR_COMPILE / 1024
        ),
        row_header: "runtime".into(),
        columns: ["execute vs native", "compile speed (small modules)", "compile speed (large modules)", "instantiate", "AOT artifact vs wasm"].map(String::from).to_vec(),
        rows,
        unit: Unit::Time,
        scatter: Some((1, 0)),
    })
}

/// The samples of the run: size, the proposals they need, imports the suite does not
/// provide, and the runtimes that cannot run them.
fn samples_table(context: &Context) -> Option<Table> {
    let rows: Vec<_> = context
        .sample_info
        .iter()
        .map(|info| {
            let or_none = |items: &[String]| if items.is_empty() { "none".to_string() } else { items.join(", ") };
            let skipped: Vec<String> = info.skipped_by.iter().map(|(runtime, why)| format!("{runtime} ({why})")).collect();
            (
                info.name.clone(),
                vec![
                    Cell::Text(info.kind.clone()),
                    Cell::Bytes(info.bytes),
                    Cell::Text(or_none(&info.proposals)),
                    Cell::Text(if info.unprovided.is_empty() { "none".into() } else { format!("{} (compiled only)", info.unprovided.join(", ")) }),
                    Cell::Text(or_none(&skipped)),
                ],
            )
        })
        .collect();
    (!rows.is_empty()).then(|| Table {
        title: "Samples".into(),
        about: "The modules of this run: their size, the post-MVP proposals they need (a runtime without one skips the module), what they import that the suite does not provide (such a module is compiled, and stored AOT, only), and the runtimes that cannot run them, with the reason.".into(),
        row_header: "sample".into(),
        columns: ["kind", "size", "proposals needed", "unprovided imports", "runtimes that skip it"].map(String::from).to_vec(),
        rows,
        unit: Unit::Bytes, scatter: None
    })
}

/// Differences beyond this between the suite and the reference are flagged.
pub const REFERENCE_TOLERANCE: f64 = 0.10;

/// The suite's medians beside the independent reference's (`wrb-reference`), where the run
/// holds both; `(id, suite, reference)` for every pair.
pub fn reference_pairs(results: &Results) -> Vec<(String, f64, f64)> {
    results
        .reference
        .iter()
        .filter_map(|(id, reference)| results.benchmarks.get(id).map(|b| (id.clone(), b.estimate.median, *reference)))
        .collect()
}

fn reference_check(results: &Results) -> Option<Table> {
    let pairs = reference_pairs(results);
    let rows: Vec<_> = pairs
        .iter()
        .map(|(id, suite, reference)| {
            let change = suite / reference - 1.0;
            let flag = if change.abs() > REFERENCE_TOLERANCE { " (differs)" } else { "" };
            (id.clone(), vec![Cell::Text(duration(*suite)), Cell::Text(duration(*reference)), Cell::Text(format!("{:+.1}%{flag}", change * 100.0))])
        })
        .collect();
    (!rows.is_empty()).then(|| Table {
        title: "Reference check".into(),
        about: format!(
            "The suite's median beside the independent reference's (`wrb-reference`: each runtime's own API, one engine, no adapter, no Criterion), for the same step, sample and runtime; differences beyond {:.0}% are marked. The reference compiles on one engine again and again, the suite on a fresh engine each time (warmed by one tiny compile).",
            REFERENCE_TOLERANCE * 100.0
        ),
        row_header: "benchmark".into(),
        columns: vec!["suite".into(), "reference".into(), "suite vs reference".into()],
        rows,
        unit: Unit::Time,
        scatter: None,
    })
}

/// Every figure of the summary for scripts: the run's identity, each benchmark's median,
/// interval and half-width, the failures and skips, and every table's cells as text.
pub fn json(results: &Results, tables: &[Table], notes: &[String], context: &Context) -> serde_json::Value {
    use serde_json::json;
    let benchmarks: Vec<_> = results
        .benchmarks
        .iter()
        .map(|(id, b)| {
            json!({
                "id": id, "step": b.step, "sample": b.sample, "runtime": b.runtime,
                "median_ns": b.estimate.median, "lower_ns": b.estimate.lower, "upper_ns": b.estimate.upper,
                "half_width_pct": half_width(b).map(|w| w * 100.0),
                "suite_runs": b.suite_runs,
                "machine_slowdown": b.machine_slowdown,
                "machine_slowed": b.slowed().is_some(),
            })
        })
        .collect();
    let tables: Vec<_> = tables
        .iter()
        .map(|t| {
            json!({
                "title": t.title, "about": t.about, "columns": t.columns,
                "rows": t.rows.iter().map(|(name, cells)| json!({"row": name, "cells": cells.iter().map(|c| t.cell_text(c)).collect::<Vec<_>>()})).collect::<Vec<_>>(),
                "footnotes": t.footnotes(),
            })
        })
        .collect();
    json!({
        "run": {"id": results.run.id, "started": results.run.started, "command": results.run.command},
        "header": context.header,
        "versions": results.versions,
        "warnings": results.warnings,
        "benchmarks": benchmarks,
        "failures": results.failures,
        "overwritten": results.overwritten,
        "skips": results.skips,
        "memory": results.memory,
        "counts": results.counts,
        "tables": tables,
        "notes": notes,
    })
}

/// One line per benchmark that reported a number: id, step, sample, runtime, median and
/// interval in nanoseconds, the half-width in percent, the suite's run count (if it timed it).
pub fn csv(results: &Results) -> String {
    let mut out = String::from("id,step,sample,runtime,median_ns,lower_ns,upper_ns,half_width_pct,suite_runs,machine_slowdown\n");
    for (id, b) in &results.benchmarks {
        let width = half_width(b).map_or(String::new(), |w| format!("{:.3}", w * 100.0));
        let runs = b.suite_runs.map_or(String::new(), |n| n.to_string());
        let slowdown = b.machine_slowdown.map_or(String::new(), |s| format!("{s:.3}"));
        out += &format!(
            "{id},{},{},{},{:.1},{:.1},{:.1},{width},{runs},{slowdown}\n",
            b.step, b.sample, b.runtime, b.estimate.median, b.estimate.lower, b.estimate.upper
        );
    }
    out
}

/// Half the 95% confidence interval as a share of the median (Criterion's benchmarks; the
/// suite-timed ones have a range, not an interval).
pub fn half_width(benchmark: &Benchmark) -> Option<f64> {
    benchmark.suite_runs.is_none().then(|| benchmark.estimate.half_width()).flatten()
}

/// How precise the run's numbers are: how many benchmarks have a confidence interval whose
/// half-width is within 0.5%, 1%, 2%, 5% of the median, or wider.
pub fn precision(results: &Results) -> Option<Table> {
    let widths: Vec<f64> = results.benchmarks.values().filter_map(half_width).collect();
    if widths.is_empty() {
        return None;
    }
    let bounds = [0.005, 0.01, 0.02, 0.05, f64::INFINITY];
    let labels = ["≤ 0.5%", "≤ 1%", "≤ 2%", "≤ 5%", "> 5%"];
    let mut counts = [0usize; 5];
    for w in &widths {
        counts[bounds.iter().position(|b| w <= b).unwrap_or(4)] += 1;
    }
    let within_2 = widths.iter().filter(|w| **w <= 0.02).count();
    let suite_timed = results.benchmarks.values().filter(|b| b.suite_runs.is_some()).count();
    let again: Vec<_> = results.again.iter().filter(|(id, _)| results.benchmarks.contains_key(*id)).map(|(_, again)| again).collect();
    let measured_again = if again.is_empty() {
        String::new()
    } else {
        format!(
            " {} benchmark(s) were measured twice: their first interval was wider than 2%, or the machine was slowed during it, or every slowdown of a sample divides by it (native's execute), so each was measured again at the end of its bench; the one shown is the faster if their intervals are apart (the machine only slows code down), else the one at full speed if only one was (unless it is the slower and its interval more than twice as wide and wider than {:.0}%), else the tighter ({} the second); {} of them are now within 2%.",
            again.len(),
            crate::harness::again::DISTURBED * 100.0,
            again.iter().filter(|a| a.kept_second).count(),
            again.iter().filter(|a| a.kept() <= crate::harness::again::PRECISE).count(),
        )
    };
    let probed = results.benchmarks.values().filter(|b| b.machine_slowdown.is_some()).count();
    let mut slowed: Vec<_> = results.benchmarks.iter().filter_map(|(id, b)| Some((b.slowed()?, id))).collect();
    slowed.sort_by(|a, b| b.0.total_cmp(&a.0));
    let work = if results.probe_float { "integer and floating-point work" } else { "integer work" };
    let when = if results.probe_during { "before, after and (every 50 ms) during the measurement of" } else { "before and after" };
    let speed = match slowed.len() {
        _ if probed == 0 => String::new(),
        0 => format!(
            " Machine speed: a speed probe (fixed native {work}) timed {when} each of {probed} benchmarks stayed within {:.2} times its fastest in this run around every number shown.",
            crate::harness::speed::MARKED
        ),
        n => format!(
            " Machine speed: a speed probe (fixed native {work}) timed {when} each of {probed} benchmarks ran more than {:.2} times its fastest in this run around {n} of the numbers shown (those above {:.2}, and `execute`'s above {:.2}, even after a second measurement): the machine was slowed while they ran, and such a median is often more than 5% above a quiet run's (cells marked `machine slowed`; the worst: {}).",
            crate::harness::speed::MARKED,
            crate::harness::speed::SLOWED,
            crate::harness::again::slowed_above("execute/"),
            slowed.iter().take(5).map(|(s, id)| format!("{id} ×{s:.2}")).collect::<Vec<_>>().join(", ")
        ),
    };
    let row = counts.iter().map(|c| Cell::Figure { value: *c as f64, text: format!("{c} ({:.0}%)", 100.0 * *c as f64 / widths.len() as f64) }).collect();
    Some(Table {
        title: "Precision".into(),
        about: format!(
            "Half the 95% confidence interval of each median, as a share of the median: {within_2} of {} benchmarks ({:.1}%) are within 2%. ({suite_timed} benchmark(s) whose one iteration takes seconds (in a quick run, 50 ms) were timed by the suite, a few runs each, and are not counted: their cells show the range of the runs.){measured_again}{speed}",
            widths.len(),
            100.0 * within_2 as f64 / widths.len() as f64
        ),
        row_header: "benchmarks".into(),
        columns: labels.map(String::from).to_vec(),
        rows: vec![("count".into(), row)],
        unit: Unit::Time,
        scatter: None,
    })
}

/// Notes on what is missing: steps with no result at all, unreadable files.
pub fn notes(results: &Results) -> Vec<String> {
    let mut notes = results.notes.clone();
    for step in STEPS.into_iter().chain(WASI_STEPS) {
        if !results.benchmarks.values().any(|b| b.step == step) {
            notes.push(format!("no results for `{step}` in this run (filtered out, failed, or its bench did not run)"));
        }
    }
    notes
}

pub use crate::harness::run::criterion_dir;

/// A line on the machine and its OS, read from the system.
pub fn machine() -> Vec<String> {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let cpu = read("/proc/cpuinfo").lines().find_map(|l| l.strip_prefix("model name")).map(|l| l.trim_start_matches([' ', '\t', ':']).to_string());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory_kb: u64 = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    let os = read("/etc/os-release").lines().find_map(|l| l.strip_prefix("PRETTY_NAME=")).map(|l| l.trim_matches('"').to_string());
    vec![format!(
        "Machine: {}, {cores} cores, {:.0} GiB, {}",
        cpu.as_deref().unwrap_or("unknown CPU"),
        memory_kb as f64 / (1 << 20) as f64,
        os.as_deref().unwrap_or("unknown OS")
    )]
}

//! The report, built from a small committed fixture of Criterion output with known values
//! (`tests/fixtures/`): its cells, its notes on missing and corrupt results, baselines.

use std::path::{Path, PathBuf};
use wasm_runtime_bench::artifact::read_sizes;
use wasm_runtime_bench::report::results::{Verdict, collect};
use wasm_runtime_bench::report::{self, Cell, Context, Table};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn context() -> Context {
    let mut context = Context {
        runtimes: ["native", "wasmer.singlepass", "wasmer.cranelift", "wasmer.llvm"].map(String::from).to_vec(),
        samples: ["add-one", "fibonacci"].map(String::from).to_vec(),
        wasi_samples: vec!["wordfreq".into()],
        ..Context::default()
    };
    context.cannot_run.insert(("wasmer.llvm".into(), "fibonacci".into()), "the module needs bulk memory, which it lacks".into());
    context.skips.insert(("wasmer.singlepass".into(), "wasi".into()), "no WASI here".into());
    for step in ["compile", "instantiate", "jit", "aot_compile", "aot_execute"] {
        context.skips.insert(("native".into(), step.into()), "native code is compiled by cargo".into());
    }
    context
}

fn tables(baseline: Option<&str>) -> (Vec<Table>, Vec<String>) {
    let results = collect(&fixtures().join("criterion"), baseline).unwrap();
    let sizes = read_sizes(&fixtures().join("aot-sizes.json")).unwrap();
    (report::tables(&results, &sizes, &context()), report::notes(&results))
}

fn table<'a>(tables: &'a [Table], title: &str) -> &'a Table {
    tables.iter().find(|t| t.title == title).unwrap_or_else(|| panic!("no table `{title}`"))
}

/// The text of the cell in `row`, `column`.
fn cell(table: &Table, row: &str, column: &str) -> String {
    let c = table.columns.iter().position(|c| c == column).unwrap_or_else(|| panic!("no column {column}"));
    let (_, cells) = table.rows.iter().find(|(r, _)| r == row).unwrap_or_else(|| panic!("no row {row}"));
    table.cell_text(&cells[c])
}

#[test]
fn per_runtime_tables_show_median_and_interval_in_a_fitting_unit() {
    let (tables, _) = tables(None);
    let singlepass = table(&tables, "Individual: wasmer.singlepass");
    assert_eq!(singlepass.columns, ["ab. compile", "c. instantiate", "d. execute"]);
    assert_eq!(cell(singlepass, "add-one", "ab. compile"), "104 µs (103–105)");
    assert_eq!(cell(singlepass, "add-one", "d. execute"), "78.1 ns (77.9–78.4)");
    assert_eq!(cell(singlepass, "fibonacci", "ab. compile"), "126 µs (125–128)");
    assert_eq!(cell(table(&tables, "Individual: wasmer.llvm"), "add-one", "ab. compile"), "4.49 ms (4.40–4.60)");
    // Only runtimes that ran get a table; native has none.
    assert!(tables.iter().all(|t| t.title != "Individual: native" && t.title != "Individual: wasmer.cranelift"));
}

#[test]
fn missing_cells_say_why() {
    let (tables, _) = tables(None);
    let jit = table(&tables, "JIT");
    assert_eq!(jit.columns, ["native", "wasmer.singlepass", "wasmer.llvm"]);
    assert_eq!(cell(jit, "add-one", "wasmer.singlepass"), "119 µs (118–120)");
    assert_eq!(jit.footnotes(), ["native code is compiled by cargo", "not run", "the module needs bulk memory, which it lacks"]);
    assert_eq!(cell(jit, "add-one", "native"), "N/A [1]");
    // Its estimates.json is corrupt: left out, with a note.
    assert_eq!(cell(jit, "add-one", "wasmer.llvm"), "N/A [2]");
    let singlepass = table(&tables, "Individual: wasmer.singlepass");
    assert_eq!(cell(singlepass, "add-one", "c. instantiate"), "N/A [1]");
    assert_eq!(singlepass.footnotes(), ["not run"]);
}

#[test]
fn notes_name_corrupt_files_and_steps_without_results() {
    let (_, notes) = tables(None);
    assert!(notes.iter().any(|n| n.contains("jit_add-one/wasmer.llvm/new") && n.contains("estimates.json")), "{notes:?}");
    assert!(notes.iter().any(|n| n.contains("no results for `instantiate`")), "{notes:?}");
    assert!(!notes.iter().any(|n| n.contains("no results for `compile`")), "{notes:?}");
}

#[test]
fn aot_tables_add_the_steps_and_show_sizes_beside_the_wasm() {
    let (tables, _) = tables(None);
    assert_eq!(cell(table(&tables, "AOT total"), "add-one", "wasmer.singlepass"), "320 µs (318–322)");
    assert_eq!(cell(table(&tables, "AOT compile (time)"), "add-one", "wasmer.singlepass"), "282 µs (280–284)");
    assert_eq!(cell(table(&tables, "AOT execute"), "add-one", "wasmer.singlepass"), "38.1 µs (38.0–38.3)");
    let space = table(&tables, "AOT compile (space)");
    assert_eq!(space.columns, ["wasm", "wasmer.singlepass", "wasmer.llvm"]);
    assert_eq!(cell(space, "add-one", "wasm"), "115 B");
    assert_eq!(cell(space, "add-one", "wasmer.singlepass"), "7.04 KiB");
    assert_eq!(cell(space, "add-one", "wasmer.llvm"), "2.00 MiB");
    assert_eq!(cell(space, "fibonacci", "wasmer.singlepass"), "N/A [1]");
}

#[test]
fn pure_execution_shows_each_runtimes_slowdown_against_native() {
    let (tables, _) = tables(None);
    let pure = table(&tables, "Pure execution beside native");
    assert_eq!(pure.columns, ["native (direct)", "native", "wasmer.singlepass", "wasmer.llvm"]);
    assert_eq!(cell(pure, "add-one", "native (direct)"), "805 ps (800–810)");
    assert_eq!(cell(pure, "add-one", "native"), "13.7 ns (13.6–13.8)");
    assert_eq!(cell(pure, "add-one", "wasmer.singlepass"), "78.1 ns (77.9–78.4) ×5.70");
    assert_eq!(cell(pure, "add-one", "wasmer.llvm"), "76.7 ns (76.5–77.0) ×5.60");
}

#[test]
fn benchmarks_outside_the_steps_are_listed_too() {
    let (tables, _) = tables(None);
    let others = table(&tables, "Other benchmarks");
    assert_eq!(cell(others, "overhead/add-one/wasmer.singlepass/adapter", "time"), "74.3 ns (74.1–74.5)");
}

#[test]
fn against_a_baseline_each_cell_shows_the_change_and_the_verdict() {
    let (tables, _) = tables(Some("before"));
    let pure = table(&tables, "Pure execution beside native");
    assert_eq!(cell(pure, "add-one", "wasmer.singlepass"), "78.1 ns (77.9–78.4) ×5.70 [+11.6%, regressed]");
    assert_eq!(cell(pure, "add-one", "native"), "13.7 ns (13.6–13.8) [+0.0%, no change]");
    assert_eq!(cell(pure, "add-one", "wasmer.llvm"), "76.7 ns (76.5–77.0) ×5.60 [no comparison: not in the baseline]");
}

#[test]
fn the_verdict_follows_criterions_rules() {
    let around = |centre: f64| -> Vec<f64> { (0..40).map(|i| centre * (1.0 + ((i * 7919) % 11) as f64 / 1000.0)).collect() };
    use wasm_runtime_bench::report::results::judge;
    assert_eq!(judge(&around(100.0), &around(100.0)), Verdict::NoChange);
    assert_eq!(judge(&around(110.0), &around(100.0)), Verdict::Regressed);
    assert_eq!(judge(&around(90.0), &around(100.0)), Verdict::Improved);
    assert_eq!(judge(&around(100.3), &around(100.0)), Verdict::WithinNoise);
}

#[test]
fn a_baseline_that_does_not_exist_is_a_clear_error() {
    let err = collect(&fixtures().join("criterion"), Some("nope")).err().expect("unknown baseline refused");
    let message = format!("{err:#}");
    assert!(message.contains("`nope`") && message.contains("--save-baseline nope"), "{message}");
}

#[test]
fn no_results_at_all_is_a_clear_error() {
    let err = collect(&fixtures().join("no-such-dir"), None).err().expect("missing directory refused");
    assert!(format!("{err:#}").contains("run `cargo bench` first"));
}

#[test]
fn markdown_and_html_hold_every_table() {
    let (tables, notes) = tables(None);
    let context = context();
    let markdown = report::markdown(&tables, &notes, &context);
    let html = report::html(&tables, &notes, &context);
    for table in &tables {
        assert!(markdown.contains(&format!("## {}", table.title)), "{}", table.title);
        assert!(html.contains(&format!("<h2>{}</h2>", table.title.replace('&', "&amp;"))), "{}", table.title);
    }
    assert!(markdown.contains("| add-one | 104 µs (103–105) | N/A [1] | 78.1 ns (77.9–78.4) |"), "{markdown}");
    assert!(markdown.contains("[1] N/A: not run"));
    assert_eq!(html.matches("<svg").count(), tables.len());
    assert!(html.contains("log scale"), "compile times from µs to ms are charted on a log scale");
    assert!(!html.contains("http://") || html.matches("http://").all(|_| html.contains("xmlns=\"http://www.w3.org/2000/svg\"")));
    assert!(!html.contains("<script") && !html.contains("<link"), "the page loads nothing");
}

#[test]
fn cells_know_their_values() {
    let (tables, _) = tables(None);
    let (_, cells) = &table(&tables, "AOT compile (space)").rows[0];
    assert_eq!(cells[0], Cell::Bytes(115));
    assert_eq!(cells[0].value(), Some(115.0));
}

#[test]
fn wasi_results_get_their_own_table_and_a_sample_a_runtime_cannot_run_says_why() {
    let (tables, notes) = tables(None);
    let wasi = table(&tables, "WASI");
    assert_eq!(wasi.columns, ["native", "wasmtime.cranelift"]);
    assert_eq!(wasi.rows.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>(), ["wordfreq (end to end)", "wordfreq (run only)"]);
    assert_eq!(cell(wasi, "wordfreq (end to end)", "wasmtime.cranelift"), "78.1 ns (77.9–78.4)");
    assert!(cell(wasi, "wordfreq (end to end)", "native").starts_with("N/A"), "native has no end-to-end run");
    assert_eq!(cell(wasi, "wordfreq (run only)", "native"), "78.1 ns (77.9–78.4)");
    // WASI results are not "other benchmarks", and WASI samples are no rows of the plan's tables.
    assert!(table(&tables, "Other benchmarks").rows.iter().all(|(id, _)| !id.starts_with("wasi")));
    assert!(table(&tables, "JIT").rows.iter().all(|(sample, _)| sample != "wordfreq"));
    assert!(!notes.iter().any(|n| n.contains("`wasi")), "{notes:?}");
    let llvm = table(&tables, "Individual: wasmer.llvm");
    let reason = llvm.footnotes().iter().position(|f| *f == "the module needs bulk memory, which it lacks").expect("footnote");
    assert_eq!(cell(llvm, "fibonacci", "d. execute"), format!("N/A [{}]", reason + 1));
}

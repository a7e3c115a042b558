//! The report, built from a small committed fixture of Criterion output with known values
//! and the record of the run that made it (`tests/fixtures/criterion/runs/fixture/`): its
//! cells, what it shows for failures, skips and stale files, its notes, baselines.

use std::path::{Path, PathBuf};
use wasm_runtime_bench::artifact::read_sizes;
use wasm_runtime_bench::harness::run::RunDir;
use wasm_runtime_bench::report::results::{Results, Verdict, collect};
use wasm_runtime_bench::report::{self, Cell, Context, Table};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn criterion() -> PathBuf {
    fixtures().join("criterion")
}

fn fixture_run() -> RunDir {
    RunDir { id: "fixture".into(), dir: criterion().join("runs/fixture") }
}

fn results(baseline: Option<&str>) -> Results {
    collect(&fixture_run(), &criterion(), baseline).unwrap()
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
    let results = results(baseline);
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
    assert_eq!(cell(jit, "add-one", "native"), "N/A [1]");
    assert_eq!(jit.footnotes()[0], "N/A: native code is compiled by cargo");
    // It reported a number, but its estimates.json is corrupt: no number, with the reason.
    assert_eq!(cell(jit, "add-one", "wasmer.llvm"), "FAILED [2]");
    assert!(jit.footnotes()[1].starts_with("FAILED: its result is missing"), "{:?}", jit.footnotes());
    let singlepass = table(&tables, "Individual: wasmer.singlepass");
    assert_eq!(cell(singlepass, "add-one", "c. instantiate"), "N/A [1]");
    assert_eq!(singlepass.footnotes()[0], "N/A: not run in this run");
}

#[test]
fn a_benchmark_that_failed_in_this_run_shows_its_failure_never_an_older_number() {
    // execute_fibonacci/wasmer.singlepass/new/estimates.json is there, from an earlier run;
    // in this run the benchmark failed.
    assert!(criterion().join("execute_fibonacci/wasmer.singlepass/new/estimates.json").exists());
    let (tables, _) = tables(None);
    let pure = table(&tables, "Pure execution beside native");
    let wrong = pure.footnotes().iter().position(|f| f.contains("wrong result: got 1_i32, expected 10946_i32")).expect("the failure is a footnote");
    assert_eq!(cell(pure, "fibonacci", "wasmer.singlepass"), format!("FAILED [{}]", wrong + 1));
    let crashed = pure.footnotes().into_iter().find(|f| f.contains("crashed")).expect("the crash is a footnote");
    assert!(crashed.contains("signal 11"), "{crashed}");
    // A skip recorded in this run shows its reason.
    let llvm = table(&tables, "Individual: wasmer.llvm");
    assert!(llvm.footnotes().iter().any(|f| f == "N/A: the module needs bulk memory, which it lacks"), "{:?}", llvm.footnotes());
}

/// The results of a run recorded by `events` (its `events.jsonl`) over the fixture's files.
fn results_of_run(id: &str, events: &str) -> Results {
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("report-{id}"));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    std::fs::write(scratch.join("events.jsonl"), events).unwrap();
    collect(&RunDir { id: id.into(), dir: scratch }, &criterion(), None).unwrap()
}

#[test]
fn a_result_older_than_its_benchmark_in_this_run_is_not_shown() {
    // The benchmark started after its files were written (a day from now).
    let later = wasm_runtime_bench::harness::run::now() + 86_400.0;
    let events = format!(
        "{{\"ev\":\"start\",\"id\":\"compile/add-one/wasmer.singlepass\",\"session\":\"s\",\"pid\":1,\"t\":{later}}}\n{{\"ev\":\"ok\",\"id\":\"compile/add-one/wasmer.singlepass\",\"session\":\"s\",\"t\":{later},\"secs\":1.0}}\n"
    );
    let results = results_of_run("stale", &events);
    assert!(results.benchmarks.is_empty());
    let failure = &results.failures["compile/add-one/wasmer.singlepass"];
    assert!(failure.contains("older than this run's benchmark"), "{failure}");
}

#[test]
fn a_result_a_later_run_wrote_over_is_not_shown_as_this_runs() {
    // This run measured 1.5 µs; the fixture's files hold another measurement.
    let ok = |id: &str, median: f64| {
        format!("{{\"ev\":\"start\",\"id\":\"{id}\",\"session\":\"s\",\"pid\":1,\"t\":1.0}}\n{{\"ev\":\"ok\",\"id\":\"{id}\",\"session\":\"s\",\"t\":2.0,\"secs\":1.0,\"median_ns\":{median}}}\n")
    };
    let fixture = results(None);
    let kept = fixture.benchmarks["compile/add-one/wasmer.llvm"].estimate.median;
    // A record from before medians were kept: the files, written after it ended, are not its.
    let legacy = ok("compile/fibonacci/wasmer.singlepass", 0.0).replace(",\"median_ns\":0", "");
    let events = ok("compile/add-one/wasmer.singlepass", 1500.0) + &ok("compile/add-one/wasmer.llvm", kept) + &legacy;
    let results = results_of_run("overwritten", &events);
    assert_eq!(results.benchmarks.keys().collect::<Vec<_>>(), ["compile/add-one/wasmer.llvm"]);
    assert!(results.failures.is_empty(), "{:?}", results.failures);
    let why = &results.overwritten["compile/add-one/wasmer.singlepass"];
    assert!(why.contains("holds a later run's measurement") && why.contains("this run's was 1500 ns"), "{why}");
    let why = &results.overwritten["compile/fibonacci/wasmer.singlepass"];
    assert!(why.contains("written after this run's benchmark ended"), "{why}");
    // Not a failure of this run: its summary says where the number went.
    let sizes = read_sizes(&fixtures().join("aot-sizes.json")).unwrap();
    let tables = report::tables(&results, &sizes, &context());
    let singlepass = table(&tables, "Individual: wasmer.singlepass");
    assert_eq!(cell(singlepass, "add-one", "ab. compile"), "N/A [1]");
    assert_eq!(singlepass.footnotes()[0], "N/A: measured again by a later run: that run's summary has its number");
}

#[test]
fn the_precision_note_names_the_parts_the_runs_speed_probe_had() {
    let kept = results(None).benchmarks["compile/add-one/wasmer.llvm"].estimate.median;
    let id = "compile/add-one/wasmer.llvm";
    let measured = format!(
        "{{\"ev\":\"start\",\"id\":\"{id}\",\"session\":\"s\",\"pid\":1,\"t\":1.0}}\n{{\"ev\":\"ok\",\"id\":\"{id}\",\"session\":\"s\",\"t\":2.0,\"secs\":1.0,\"median_ns\":{kept}}}\n"
    );
    let integer = format!("{{\"ev\":\"speed\",\"id\":\"{id}\",\"t\":2.0,\"before_ns\":300000.0,\"after_ns\":300000.0}}\n");
    let both = integer.replace("}\n", ",\"float_before_ns\":25000.0,\"float_after_ns\":25000.0}\n");
    // Slowed in the middle of its measurement, at full speed at both ends.
    let during = both.replace("}\n", ",\"during_ns\":330000.0,\"float_during_ns\":25000.0}\n");
    for (run, speed, work, slowdown) in [
        ("integer-probe", &integer, "(fixed native integer work) timed before and after each", 1.0),
        ("two-part-probe", &both, "(fixed native integer and floating-point work) timed before and after each", 1.0),
        ("probed-during", &during, "(fixed native integer and floating-point work) timed before, after and (every 50 ms) during the measurement of each", 1.1),
    ] {
        let results = results_of_run(run, &(measured.clone() + speed));
        assert!((results.benchmarks[id].machine_slowdown.unwrap() - slowdown).abs() < 1e-9, "{run}");
        let about = report::precision(&results).unwrap().about;
        assert!(about.contains(work), "{run}: {about}");
    }
}

#[test]
fn the_run_knows_its_versions_and_warnings() {
    let results = results(None);
    assert_eq!(results.run.id, "fixture");
    assert_eq!(results.versions["wasmer.singlepass"], "wasmer 7.4.2 (fixture)");
    assert_eq!(results.warnings, ["the machine was busy (fixture)"]);
}

#[test]
fn notes_name_corrupt_files_and_steps_without_results() {
    let (_, notes) = tables(None);
    assert!(notes.iter().any(|n| n.contains("jit_add-one/wasmer.llvm/new") && n.contains("estimates.json")), "{notes:?}");
    assert!(notes.iter().any(|n| n.contains("no results for `instantiate`")), "{notes:?}");
    assert!(!notes.iter().any(|n| n.contains("no results for `compile`")), "{notes:?}");
}

#[test]
fn results_of_benchmarks_this_run_did_not_record_are_not_shown() {
    // instantiate has no record in the fixture run; neither are files without a record read.
    let results = results(None);
    assert!(results.benchmarks.keys().all(|id| !id.starts_with("instantiate/")));
    assert_eq!(results.benchmarks.len(), 14);
}

#[test]
fn aot_tables_add_the_steps_and_show_sizes_beside_the_wasm() {
    let (tables, _) = tables(None);
    // 282 µs + 38.1 µs: the sum of the medians, its interval from resampling both steps.
    let total = cell(table(&tables, "AOT total"), "add-one", "wasmer.singlepass");
    assert!(total.starts_with("320 µs (3"), "{total}");
    let total = table(&tables, "AOT total");
    let column = total.columns.iter().position(|c| c == "wasmer.singlepass").unwrap();
    let Cell::Sum(sum) = &total.rows[0].1[column] else { panic!("a sum") };
    assert!(sum.lower < sum.median && sum.median < sum.upper && sum.upper - sum.lower < 3000.0, "{sum:?}");
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
    let err = collect(&fixture_run(), &criterion(), Some("nope")).err().expect("unknown baseline refused");
    let message = format!("{err:#}");
    assert!(message.contains("`nope`") && message.contains("--save-baseline nope"), "{message}");
}

#[test]
fn the_factor_divides_only_by_native_through_the_adapter() {
    let (tables, _) = tables(None);
    let pure = table(&tables, "Pure execution beside native");
    // fibonacci has a direct native number in no run here and no adapter one: no factor.
    assert!(!cell(pure, "fibonacci", "wasmer.singlepass").contains('×'));
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
    assert!(markdown.contains("[1] N/A: not run in this run"), "{markdown}");
    // A bar chart for every table with a figure; the headline's scatter needs a runtime
    // with both of its figures (here none has a slowdown: no native).
    let charted = |t: &&report::Table| match t.scatter {
        Some((x, y)) => t.rows.iter().any(|(_, cells)| cells[x].value().is_some() && cells[y].value().is_some()),
        None => t.rows.iter().any(|(_, cells)| cells.iter().any(|c| c.value().is_some())),
    };
    assert!(tables.iter().any(|t| t.scatter.is_some() && !charted(&t)));
    assert_eq!(html.matches("<svg").count(), tables.iter().filter(charted).count());
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
    let reason = llvm.footnotes().iter().position(|f| *f == "N/A: the module needs bulk memory, which it lacks").expect("footnote");
    assert_eq!(cell(llvm, "fibonacci", "d. execute"), format!("N/A [{}]", reason + 1));
}

#[test]
fn the_agreement_of_two_runs_counts_medians_and_slowdowns_within_five_percent() {
    use report::agreement::agreement;
    use report::agreement::RunMedians;
    let run = |pairs: &[(&str, f64)], slowed: &[&str]| RunMedians {
        medians: pairs.iter().map(|(id, m)| (id.to_string(), *m)).collect(),
        slowed: slowed.iter().map(|id| id.to_string()).collect(),
        probes: Default::default(),
    };
    let a = run(&[("execute/nbody/native", 100.0), ("execute/nbody/wasmi.eager", 1000.0), ("compile/nbody/wasmi.eager", 50.0)], &[]);
    let b = run(&[("execute/nbody/native", 110.0), ("execute/nbody/wasmi.eager", 1100.0), ("compile/nbody/wasmi.eager", 50.5)], &[]);
    let text = agreement(&a, &b, 0.05);
    assert!(text.contains("medians: 1 of 3 within 5% (33.3%)"), "{text}");
    assert!(text.contains("+10.0%  execute/nbody/native\n"), "{text}");
    assert!(!text.contains("full speed"), "{text}");
    // Both got 10% slower: the slowdown against native did not move.
    assert!(text.contains("slowdowns against native (pure execution): 1 of 1 within 5% (100.0%)"), "{text}");
    // The second run measured native on a slowed machine: the share without it, and the mark.
    let b = run(&[("execute/nbody/native", 150.0), ("execute/nbody/wasmi.eager", 1100.0), ("compile/nbody/wasmi.eager", 50.5)], &["execute/nbody/native"]);
    let text = agreement(&a, &b, 0.05);
    assert!(text.contains("medians: 1 of 3 within 5% (33.3%)\n  measured at full speed in both runs: 1 of 2 within 5% (50.0%)"), "{text}");
    assert!(text.contains("+50.0%  execute/nbody/native  (machine slowed)"), "{text}");
    assert!(text.contains("slowdowns against native (pure execution): 0 of 1 within 5% (0.0%)\n  measured at full speed in both runs: none\n"), "{text}");
    // The share step by step, and how fast the machine was around a worst case in each run.
    assert!(text.contains("  by step: compile 1/1, execute 0/2\n"), "{text}");
    let (mut a, mut b) = (a, b);
    a.probes.insert("execute/nbody/native".into(), 1.024);
    b.probes.insert("execute/nbody/native".into(), 1.31);
    let text = agreement(&a, &b, 0.05);
    assert!(text.contains("+50.0%  execute/nbody/native  probe 1.02, 1.31  (machine slowed)"), "{text}");
    assert!(text.contains("+10.0%  execute/nbody/wasmi.eager\n"), "a worst case without probes has none: {text}");
    // A miss at full speed in both is listed even when the worst cases, all slowed, fill the list.
    let slowed: Vec<String> = (0..15).map(|i| format!("compile/s{i}/wasmi.eager")).collect();
    let mut pairs_a: Vec<(&str, f64)> = slowed.iter().map(|id| (id.as_str(), 100.0)).collect();
    let mut pairs_b: Vec<(&str, f64)> = slowed.iter().map(|id| (id.as_str(), 200.0)).collect();
    pairs_a.push(("compile/nbody/wasmi.eager", 100.0));
    pairs_b.push(("compile/nbody/wasmi.eager", 106.0));
    let ids: Vec<&str> = slowed.iter().map(String::as_str).collect();
    let text = agreement(&run(&pairs_a, &ids), &run(&pairs_b, &[]), 0.05);
    assert!(text.contains("  and the misses measured at full speed in both runs:\n  +6.0%  compile/nbody/wasmi.eager\n"), "{text}");
}

#[test]
fn of_several_runs_each_benchmark_keeps_its_fastest_median_and_whether_it_was_slowed() {
    use report::agreement::{RunMedians, fastest};
    let run = |pairs: &[(&str, f64)], slowed: &[&str]| RunMedians {
        medians: pairs.iter().map(|(id, m)| (id.to_string(), *m)).collect(),
        slowed: slowed.iter().map(|id| id.to_string()).collect(),
        probes: Default::default(),
    };
    let a = run(&[("execute/nbody/native", 100.0), ("compile/nbody/wasmi.eager", 60.0), ("jit/nbody/wasmi.eager", 9.0)], &["compile/nbody/wasmi.eager"]);
    let b = run(&[("execute/nbody/native", 120.0), ("compile/nbody/wasmi.eager", 50.0)], &["execute/nbody/native"]);
    let kept = fastest(&[a, b]);
    // Only the benchmarks both runs measured; the slowed mark follows the median kept.
    assert_eq!(kept.medians, [("compile/nbody/wasmi.eager".to_string(), 50.0), ("execute/nbody/native".to_string(), 100.0)].into());
    assert!(kept.slowed.is_empty(), "{:?}", kept.slowed);
    let (mut a, mut b) = (run(&[("execute/nbody/native", 100.0)], &[]), run(&[("execute/nbody/native", 90.0)], &[]));
    a.probes.insert("execute/nbody/native".into(), 1.02);
    b.probes.insert("execute/nbody/native".into(), 1.04);
    assert_eq!(fastest(&[a, b]).probes, [("execute/nbody/native".to_string(), 1.04)].into(), "the probe of the run the median comes from");
}

#[test]
fn a_wasi_command_in_the_plans_tables_says_where_its_runs_are() {
    let run = RunDir { id: "fixture-wasi".into(), dir: criterion().join("runs/fixture-wasi") };
    let results = collect(&run, &criterion(), None).unwrap();
    let mut context = context();
    context.sample_info.push(report::SampleInfo { name: "wordfreq".into(), kind: "WASI command".into(), ..Default::default() });
    let sizes = read_sizes(&fixtures().join("aot-sizes.json")).unwrap();
    let tables = report::tables(&results, &sizes, &context);
    let execute = table(&tables, "Pure execution beside native");
    assert!(cell(execute, "wordfreq", "native (direct)").starts_with("N/A"));
    assert!(execute.footnotes().iter().any(|f| f.contains("its native run is `native` in the WASI table")), "{:?}", execute.footnotes());
    assert!(table(&tables, "JIT").footnotes().iter().any(|f| f.contains("its run from bytes to exit is in the WASI table")));
}

#[test]
fn the_precision_table_says_which_benchmarks_were_measured_twice() {
    let (tables, _) = tables(None);
    let about = &table(&tables, "Precision").about;
    assert!(
        about.contains("1 benchmark(s) were measured twice: their first interval was wider than 2%, or the machine was slowed during it, or every slowdown of a sample divides by it")
            && about.contains("(1 the second); 1 of them are now within 2%"),
        "{about}"
    );
}

#[test]
fn a_number_measured_on_a_slowed_machine_is_marked_and_counted() {
    let (tables, _) = tables(None);
    // Probed at 1.5 times the run's fastest: marked.
    assert_eq!(cell(table(&tables, "WASI"), "wordfreq (run only)", "wasmtime.cranelift"), "78.1 ns (77.9–78.4) [machine slowed ×1.50]");
    // Slowed during its first measurement, at full speed during the second, the one kept: not marked.
    assert_eq!(cell(table(&tables, "Individual: wasmer.singlepass"), "add-one", "ab. compile"), "104 µs (103–105)");
    let about = &table(&tables, "Precision").about;
    assert!(about.contains("around 1 of the numbers shown") && about.contains("wasi_run/wordfreq/wasmtime.cranelift ×1.50"), "{about}");
    assert!(about.contains("ran more than 1.05 times its fastest") && about.contains("(those above 1.10, and `execute`'s above 1.05, even after a second measurement)"), "{about}");
    let csv = report::csv(&results(None));
    assert!(csv.starts_with("id,step,sample,runtime,median_ns,lower_ns,upper_ns,half_width_pct,suite_runs,machine_slowdown\n"), "{csv}");
    assert!(csv.lines().any(|l| l.starts_with("wasi_run/wordfreq/wasmtime.cranelift,") && l.ends_with(",1.500")), "{csv}");
    assert!(csv.lines().any(|l| l.starts_with("compile/add-one/wasmer.singlepass,") && l.ends_with(",1.010")), "{csv}");
}

//! The report's command line, shared by `src/bin/report.rs` and `benches/report.rs`.

use crate::artifact::{SizeTable, read_sizes};
use crate::harness::run::{RunDir, criterion_dir, rfc3339};
use crate::report::{self, Context, results};
use crate::runtimes::runtimes;
use crate::sample::load_samples;
use crate::step::Step;
use crate::wasi::load_wasi_samples;
use anyhow::{Context as _, Result, bail};
use std::path::PathBuf;

/// Which run a report is of when no `--run ID` is given.
#[derive(Clone, Copy)]
pub enum DefaultRun {
    /// The run this process belongs to (the `report` bench target, last of a `cargo bench`).
    Current,
    /// The run that started last (`cargo run --bin report`).
    Latest,
}

/// Reads `--run ID`, `--baseline NAME` and `--criterion DIR`; with `lenient`, other
/// arguments (Criterion's, when run as a bench) are passed over instead of refused.
pub fn run(args: impl Iterator<Item = String>, lenient: bool, default_run: DefaultRun) -> Result<()> {
    let mut baseline = None;
    let mut run_id = None;
    let mut criterion = criterion_dir();
    let mut args = args;
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--baseline" => baseline = Some(value()?),
            "--run" => run_id = Some(value()?),
            "--criterion" => criterion = PathBuf::from(value()?),
            _ if lenient => {}
            _ => bail!("unknown argument `{arg}`; takes --run ID, --baseline NAME, --criterion DIR"),
        }
    }
    let run = match (run_id, default_run) {
        (Some(id), _) => RunDir::open(&id)?,
        (None, DefaultRun::Current) => RunDir::current()?,
        (None, DefaultRun::Latest) => RunDir::latest()?,
    };
    let results = results::collect(&run, &criterion, baseline.as_deref())?;
    let mut notes = report::notes(&results);
    let sizes_path = run.dir.join("aot-sizes.json");
    let sizes = if sizes_path.exists() {
        read_sizes(&sizes_path).unwrap_or_else(|e| {
            notes.push(format!("no artifact sizes: {e:#}"));
            SizeTable::new()
        })
    } else {
        notes.push("no artifact sizes: this run did not run the aot_compile bench".into());
        SizeTable::new()
    };
    let mut context = Context { header: report::machine(), ..Context::default() };
    let info = &results.run;
    context.header.push(format!("Run `{}`, started {}: `{}`", info.id, if info.started.is_empty() { "at an unknown time".into() } else { info.started.clone() }, info.command.join(" ")));
    context.header.push(format!("Summary written {}", rfc3339(crate::harness::run::now())));
    if let Some(name) = &baseline {
        context.header.push(format!("Compared with the Criterion baseline `{name}`: change of the median, and Criterion's verdict"));
    }
    for warning in &results.warnings {
        context.header.push(format!("Warning recorded during the run: {warning}"));
    }
    for runtime in runtimes() {
        let version = results.versions.get(runtime.name()).cloned().unwrap_or_else(|| runtime.version());
        context.header.push(format!("{}: {version}", runtime.name()));
        for step in Step::ALL {
            if let Some(reason) = runtime.unsupported(step) {
                context.skips.insert((runtime.name().to_string(), step.id().to_string()), reason);
            }
        }
        context.runtimes.push(runtime.name().to_string());
    }
    let all = runtimes();
    let info = |name: &str, kind: &str, wasm: &[u8], proposals: &[crate::proposal::Proposal], unprovided: Vec<String>| {
        let skipped_by = all
            .iter()
            .filter_map(|runtime| runtime.cannot_run(name, proposals).map(|why| (runtime.name().to_string(), why)))
            .collect();
        report::SampleInfo {
            name: name.to_string(),
            kind: kind.to_string(),
            bytes: wasm.len() as u64,
            proposals: proposals.iter().map(|p| p.to_string()).collect(),
            unprovided,
            skipped_by,
        }
    };
    match load_samples() {
        Ok(samples) => {
            for sample in &samples {
                for (runtime, why) in info(&sample.name, "", &sample.wasm, &sample.proposals, Vec::new()).skipped_by {
                    context.cannot_run.insert((runtime, sample.name.clone()), why);
                }
                let unprovided = sample.imports.iter().map(|(m, n)| format!("{m}.{n}")).collect();
                context.sample_info.push(info(&sample.name, &format!("export {}", sample.export), &sample.wasm, &sample.proposals, unprovided));
            }
            context.samples = samples.into_iter().map(|s| s.name).collect();
        }
        Err(e) => notes.push(format!("samples in results order: {e:#}")),
    }
    match load_wasi_samples() {
        Ok(samples) => {
            for sample in &samples {
                let kind = if sample.markers { "WASI command, marks its work (bench.start/end)" } else { "WASI command" };
                let unprovided = sample.unprovided.iter().map(|(m, n)| format!("{m}.{n}")).collect();
                context.sample_info.push(info(&sample.name, kind, &sample.wasm, &sample.proposals, unprovided));
            }
            context.wasi_samples = samples.into_iter().map(|s| s.name).collect();
        }
        Err(e) => notes.push(format!("WASI samples in results order: {e:#}")),
    }
    let tables = report::tables(&results, &sizes, &context);
    let markdown = report::markdown(&tables, &notes, &context);
    let html = report::html(&tables, &notes, &context);
    let json = serde_json::to_string_pretty(&report::json(&results, &tables, &notes, &context))?;
    let csv = report::csv(&results);
    for dir in [&run.dir, &criterion] {
        for (name, text) in [("summary.md", &markdown), ("summary.html", &html), ("summary.json", &json), ("summary.csv", &csv)] {
            let path = dir.join(name);
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    println!("report: wrote {} and {} (run `{}`)", criterion.join("summary.md").display(), criterion.join("summary.html").display(), run.id);
    for note in &notes {
        eprintln!("report: note: {note}");
    }
    let pairs = report::reference_pairs(&results);
    if !pairs.is_empty() {
        let differ: Vec<_> = pairs.iter().filter(|(_, suite, reference)| (suite / reference - 1.0).abs() > report::REFERENCE_TOLERANCE).collect();
        eprintln!(
            "report: reference check: {} of {} pairs differ by more than {:.0}%",
            differ.len(),
            pairs.len(),
            report::REFERENCE_TOLERANCE * 100.0
        );
        for (id, suite, reference) in differ {
            eprintln!("  {id}: suite {}, reference {} ({:+.1}%)", report::duration(*suite), report::duration(*reference), (suite / reference - 1.0) * 100.0);
        }
    }
    Ok(())
}

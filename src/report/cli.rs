//! The report's command line, shared by `src/bin/report.rs` and `benches/report.rs`.

use anyhow::{Context as _, Result, bail};
use std::path::PathBuf;
use crate::artifact::{SizeTable, read_sizes, sizes_file};
use crate::report::{self, Context, results};
use crate::runtimes::runtimes;
use crate::sample::load_samples;
use crate::step::Step;
use crate::wasi::load_wasi_samples;

/// Reads `--baseline NAME`, `--criterion DIR` and `--sizes FILE`; with `lenient`, other
/// arguments (Criterion's, when run as a bench) are passed over instead of refused.
pub fn run(args: impl Iterator<Item = String>, lenient: bool) -> Result<()> {
    let mut baseline = None;
    let mut criterion_dir = report::criterion_dir();
    let mut sizes_path = sizes_file();
    let mut args = args;
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--baseline" => baseline = Some(value()?),
            "--criterion" => criterion_dir = PathBuf::from(value()?),
            "--sizes" => sizes_path = PathBuf::from(value()?),
            _ if lenient => {}
            _ => bail!("unknown argument `{arg}`; takes --baseline NAME, --criterion DIR, --sizes FILE"),
        }
    }
    let results = results::collect(&criterion_dir, baseline.as_deref())?;
    let mut notes = report::notes(&results);
    let sizes = if sizes_path.exists() {
        read_sizes(&sizes_path).unwrap_or_else(|e| {
            notes.push(format!("no artifact sizes: {e:#}"));
            SizeTable::new()
        })
    } else {
        notes.push(format!("no artifact sizes: {} does not exist (run the aot_compile bench)", sizes_path.display()));
        SizeTable::new()
    };
    let mut context = Context { header: report::machine(&criterion_dir), ..Context::default() };
    if let Some(name) = &baseline {
        context.header.push(format!("Compared with the Criterion baseline `{name}`: change of the median, and Criterion's verdict"));
    }
    for runtime in runtimes() {
        context.header.push(format!("{}: {}", runtime.name(), runtime.version()));
        for step in Step::ALL {
            if let Some(reason) = runtime.unsupported(step) {
                context.skips.insert((runtime.name().to_string(), step.id().to_string()), reason.to_string());
            }
        }
        context.runtimes.push(runtime.name().to_string());
    }
    match load_samples() {
        Ok(samples) => {
            for runtime in runtimes() {
                for sample in &samples {
                    if let Some(reason) = runtime.cannot_run(&sample.name, &sample.proposals) {
                        context.cannot_run.insert((runtime.name().to_string(), sample.name.clone()), reason);
                    }
                }
            }
            context.samples = samples.into_iter().map(|s| s.name).collect();
        }
        Err(e) => notes.push(format!("samples in results order: {e:#}")),
    }
    match load_wasi_samples() {
        Ok(samples) => context.wasi_samples = samples.into_iter().map(|s| s.name).collect(),
        Err(e) => notes.push(format!("WASI samples in results order: {e:#}")),
    }
    let tables = report::tables(&results, &sizes, &context);
    let write = |name: &str, text: String| -> Result<()> {
        let path = criterion_dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        println!("report: wrote {}", path.display());
        Ok(())
    };
    write("summary.md", report::markdown(&tables, &notes, &context))?;
    write("summary.html", report::html(&tables, &notes, &context))?;
    for note in &notes {
        eprintln!("report: note: {note}");
    }
    Ok(())
}

//! `wrb-run`: the whole suite as one run a person can follow (`./suite bench` calls it).
//!
//!   wrb-run --run-id ID [--verbose] --criterion DIR --bench EXE... --report EXE
//!           [--reference 'EXE ARGS'] [-- ARGS]
//!
//! It prints what will run (counts per step and per runtime, the skips grouped by reason)
//! and warnings when the machine is busy (also recorded in the run, so the summary shows
//! them); runs every bench executable in turn with ARGS, their output in the run's
//! `bench.log` (with `--verbose`, on the terminal), showing one progress line for the whole
//! run (a bar on a terminal, a plain line every 30 s otherwise, or every
//! `$WRB_PROGRESS_SECS`); then runs the reference on the benchmarks that gave a number
//! (`--ids`), writes the summary and
//! ends with a recap: wall time, counts, failures, second measurements (a warning when so many
//! were needed that the machine was busy), the numbers measured on a slowed machine, the
//! widest intervals, where the results are.

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use wrb_run::{Plan, Progress, clock, history, machine_warnings, read_events};

struct Options {
    run_id: String,
    verbose: bool,
    criterion: PathBuf,
    benches: Vec<PathBuf>,
    report: PathBuf,
    /// The reference's command, run after the benches (see `wrb-reference`), if any.
    reference: Vec<String>,
    args: Vec<String>,
}

fn options() -> Result<Options> {
    let mut args = std::env::args().skip(1);
    let (mut run_id, mut verbose, mut criterion, mut benches, mut report, mut rest) = (None, false, None, Vec::new(), None, Vec::new());
    let mut reference = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--run-id" => run_id = args.next(),
            "--verbose" => verbose = true,
            "--criterion" => criterion = args.next().map(PathBuf::from),
            "--bench" => benches.push(PathBuf::from(args.next().context("--bench EXE")?)),
            "--report" => report = args.next().map(PathBuf::from),
            "--reference" => reference = args.next().context("--reference 'EXE ARGS'")?.split_whitespace().map(str::to_string).collect(),
            "--" => rest.extend(args.by_ref()),
            other => bail!("unknown argument `{other}`"),
        }
    }
    Ok(Options {
        run_id: run_id.context("--run-id ID")?,
        verbose,
        criterion: criterion.context("--criterion DIR")?,
        benches,
        report: report.context("--report EXE")?,
        reference,
        args: rest,
    })
}

/// Appends a warning to the run's record (the summary lists them).
fn record_warning(events: &std::path::Path, text: &str) -> Result<()> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs_f64();
    let line = serde_json::json!({"ev": "warning", "t": now, "text": text}).to_string();
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(events)?;
    Ok(file.write_all(format!("{line}\n").as_bytes())?)
}

fn main() -> Result<()> {
    let options = options()?;
    let start = Instant::now();
    let run_dir = options.criterion.join("runs").join(&options.run_id);
    std::fs::create_dir_all(&run_dir)?;
    let events_file = run_dir.join("events.jsonl");
    let log_file = run_dir.join("bench.log");
    let is_list = options.args.iter().any(|a| a == "--list");
    let env = |command: &mut Command| {
        command.env("WRB_RUN_ID", &options.run_id).env("CRITERION_HOME", &options.criterion);
    };

    eprintln!("wrb: run {} ({})", options.run_id, run_dir.display());
    for warning in machine_warnings(&[]) {
        eprintln!("wrb: warning: {warning}");
        record_warning(&events_file, &warning)?;
    }

    // What will run: each bench lists what it selects (after the filter and the skips).
    let mut list_args = vec!["--list".to_string()];
    list_args.extend(options.args.iter().filter(|a| *a != "--list" && *a != "--test" && *a != "--bench").cloned());
    // All at once: nothing is measured yet, and each takes about a second.
    let listing = options
        .benches
        .iter()
        .map(|bench| {
            let mut command = Command::new(bench);
            command.args(&list_args).stdout(Stdio::null()).stderr(Stdio::null());
            env(&mut command);
            command.spawn().with_context(|| format!("listing {}", bench.display()))
        })
        .collect::<Result<Vec<_>>>()?;
    for mut child in listing {
        child.wait()?;
    }
    let quick = options.args.iter().any(|a| a == "--quick");
    let plan = Plan::new(&read_events(&events_file), &history(&options.criterion.join("runs"), &options.run_id, quick));
    let (steps, runtimes) = plan.counts();
    let total: f64 = plan.expected.values().sum();
    eprintln!("wrb: {} benchmarks, about {} (from their settings and earlier runs)", plan.expected.len(), clock(total));
    eprintln!("  by step:    {}", steps.iter().map(|(s, n)| format!("{s} {n}")).collect::<Vec<_>>().join(", "));
    eprintln!("  by runtime: {}", runtimes.iter().map(|(r, n)| format!("{r} {n}")).collect::<Vec<_>>().join(", "));
    let skips = plan.skips_by_reason();
    if !skips.is_empty() {
        eprintln!("  skipped, {} benchmarks:", plan.skips.len());
        for (reason, count, some) in &skips {
            eprintln!("    {count} x {reason} (e.g. {})", some.join(", "));
        }
    }
    if is_list {
        return Ok(());
    }

    // The run, one bench executable after the other, followed on one line.
    let log = std::fs::File::create(&log_file)?;
    let terminal = std::io::stderr().is_terminal() && !options.verbose;
    let bar = ProgressBar::with_draw_target(Some(plan.expected.len() as u64), if terminal { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() });
    bar.set_style(ProgressStyle::with_template("{wide_msg}").expect("a valid template"));
    let mut failed_benches = 0;
    let mut last_line = Instant::now();
    // Off a terminal (a CI log): a plain line this often.
    let every = std::env::var("WRB_PROGRESS_SECS").ok().and_then(|s| s.parse().ok()).map_or(Duration::from_secs(30), Duration::from_secs_f64);
    for bench in &options.benches {
        let mut command = Command::new(bench);
        command.args(&options.args).arg("--bench");
        env(&mut command);
        if !options.verbose {
            command.stdout(log.try_clone()?).stderr(log.try_clone()?);
        }
        let mut child = command.spawn().with_context(|| format!("starting {}", bench.display()))?;
        loop {
            let finished = child.try_wait()?;
            let progress = Progress::of(&read_events(&events_file), &plan);
            let line = progress.line(&plan, start.elapsed().as_secs_f64());
            if terminal {
                bar.set_position(progress.done.len() as u64);
                bar.set_message(line);
            } else if last_line.elapsed() >= every {
                eprintln!("{line}");
                last_line = Instant::now();
            }
            if let Some(status) = finished {
                failed_benches += usize::from(!status.success());
                break;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }
    bar.finish_and_clear();

    // The independent reference, on the machine the benches just left quiet.
    if let Some((exe, reference_args)) = options.reference.split_first() {
        eprintln!("wrb: the reference: each runtime's own API, for the summary's reference check");
        // Only where the run has numbers to set beside it (a filtered run needs little or none).
        let progress = Progress::of(&read_events(&events_file), &plan);
        let measured: Vec<&str> = progress.done.iter().filter(|id| !progress.failed.contains_key(*id)).map(String::as_str).collect();
        let ids = run_dir.join("measured-ids.txt");
        std::fs::write(&ids, measured.join("\n"))?;
        let status = Command::new(exe)
            .args(reference_args)
            .arg("--ids")
            .arg(&ids)
            .arg("--out")
            .arg(run_dir.join("reference.json"))
            .stdout(Stdio::null())
            .stderr(log.try_clone()?)
            .status();
        if !status.is_ok_and(|s| s.success()) {
            eprintln!("wrb: the reference failed (see {}); the summary has no reference check", log_file.display());
        }
    }

    // The summary of the run, after every step.
    let mut report = Command::new(&options.report);
    report.arg("--run").arg(&options.run_id).args(baseline(&options.args)).arg("--bench");
    env(&mut report);
    if !options.verbose {
        report.stdout(log.try_clone()?).stderr(log.try_clone()?);
    }
    let report_ok = report.status()?.success();

    // The recap.
    let progress = Progress::of(&read_events(&events_file), &plan);
    eprintln!("\nwrb: run {} done in {}", options.run_id, clock(start.elapsed().as_secs_f64()));
    eprintln!(
        "  {} benchmarks reported a number, {} failed, {} skipped",
        progress.done.len() - progress.failed.len(),
        progress.failed.len(),
        plan.skips.len()
    );
    for (id, error) in &progress.failed {
        eprintln!("  FAILED {id}: {}", error.lines().next().unwrap_or(""));
    }
    if let Some(line) = progress.measured_again_line() {
        eprintln!("  {line}");
    }
    let slowed = wrb_run::slowed_benchmarks(&run_dir.join("summary.json"));
    if !slowed.is_empty() {
        let worst: Vec<String> = slowed.iter().take(3).map(|(id, s)| format!("{id} ×{s:.2}")).collect();
        eprintln!(
            "  {} benchmarks were measured on a slowed machine (the speed probe around and during them; marked in the summary, whose \"Precision\" note gives the thresholds): {}",
            slowed.len(),
            worst.join(", ")
        );
    }
    let widest = wrb_run::widest_intervals(&run_dir.join("summary.json"), 5);
    if !widest.is_empty() {
        eprintln!("  widest 95% intervals (half-width, % of the median):");
        for (id, share) in widest {
            eprintln!("    {share:5.1}%  {id}");
        }
    }
    eprintln!("  summary: {}", options.criterion.join("summary.md").display());
    eprintln!("           {}", options.criterion.join("summary.html").display());
    eprintln!("  run:     {} (bench.log: the benches' own output)", run_dir.display());
    if !report_ok {
        bail!("the summary could not be written: see {}", log_file.display());
    }
    if failed_benches > 0 || !progress.failed.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}

/// Of Criterion's arguments, the ones the report takes: `--baseline NAME`.
fn baseline(args: &[String]) -> Vec<String> {
    args.windows(2).filter(|pair| pair[0] == "--baseline").flat_map(|pair| pair.iter().cloned()).collect()
}

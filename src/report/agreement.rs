//! How far two runs agree: for every benchmark with a median in both, the change of the
//! median; for every runtime beside native in the pure-execution table, the change of its
//! slowdown (runtime / native), with the share of medians within the tolerance step by
//! step. Numbers either run measured on a slowed machine (`harness::speed`) are marked, and
//! the share is given again without them; each worst case shows how fast the machine was
//! around it in each run (the speed probe's reading, 1.00 at the run's fastest), which
//! tells drift of the machine from a change of the benchmark itself.
//! `./suite agreement RUN_A RUN_B` prints it. With more runs, `./suite agreement A B C D`
//! compares the faster of each benchmark's medians in the first half of the runs with the
//! faster in the second half (`fastest`): how far measuring more often and keeping the
//! faster would bring two results together on this machine.

use anyhow::{Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::Path;

/// One run's medians by benchmark id, the ids it measured on a slowed machine (the probe
/// above `speed::MARKED`), and the speed probe's reading around each benchmark probed.
pub struct RunMedians {
    pub medians: BTreeMap<String, f64>,
    pub slowed: BTreeSet<String>,
    pub probes: BTreeMap<String, f64>,
}

/// The medians of one run's `summary.json`.
pub fn medians(summary: &Path) -> Result<RunMedians> {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(summary).with_context(|| format!("reading {}", summary.display()))?).with_context(|| format!("parsing {}", summary.display()))?;
    let benchmarks = json["benchmarks"].as_array().into_iter().flatten();
    Ok(RunMedians {
        medians: benchmarks.clone().filter_map(|b| Some((b["id"].as_str()?.to_string(), b["median_ns"].as_f64().filter(|m| *m > 0.0)?))).collect(),
        // By the probe's reading where there is one: summaries written before
        // `speed::MARKED` marked only above `speed::SLOWED`.
        slowed: benchmarks
            .clone()
            .filter(|b| b["machine_slowdown"].as_f64().map_or(b["machine_slowed"].as_bool() == Some(true), |s| s > crate::harness::speed::MARKED))
            .filter_map(|b| Some(b["id"].as_str()?.to_string()))
            .collect(),
        probes: benchmarks.filter_map(|b| Some((b["id"].as_str()?.to_string(), b["machine_slowdown"].as_f64()?))).collect(),
    })
}

/// Each benchmark's fastest median over `runs` (only benchmarks with a median in every
/// run), marked slowed and probed as the run it comes from measured it.
pub fn fastest(runs: &[RunMedians]) -> RunMedians {
    let mut kept = RunMedians { medians: BTreeMap::new(), slowed: BTreeSet::new(), probes: BTreeMap::new() };
    let Some(first) = runs.first() else { return kept };
    for id in first.medians.keys() {
        let in_every_run: Option<Vec<(f64, &RunMedians)>> = runs.iter().map(|r| Some((*r.medians.get(id)?, r))).collect();
        let Some((median, run)) = in_every_run.and_then(|all| all.into_iter().min_by(|x, y| x.0.total_cmp(&y.0))) else { continue };
        if run.slowed.contains(id) {
            kept.slowed.insert(id.clone());
        }
        if let Some(&probe) = run.probes.get(id) {
            kept.probes.insert(id.clone(), probe);
        }
        kept.medians.insert(id.clone(), median);
    }
    kept
}

/// The relative change from `a` to `b`, as a fraction.
fn change(a: f64, b: f64) -> f64 {
    (b - a) / a
}

/// The native benchmark a slowdown divides by.
pub fn native_of(id: &str) -> Option<String> {
    let (sample, _) = id.strip_prefix("execute/")?.split_once('/')?;
    Some(format!("execute/{sample}/native"))
}

/// Slowdowns against native of `execute/<sample>/<runtime>`, by id.
fn slowdowns(medians: &BTreeMap<String, f64>) -> BTreeMap<String, f64> {
    medians
        .iter()
        .filter_map(|(id, median)| {
            let native = native_of(id).filter(|native| native != id)?;
            Some((id.clone(), median / medians.get(&native)?))
        })
        .collect()
}

/// The agreement of two runs, as text: the share within `tolerance` (of the medians, also
/// by step), the same without the numbers either run measured on a slowed machine, and the
/// worst cases with the speed probe's reading around each in each run.
pub fn agreement(a: &RunMedians, b: &RunMedians, tolerance: f64) -> String {
    let mut out = String::new();
    // A slowdown is slowed if its runtime's or native's median was.
    let slowed_in = |id: &str, with_native: bool| {
        [&a.slowed, &b.slowed].iter().any(|s| s.contains(id) || (with_native && native_of(id).is_some_and(|n| s.contains(&n))))
    };
    let mut section = |title: &str, x: &BTreeMap<String, f64>, y: &BTreeMap<String, f64>, with_native: bool| {
        let slowed = |id: &str| slowed_in(id, with_native);
        let mut changes: Vec<(f64, &str)> = x.iter().filter_map(|(id, m)| Some((change(*m, *y.get(id)?), id.as_str()))).collect();
        changes.sort_by(|p, q| q.0.abs().total_cmp(&p.0.abs()));
        let within = |c: f64| c.abs() <= tolerance;
        let share = |changes: &[&(f64, &str)]| {
            let count = changes.iter().filter(|(c, _)| within(*c)).count();
            let pct = 100.0 * count as f64 / changes.len().max(1) as f64;
            format!("{count} of {} within {:.0}% ({pct:.1}%)", changes.len(), tolerance * 100.0)
        };
        let _ = writeln!(out, "{title}: {}", share(&changes.iter().collect::<Vec<_>>()));
        let full_speed: Vec<_> = changes.iter().filter(|(_, id)| !slowed(id)).collect();
        if full_speed.len() < changes.len() {
            let shown = if full_speed.is_empty() { "none".to_string() } else { share(&full_speed) };
            let _ = writeln!(out, "  measured at full speed in both runs: {shown}");
        }
        if !with_native {
            let mut by_step: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
            for (c, id) in &changes {
                let counts = by_step.entry(id.split('/').next().unwrap_or(id)).or_default();
                *counts = (counts.0 + usize::from(within(*c)), counts.1 + 1);
            }
            let steps: Vec<String> = by_step.iter().map(|(step, (count, all))| format!("{step} {count}/{all}")).collect();
            let _ = writeln!(out, "  by step: {}", steps.join(", "));
        }
        let miss = |c: f64, id: &str| {
            let probes = match (a.probes.get(id), b.probes.get(id)) {
                (Some(x), Some(y)) => format!("  probe {x:.2}, {y:.2}"),
                _ => String::new(),
            };
            format!("  {:+.1}%  {id}{probes}{}\n", c * 100.0, if slowed(id) { "  (machine slowed)" } else { "" })
        };
        let worst: Vec<_> = changes.iter().take_while(|(c, _)| !within(*c)).take(15).collect();
        for (c, id) in &worst {
            out.push_str(&miss(*c, id));
        }
        // The misses at full speed in both, which the worst cases (often all slowed) can hide.
        let hidden: Vec<_> = full_speed.iter().filter(|(c, id)| !within(*c) && !worst.iter().any(|(_, w)| w == id)).take(15).collect();
        if !hidden.is_empty() {
            let _ = writeln!(out, "  and the misses measured at full speed in both runs:");
            for (c, id) in hidden {
                out.push_str(&miss(*c, id));
            }
        }
    };
    section("medians", &a.medians, &b.medians, false);
    section("slowdowns against native (pure execution)", &slowdowns(&a.medians), &slowdowns(&b.medians), true);
    out
}

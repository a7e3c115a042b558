//! How far two runs agree: for every benchmark with a median in both, the change of the
//! median; for every runtime beside native in the pure-execution table, the change of its
//! slowdown (runtime / native). `./suite agreement RUN_A RUN_B` prints it.

use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

/// Medians of one run's `summary.json`, by benchmark id.
pub fn medians(summary: &Path) -> Result<BTreeMap<String, f64>> {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(summary).with_context(|| format!("reading {}", summary.display()))?).with_context(|| format!("parsing {}", summary.display()))?;
    Ok(json["benchmarks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| Some((b["id"].as_str()?.to_string(), b["median_ns"].as_f64().filter(|m| *m > 0.0)?)))
        .collect())
}

/// The relative change from `a` to `b`, as a fraction.
fn change(a: f64, b: f64) -> f64 {
    (b - a) / a
}

/// Slowdowns against native of `execute/<sample>/<runtime>`, by id.
fn slowdowns(medians: &BTreeMap<String, f64>) -> BTreeMap<String, f64> {
    medians
        .iter()
        .filter_map(|(id, median)| {
            let rest = id.strip_prefix("execute/")?;
            let (sample, runtime) = rest.split_once('/')?;
            (runtime != "native").then_some(())?;
            Some((id.clone(), median / medians.get(&format!("execute/{sample}/native"))?))
        })
        .collect()
}

/// The agreement of two runs, as text: the share within `tolerance` and the worst cases.
pub fn agreement(a: &BTreeMap<String, f64>, b: &BTreeMap<String, f64>, tolerance: f64) -> String {
    let mut out = String::new();
    let mut section = |title: &str, a: &BTreeMap<String, f64>, b: &BTreeMap<String, f64>| {
        let mut changes: Vec<(f64, &str)> = a.iter().filter_map(|(id, x)| Some((change(*x, *b.get(id)?), id.as_str()))).collect();
        changes.sort_by(|x, y| y.0.abs().total_cmp(&x.0.abs()));
        let within = changes.iter().filter(|(c, _)| c.abs() <= tolerance).count();
        let share = if changes.is_empty() { 0.0 } else { 100.0 * within as f64 / changes.len() as f64 };
        let _ = writeln!(out, "{title}: {within} of {} within {:.0}% ({share:.1}%)", changes.len(), tolerance * 100.0);
        for (c, id) in changes.iter().take_while(|(c, _)| c.abs() > tolerance).take(15) {
            let _ = writeln!(out, "  {:+.1}%  {id}", c * 100.0);
        }
    };
    section("medians", a, b);
    section("slowdowns against native (pure execution)", &slowdowns(a), &slowdowns(b));
    out
}

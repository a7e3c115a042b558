//! Reads a run's results: Criterion's `**/new/estimates.json` (and, against a saved
//! baseline, both runs' `sample.json`) plus the AOT size record.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// A median with its confidence interval, in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub median: f64,
    pub lower: f64,
    pub upper: f64,
}

/// What Criterion would say of a change against the baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Improved,
    Regressed,
    WithinNoise,
    NoChange,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Change {
    /// Relative change of the median: 0.05 is 5% slower than the baseline.
    pub median: f64,
    pub verdict: Verdict,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Benchmark {
    pub step: String,
    pub sample: String,
    pub runtime: String,
    pub estimate: Estimate,
    /// Against the baseline, when one was asked for: the change, or why there is none.
    pub change: Option<Result<Change, String>>,
}

#[derive(Default)]
pub struct Results {
    /// By full benchmark id, `<step>/<sample>/<runtime>`.
    pub benchmarks: BTreeMap<String, Benchmark>,
    /// Files that could not be read, and other things a reader should know.
    pub notes: Vec<String>,
}

impl Results {
    pub fn get(&self, step: &str, sample: &str, runtime: &str) -> Option<&Benchmark> {
        self.benchmarks.get(&format!("{step}/{sample}/{runtime}"))
    }
}

#[derive(Deserialize)]
struct BenchmarkJson {
    group_id: String,
    function_id: Option<String>,
    value_str: Option<String>,
    full_id: String,
}

#[derive(Deserialize)]
struct EstimatesJson {
    median: Statistic,
}

#[derive(Deserialize)]
struct Statistic {
    point_estimate: f64,
    confidence_interval: Interval,
}

#[derive(Deserialize)]
struct Interval {
    lower_bound: f64,
    upper_bound: f64,
}

#[derive(Deserialize)]
struct SampleJson {
    iters: Vec<f64>,
    times: Vec<f64>,
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("parsing {}", path.display()))
}

fn estimate(path: &Path) -> Result<Estimate> {
    let median = read_json::<EstimatesJson>(path)?.median;
    Ok(Estimate {
        median: median.point_estimate,
        lower: median.confidence_interval.lower_bound,
        upper: median.confidence_interval.upper_bound,
    })
}

/// Every `new` directory below `dir` that holds a `benchmark.json`.
fn result_dirs(dir: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") && path.join("benchmark.json").is_file() {
            found.push(path);
        } else if path.file_name().is_none_or(|n| n != "report") {
            result_dirs(&path, found)?;
        }
    }
    Ok(())
}

/// The latest results under `criterion_dir`, compared with the saved `baseline` if given.
pub fn collect(criterion_dir: &Path, baseline: Option<&str>) -> Result<Results> {
    if !criterion_dir.is_dir() {
        bail!("no Criterion results at {} (run `cargo bench` first)", criterion_dir.display());
    }
    let mut dirs = Vec::new();
    result_dirs(criterion_dir, &mut dirs)?;
    dirs.sort();
    let mut results = Results::default();
    let mut baseline_seen = false;
    for new in dirs {
        let read = || -> Result<(BenchmarkJson, Estimate)> {
            Ok((read_json(&new.join("benchmark.json"))?, estimate(&new.join("estimates.json"))?))
        };
        let (meta, estimate) = match read() {
            Ok(read) => read,
            Err(e) => {
                results.notes.push(format!("left out {}: {e:#}", new.display()));
                continue;
            }
        };
        let (step, sample) = meta.group_id.split_once('/').unwrap_or((&meta.group_id, ""));
        let runtime = [meta.function_id, meta.value_str].into_iter().flatten().collect::<Vec<_>>().join("/");
        let change = baseline.map(|name| {
            let base = new.with_file_name(name);
            baseline_seen |= base.is_dir();
            compare(&new, &base).map_err(|e| format!("{e:#}"))
        });
        let benchmark =
            Benchmark { step: step.to_string(), sample: sample.to_string(), runtime, estimate, change };
        results.benchmarks.insert(meta.full_id, benchmark);
    }
    if let Some(name) = baseline {
        if !baseline_seen {
            bail!(
                "no benchmark under {} has a baseline named `{name}` (save one with `cargo bench -- --save-baseline {name}`)",
                criterion_dir.display()
            );
        }
    }
    Ok(results)
}

/// Criterion's judgement of `new` against `base`: a two-tailed bootstrap t-test on the
/// per-iteration times (significance 0.05), then the change's 95% confidence interval
/// against the noise threshold (1%), as `criterion::analysis::compare` does.
fn compare(new: &Path, base: &Path) -> Result<Change> {
    if !base.is_dir() {
        bail!("not in the baseline");
    }
    let per_iteration = |dir: &Path| -> Result<Vec<f64>> {
        let sample: SampleJson = read_json(&dir.join("sample.json"))?;
        let times: Vec<f64> = sample.times.iter().zip(&sample.iters).map(|(t, i)| t / i).collect();
        if times.len() < 2 {
            bail!("{} has fewer than two samples", dir.display());
        }
        Ok(times)
    };
    let (now, then) = (per_iteration(new)?, per_iteration(base)?);
    let median = estimate(&new.join("estimates.json"))?.median / estimate(&base.join("estimates.json"))?.median - 1.0;
    Ok(Change { median, verdict: judge(&now, &then) })
}

const RESAMPLES: usize = 10_000;
const SIGNIFICANCE: f64 = 0.05;
const NOISE: f64 = 0.01;

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

fn welch_t(a: &[f64], b: &[f64]) -> f64 {
    let variance = |xs: &[f64]| {
        let m = mean(xs);
        xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64
    };
    (mean(a) - mean(b)) / (variance(a) / a.len() as f64 + variance(b) / b.len() as f64).sqrt()
}

pub fn judge(now: &[f64], then: &[f64]) -> Verdict {
    let mut rng = fastrand::Rng::with_seed(0x5eed);
    let mut resample = |pool: &[f64], n: usize| -> Vec<f64> { (0..n).map(|_| pool[rng.usize(..pool.len())]).collect() };
    let t = welch_t(now, then);
    let mixed: Vec<f64> = now.iter().chain(then).copied().collect();
    let null: Vec<f64> = (0..RESAMPLES)
        .map(|_| welch_t(&resample(&mixed, now.len()), &resample(&mixed, then.len())))
        .filter(|t| t.is_finite())
        .collect();
    let below = null.iter().filter(|&&x| x < t).count() as f64 / null.len().max(1) as f64;
    let p_value = 2.0 * below.min(1.0 - below);
    if !t.is_finite() || p_value >= SIGNIFICANCE {
        return Verdict::NoChange;
    }
    let mut changes: Vec<f64> = (0..RESAMPLES)
        .map(|_| mean(&resample(now, now.len())) / mean(&resample(then, then.len())) - 1.0)
        .collect();
    changes.sort_by(f64::total_cmp);
    let (lower, upper) = (changes[RESAMPLES * 25 / 1000], changes[RESAMPLES * 975 / 1000]);
    if lower > NOISE {
        Verdict::Regressed
    } else if upper < -NOISE {
        Verdict::Improved
    } else {
        Verdict::WithinNoise
    }
}

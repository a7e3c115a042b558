//! Reads one run's results: its record (`runs/<id>/events.jsonl`: what each benchmark did
//! in this run) and, for the benchmarks that reported a number in it, Criterion's
//! estimates and samples, checked to be newer than the benchmark's start. Nothing an
//! earlier run left behind is shown as this run's: a benchmark that failed or was skipped
//! in this run shows its failure or skip. Against a saved baseline, both runs' samples.

use crate::harness::run::{Event, FailKind, RunDir, RunInfo, outcomes};
use crate::harness::speed::Probes;
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
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

impl Estimate {
    /// Half the interval as a share of the median.
    pub fn half_width(&self) -> Option<f64> {
        (self.median > 0.0).then(|| (self.upper - self.lower) / 2.0 / self.median)
    }
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
    /// Where Criterion keeps this benchmark's files.
    pub dir: PathBuf,
    /// Timed by the suite in this many runs (an iteration takes seconds): the interval is
    /// their range. `None`: Criterion's median and 95% confidence interval.
    pub suite_runs: Option<usize>,
    /// How much slower than its fastest in this run the machine was around the measurement
    /// shown (`harness::speed`; 1.0: full speed), if the run probed it.
    pub machine_slowdown: Option<f64>,
}

impl Benchmark {
    /// Measured on a machine slowed beyond `harness::speed::MARKED`: its slowdown.
    pub fn slowed(&self) -> Option<f64> {
        self.machine_slowdown.filter(|s| *s > crate::harness::speed::MARKED)
    }
}

#[derive(Default)]
pub struct Results {
    pub run: RunInfo,
    /// By full benchmark id, `<step>/<sample>/<runtime>`: those that reported a number.
    pub benchmarks: BTreeMap<String, Benchmark>,
    /// Those that did not: the failure (wrong result, error, time limit, crash).
    pub failures: BTreeMap<String, String>,
    /// Those a later run measured again, so that Criterion's files now hold that run's
    /// number: why this run's is gone.
    pub overwritten: BTreeMap<String, String>,
    /// Those the run skipped, with the reason.
    pub skips: BTreeMap<String, String>,
    /// runtime -> version, as the run's bench processes reported them.
    pub versions: BTreeMap<String, String>,
    /// Conditions the run recorded (a busy machine, ...).
    pub warnings: Vec<String>,
    /// The independent reference's medians (ns) by benchmark id, if the run holds them
    /// (`reference.json`, written by `wrb-reference --out`).
    pub reference: BTreeMap<String, f64>,
    /// The memory bench's measurements, if the run has them (`memory.json`).
    pub memory: Vec<crate::memory::Record>,
    /// Instruction counts by benchmark id, if `./suite count` ran for this run (`counts.json`).
    pub counts: BTreeMap<String, Count>,
    /// Benchmarks measured a second time (`harness::again`), by id.
    pub again: BTreeMap<String, Again>,
    /// Whether the run's speed probes had the floating-point part (older runs' had only
    /// the integer one).
    pub probe_float: bool,
    /// Whether the probe was also read during measurements (older runs' only around them).
    pub probe_during: bool,
    /// Files that could not be read, and other things a reader should know.
    pub notes: Vec<String>,
}

/// A benchmark measured twice: each measurement's half-width (a share of its median), and
/// whether the second is the one kept.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Again {
    pub first: f64,
    pub second: Option<f64>,
    pub kept_second: bool,
}

impl Again {
    /// The half-width of the measurement kept.
    pub fn kept(&self) -> f64 {
        if self.kept_second { self.second.unwrap_or(self.first) } else { self.first }
    }
}

/// One benchmark's instruction count (`./suite count`): the count per iteration, or why
/// there is none.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Count {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iterations: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Results {
    pub fn get(&self, step: &str, sample: &str, runtime: &str) -> Option<&Benchmark> {
        self.benchmarks.get(&format!("{step}/{sample}/{runtime}"))
    }
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
struct ReferenceJson {
    measurements: Vec<ReferenceMeasurement>,
}

#[derive(Deserialize)]
struct ReferenceMeasurement {
    id: String,
    median_ns: f64,
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

pub fn estimate(path: &Path) -> Result<Estimate> {
    let median = read_json::<EstimatesJson>(path)?.median;
    Ok(Estimate { median: median.point_estimate, lower: median.confidence_interval.lower_bound, upper: median.confidence_interval.upper_bound })
}

/// The per-iteration times of a benchmark's saved samples.
pub fn per_iteration(dir: &Path) -> Result<Vec<f64>> {
    let sample: SampleJson = read_json(&dir.join("sample.json"))?;
    let times: Vec<f64> = sample.times.iter().zip(&sample.iters).map(|(t, i)| t / i).collect();
    if times.len() < 2 {
        bail!("{} has fewer than two samples", dir.display());
    }
    Ok(times)
}

/// Criterion's name for a directory (its `make_filename_safe`).
fn filename_safe(name: &str) -> String {
    let mut safe = name.replace(['?', '"', '/', '\\', '*', '<', '>', ':', '|', '^'], "_");
    while safe.len() > 64 {
        safe.pop();
    }
    safe
}

/// Where Criterion keeps the benchmark `<step>/<sample>/<runtime>`: the group is
/// `<step>/<sample>`, the function the rest (which may hold a `/` itself).
pub fn benchmark_dir(criterion_dir: &Path, id: &str) -> Option<PathBuf> {
    let mut parts = id.splitn(3, '/');
    let group = format!("{}/{}", parts.next()?, parts.next()?);
    Some(criterion_dir.join(filename_safe(&group)).join(filename_safe(parts.next()?)))
}

/// The results of `run`, compared with the saved `baseline` if given.
pub fn collect(run: &RunDir, criterion_dir: &Path, baseline: Option<&str>) -> Result<Results> {
    let events = run.events();
    let mut results = Results { run: run.info().unwrap_or_else(|_| RunInfo { id: run.id.clone(), ..RunInfo::default() }), ..Results::default() };
    let mut started: BTreeMap<&str, f64> = BTreeMap::new();
    // Each measurement's speed probes, in order.
    let mut probes: BTreeMap<&str, Vec<Probes>> = BTreeMap::new();
    let mut kept_medians: BTreeMap<&str, Option<f64>> = BTreeMap::new();
    // When each benchmark's files were last written by this run: its end (`ok`, `again`).
    let mut ends: BTreeMap<&str, f64> = BTreeMap::new();
    for event in &events {
        match event {
            Event::Speed { id, .. } => probes.entry(id).or_default().extend(event.probes()),
            Event::Build { versions, .. } => results.versions.extend(versions.clone()),
            Event::Start { id, t, .. } => {
                started.insert(id, *t);
            }
            Event::Ok { id, t, .. } => {
                ends.insert(id, *t);
            }
            Event::Warning { text, .. } if !results.warnings.contains(text) => results.warnings.push(text.clone()),
            Event::Again { id, t, first_half_width, second_half_width, first_median_ns, second_median_ns, kept_second, .. } => {
                ends.insert(id, *t);
                results.again.insert(id.clone(), Again { first: *first_half_width, second: *second_half_width, kept_second: *kept_second });
                kept_medians.insert(id, if *kept_second { *second_median_ns } else { *first_median_ns });
            }
            _ => {}
        }
    }
    let memory = run.dir.join("memory.json");
    if memory.exists() {
        match crate::memory::read(&memory) {
            Ok(records) => results.memory = records,
            Err(e) => results.notes.push(format!("the memory measurements: {e:#}")),
        }
    }
    let counts = run.dir.join("counts.json");
    if counts.exists() {
        match read_json::<BTreeMap<String, Count>>(&counts) {
            Ok(counts) => results.counts = counts,
            Err(e) => results.notes.push(format!("the instruction counts: {e:#}")),
        }
    }
    let reference = run.dir.join("reference.json");
    if reference.exists() {
        match read_json::<ReferenceJson>(&reference) {
            Ok(json) => results.reference = json.measurements.into_iter().map(|m| (m.id, m.median_ns)).collect(),
            Err(e) => results.notes.push(format!("the reference's measurements: {e:#}")),
        }
    }
    let mut baseline_seen = false;
    for (id, outcome) in outcomes(&events) {
        let parts: Vec<&str> = id.splitn(3, '/').collect();
        let [step, sample, runtime] = parts[..] else { continue };
        match outcome {
            Event::Skip { reason, .. } => {
                results.skips.insert(id, reason);
            }
            Event::Fail { kind, error, .. } => {
                let what = match kind {
                    FailKind::Failed => "failed",
                    FailKind::Timeout => "timed out",
                    FailKind::Crashed => "crashed",
                };
                results.failures.insert(id, format!("{what}: {error}"));
            }
            Event::Start { .. } => {
                results.failures.insert(id, "did not finish: its process ended while it ran".into());
            }
            Event::Measured { samples_ns, .. } => {
                let Some(dir) = benchmark_dir(criterion_dir, &id) else { continue };
                let mut sorted = samples_ns.clone();
                sorted.sort_by(f64::total_cmp);
                let estimate = Estimate { median: median(&mut samples_ns.clone()), lower: sorted[0], upper: sorted[sorted.len() - 1] };
                let change = baseline.map(|_| Err("no comparison: timed by the suite, not by Criterion".to_string()));
                let benchmark = Benchmark {
                    step: step.into(),
                    sample: sample.into(),
                    runtime: runtime.into(),
                    estimate,
                    change,
                    dir,
                    suite_runs: Some(samples_ns.len()),
                    machine_slowdown: None,
                };
                results.benchmarks.insert(id.clone(), benchmark);
            }
            // The memory bench's figures are in memory.json, not Criterion's files.
            Event::Ok { .. } if id.starts_with("memory/") => {}
            Event::Ok { median_ns, .. } => {
                let Some(dir) = benchmark_dir(criterion_dir, &id) else { continue };
                let since = started.get(id.as_str()).copied().unwrap_or(0.0);
                // The median this run's measurement left in the files: its second
                // measurement's if that one was kept.
                let kept = kept_medians.get(id.as_str()).copied().unwrap_or(median_ns);
                let ended = ends.get(id.as_str()).copied().unwrap_or(f64::INFINITY);
                let path = dir.join("new/estimates.json");
                let read = || -> Result<(f64, Estimate)> {
                    let written = fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .with_context(|| format!("reading {}", path.display()))?
                        .duration_since(std::time::UNIX_EPOCH)?
                        .as_secs_f64();
                    // A second of slack for file systems that round times.
                    if written + 1.0 < since {
                        bail!("{} is older than this run's benchmark", path.display());
                    }
                    Ok((written, estimate(&path)?))
                };
                let (written, estimate) = match read() {
                    Ok(read) => read,
                    Err(e) => {
                        results.notes.push(format!("left out {id}: {e:#}"));
                        results.failures.insert(id, format!("its result is missing: {e:#}"));
                        continue;
                    }
                };
                let later = match kept {
                    Some(kept) if (estimate.median - kept).abs() > kept.abs() * 1e-9 => Some(format!(
                        "{} holds a later run's measurement (median {:.0} ns; this run's was {kept:.0} ns)",
                        path.display(),
                        estimate.median
                    )),
                    // Records from before the median was kept: the files' time instead.
                    None if written > ended + 1.0 => {
                        Some(format!("{} was written after this run's benchmark ended, by a later run", path.display()))
                    }
                    _ => None,
                };
                if let Some(why) = later {
                    results.notes.push(format!("left out {id}: {why}"));
                    results.overwritten.insert(id, why);
                    continue;
                }
                let change = baseline.map(|name| {
                    let base = dir.join(name);
                    baseline_seen |= base.is_dir();
                    compare(&dir.join("new"), &base).map_err(|e| format!("{e:#}"))
                });
                results.benchmarks.insert(
                    id.clone(),
                    Benchmark { step: step.into(), sample: sample.into(), runtime: runtime.into(), estimate, change, dir, suite_runs: None, machine_slowdown: None },
                );
            }
            _ => {}
        }
    }
    let fastest_probe = crate::harness::speed::fastest(&events);
    results.probe_float = fastest_probe.float_ns.is_some();
    results.probe_during = probes.values().flatten().any(|p| p.during.is_some());
    for (id, benchmark) in &mut results.benchmarks {
        let kept_second = results.again.get(id).is_some_and(|a| a.kept_second);
        let measured = probes.get(id.as_str()).and_then(|p| if kept_second { p.last() } else { p.first() });
        benchmark.machine_slowdown = measured.map(|&probes| crate::harness::speed::slowdown(probes, fastest_probe));
    }
    if let Some(name) = baseline
        && !baseline_seen
        && !results.benchmarks.is_empty()
    {
        bail!("no benchmark of this run has a baseline named `{name}` (save one with `cargo bench -- --save-baseline {name}`)");
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
    let (now, then) = (per_iteration(new)?, per_iteration(base)?);
    let median = estimate(&new.join("estimates.json"))?.median / estimate(&base.join("estimates.json"))?.median - 1.0;
    Ok(Change { median, verdict: judge(&now, &then) })
}

const RESAMPLES: usize = 10_000;
const SIGNIFICANCE: f64 = 0.05;
const NOISE: f64 = 0.01;

pub(crate) fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

pub(crate) fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 { xs[n / 2] } else { (xs[n / 2 - 1] + xs[n / 2]) / 2.0 }
}

fn welch_t(a: &[f64], b: &[f64]) -> f64 {
    let variance = |xs: &[f64]| {
        let m = mean(xs);
        xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64
    };
    (mean(a) - mean(b)) / (variance(a) / a.len() as f64 + variance(b) / b.len() as f64).sqrt()
}

fn resample(rng: &mut fastrand::Rng, pool: &[f64], n: usize) -> Vec<f64> {
    (0..n).map(|_| pool[rng.usize(..pool.len())]).collect()
}

pub fn judge(now: &[f64], then: &[f64]) -> Verdict {
    let mut rng = fastrand::Rng::with_seed(0x5eed);
    let t = welch_t(now, then);
    let mixed: Vec<f64> = now.iter().chain(then).copied().collect();
    let null: Vec<f64> = (0..RESAMPLES)
        .map(|_| welch_t(&resample(&mut rng, &mixed, now.len()), &resample(&mut rng, &mixed, then.len())))
        .filter(|t| t.is_finite())
        .collect();
    let below = null.iter().filter(|&&x| x < t).count() as f64 / null.len().max(1) as f64;
    let p_value = 2.0 * below.min(1.0 - below);
    if !t.is_finite() || p_value >= SIGNIFICANCE {
        return Verdict::NoChange;
    }
    let mut changes: Vec<f64> =
        (0..RESAMPLES).map(|_| mean(&resample(&mut rng, now, now.len())) / mean(&resample(&mut rng, then, then.len())) - 1.0).collect();
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

/// The median of the sum of two independently measured steps and its 95% bootstrap
/// confidence interval: each step's per-iteration times resampled on its own, the medians
/// summed, the 2.5th and 97.5th percentiles of those sums.
pub fn sum_of_medians(a: &[f64], b: &[f64]) -> Estimate {
    let mut rng = fastrand::Rng::with_seed(0x5eed);
    let mut sums: Vec<f64> =
        (0..RESAMPLES).map(|_| median(&mut resample(&mut rng, a, a.len())) + median(&mut resample(&mut rng, b, b.len()))).collect();
    sums.sort_by(f64::total_cmp);
    Estimate {
        median: median(&mut a.to_vec()) + median(&mut b.to_vec()),
        lower: sums[RESAMPLES * 25 / 1000],
        upper: sums[RESAMPLES * 975 / 1000],
    }
}

//! A quick run's sampling (`--quick`) of iterations under `QUICK_SUITE_TIMED`, by the suite:
//! a short warm-up, then samples of a few milliseconds each for `MEASUREMENT`, and their
//! median with a distribution-free 95% confidence interval. Written where and as Criterion
//! writes a measurement (`new/` and the saved baseline), so that the summary and
//! `--baseline` read it unchanged. Criterion's own quick mode spends 0.1–0.3 s on each
//! benchmark doubling its iterations and keeps the last two measurements, whose spread is
//! no confidence interval.

use crate::report::results::{Estimate, mean, median};
use crate::step::StepError;
use serde_json::json;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

/// Wall time of the warm-up, whose samples are left out.
pub const WARM_UP: Duration = Duration::from_millis(10);
/// Wall time of the samples kept.
pub const MEASUREMENT: Duration = Duration::from_millis(40);
/// What one sample's iterations should take.
pub const SAMPLE: Duration = Duration::from_millis(4);
/// The fewest samples kept: with six, the 95% interval is their range.
pub const MIN_SAMPLES: usize = 6;

/// Samples of `iters` iterations each, and each sample's time.
#[derive(Debug)]
pub struct Samples {
    pub iters: u64,
    pub times_ns: Vec<f64>,
}

/// Warms up and samples through `timer` (iterations in, their timed total out). A sample's
/// iterations are counted from their wall time in the warm-up, which holds the untimed
/// set-up of each iteration too (a fresh store, an artifact loaded from disk), so that a
/// benchmark takes about `WARM_UP` + `MEASUREMENT` whatever it times.
pub fn sample(timer: &mut dyn FnMut(u64) -> Result<Duration, StepError>) -> Result<Samples, StepError> {
    let (mut iters, mut done) = (1, 0);
    let warming = Instant::now();
    while warming.elapsed() < WARM_UP {
        let batch = Instant::now();
        timer(iters)?;
        done += iters;
        if batch.elapsed() < SAMPLE / 2 {
            iters *= 2;
        }
    }
    let per_iteration = warming.elapsed().as_secs_f64() / done as f64;
    let iters = (SAMPLE.as_secs_f64() / per_iteration).floor().max(1.0) as u64;
    let measuring = Instant::now();
    let mut times_ns = Vec::new();
    while times_ns.len() < MIN_SAMPLES || measuring.elapsed() < MEASUREMENT {
        times_ns.push(timer(iters)?.as_secs_f64() * 1e9);
    }
    Ok(Samples { iters, times_ns })
}

/// The median of `values` and its distribution-free 95% confidence interval: the order
/// statistics `j` and `n + 1 - j`, `j` the largest for which a Binomial(n, ½) falls below
/// `j` with probability 2.5% or less (the range, when there are too few values for that).
pub fn median_interval(values: &[f64]) -> Estimate {
    let mut sorted = values.to_vec();
    let middle = median(&mut sorted);
    let n = sorted.len();
    // P(X <= k) for X ~ Binomial(n, ½), k = 0, 1, ...
    let (mut below, mut term, mut j) = (0.0, 0.5f64.powi(n as i32), 0);
    for k in 0..n {
        below += term;
        if below > 0.025 {
            break;
        }
        j = k + 1;
        term *= (n - k) as f64 / (k + 1) as f64;
    }
    let j = j.max(1);
    Estimate { median: middle, lower: sorted[j - 1], upper: sorted[n - j] }
}

/// Writes benchmark `id`'s samples as Criterion writes a measurement: into `new/` of its
/// directory `dir`, and into the baseline `saves` if any. Returns its median and interval.
pub fn write(dir: &Path, id: &str, saves: Option<&str>, samples: &Samples) -> std::io::Result<Estimate> {
    let Samples { iters, times_ns } = samples;
    let per_iteration: Vec<f64> = times_ns.iter().map(|t| t / *iters as f64).collect();
    let median_ci = median_interval(&per_iteration);
    let n = per_iteration.len() as f64;
    let mean = mean(&per_iteration);
    let std_dev = (per_iteration.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
    let mut deviations: Vec<f64> = per_iteration.iter().map(|x| (x - median_ci.median).abs()).collect();
    let median_abs_dev = median(&mut deviations);
    let statistic = |point: f64, lower: f64, upper: f64, error: f64| {
        json!({"confidence_interval": {"confidence_level": 0.95, "lower_bound": lower, "upper_bound": upper}, "point_estimate": point, "standard_error": error})
    };
    let mean_error = std_dev / n.sqrt();
    let estimates = json!({
        "mean": statistic(mean, mean - 1.96 * mean_error, mean + 1.96 * mean_error, mean_error),
        "median": statistic(median_ci.median, median_ci.lower, median_ci.upper, (median_ci.upper - median_ci.lower) / 3.92),
        "median_abs_dev": statistic(median_abs_dev, median_abs_dev, median_abs_dev, 0.0),
        "slope": null,
        "std_dev": statistic(std_dev, std_dev, std_dev, 0.0),
    });
    let sample = json!({"sampling_mode": "Flat", "iters": vec![*iters as f64; times_ns.len()], "times": times_ns});
    let (group, function) = id.rsplit_once('/').unwrap_or((id, ""));
    let name = |path: Option<&Path>| path.and_then(Path::file_name).map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let directory_name = format!("{}/{}", name(dir.parent()), name(Some(dir)));
    let benchmark = json!({"group_id": group, "function_id": function, "value_str": null, "throughput": null, "full_id": id, "directory_name": directory_name, "title": id});
    for name in std::iter::once("new").chain(saves) {
        let to = dir.join(name);
        fs::create_dir_all(&to)?;
        fs::write(to.join("estimates.json"), estimates.to_string())?;
        fs::write(to.join("sample.json"), sample.to_string())?;
        fs::write(to.join("benchmark.json"), benchmark.to_string())?;
    }
    Ok(median_ci)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_is_the_order_statistics_of_a_binomial() {
        let values: Vec<f64> = (1..=6).map(f64::from).collect();
        assert_eq!(median_interval(&values), Estimate { median: 3.5, lower: 1.0, upper: 6.0 });
        // n = 20: P(X <= 5) = 2.07%, P(X <= 6) = 5.77%: the 6th and the 15th.
        let values: Vec<f64> = (1..=20).rev().map(f64::from).collect();
        assert_eq!(median_interval(&values), Estimate { median: 10.5, lower: 6.0, upper: 15.0 });
    }

    #[test]
    fn a_sample_lasts_a_few_milliseconds_of_wall_time_set_up_included() {
        // 20 µs timed of each iteration's 200 µs.
        let mut timer = |iters: u64| -> Result<Duration, StepError> {
            std::thread::sleep(Duration::from_micros(200) * iters as u32);
            Ok(Duration::from_micros(20) * iters as u32)
        };
        let started = Instant::now();
        let samples = sample(&mut timer).unwrap();
        assert!((5..=20).contains(&samples.iters), "{samples:?}");
        assert!(samples.times_ns.len() >= MIN_SAMPLES);
        assert!(started.elapsed() < Duration::from_millis(200), "{:?}", started.elapsed());
        // A long iteration: one a sample, and at least six.
        let mut timer = |iters: u64| -> Result<Duration, StepError> {
            std::thread::sleep(Duration::from_millis(20) * iters as u32);
            Ok(Duration::from_millis(20) * iters as u32)
        };
        let samples = sample(&mut timer).unwrap();
        assert_eq!((samples.iters, samples.times_ns.len()), (1, MIN_SAMPLES));
    }

    #[test]
    fn written_as_criterion_writes_it() {
        let dir = std::env::temp_dir().join(format!("wrb-quick-{}", std::process::id()));
        let samples = Samples { iters: 2, times_ns: vec![20.0, 22.0, 24.0, 26.0, 28.0, 30.0] };
        let estimate = write(&dir.join("execute_add-one/native"), "execute/add-one/native", Some("before"), &samples).unwrap();
        assert_eq!(estimate, Estimate { median: 12.5, lower: 10.0, upper: 15.0 });
        for baseline in ["new", "before"] {
            let read = crate::report::results::estimate(&dir.join("execute_add-one/native").join(baseline).join("estimates.json")).unwrap();
            assert_eq!(read, estimate);
            let per_iteration = crate::report::results::per_iteration(&dir.join("execute_add-one/native").join(baseline)).unwrap();
            assert_eq!(per_iteration, vec![10.0, 11.0, 12.0, 13.0, 14.0, 15.0]);
        }
        fs::remove_dir_all(&dir).unwrap();
    }
}

//! Measuring a benchmark again when its first measurement is not precise: a 95% interval
//! of the median wider than ±2% (`PRECISE`) is, on this kind of machine, a moment of
//! noise (another tenant, a busy host) more often than the benchmark's own spread. The
//! loop measures such a benchmark once more at the end of its bench, minutes later, with
//! the same settings, and keeps one of the two (`keep_second`): the faster if their
//! intervals are apart, else the one at full speed or the tighter; the run's record says
//! which were measured twice and what each gave. A benchmark measured while the machine
//! was slowed (`speed`) is measured again too, and so is every denominator of the
//! slowdowns (`always_twice`).
//! What Criterion keeps of a benchmark (its directory: `new/`, the saved baseline) is put
//! back as it was around the measurement that is not kept, so that `--save-baseline` and
//! `--baseline` compare the kept one with the previous run's.

use crate::report::results::{Estimate, benchmark_dir, estimate};
use std::fs;
use std::path::{Path, PathBuf};

/// Half the 95% interval, as a share of the median, that counts as precise.
pub const PRECISE: f64 = 0.02;

/// Whether benchmark `id` is measured twice whatever its first measurement gave: native's
/// execute of a sample, which every slowdown of that sample in the pure-execution table
/// divides by, so that one disturbed measurement of it would move the whole row.
pub fn always_twice(id: &str) -> bool {
    crate::report::agreement::native_of(id).as_deref() == Some(id)
}

/// The files under a directory and their bytes, to put back later.
pub struct Snapshot {
    dir: PathBuf,
    files: Option<Vec<(PathBuf, Vec<u8>)>>,
}

impl Snapshot {
    /// The directory as it is now (`files` is `None` if it does not exist).
    pub fn take(dir: &Path) -> Snapshot {
        fn walk(dir: &Path, files: &mut Vec<(PathBuf, Vec<u8>)>) -> std::io::Result<()> {
            for entry in fs::read_dir(dir)? {
                let path = entry?.path();
                if path.is_dir() {
                    walk(&path, files)?;
                } else {
                    files.push((path.clone(), fs::read(&path)?));
                }
            }
            Ok(())
        }
        let mut files = Vec::new();
        let files = walk(dir, &mut files).ok().map(|()| files);
        Snapshot { dir: dir.to_path_buf(), files }
    }

    /// Puts the directory back as it was taken.
    pub fn restore(&self) -> std::io::Result<()> {
        match fs::remove_dir_all(&self.dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        for (path, bytes) in self.files.iter().flatten() {
            fs::create_dir_all(path.parent().expect("a file under the directory"))?;
            fs::write(path, bytes)?;
        }
        Ok(())
    }
}

/// Criterion's directory of benchmark `id` and the baseline this run saves into it.
pub struct Kept {
    pub dir: PathBuf,
    /// The baseline Criterion copies each measurement to (`base`, or `--save-baseline`'s
    /// name), none if it saves none (`--baseline`, `--discard-baseline`).
    saves: Option<String>,
}

impl Kept {
    pub fn new(id: &str, saves: Option<&str>) -> Option<Kept> {
        Some(Kept { dir: benchmark_dir(&crate::harness::run::criterion_dir(), id)?, saves: saves.map(String::from) })
    }

    /// The saved baseline as it was before this run measured the benchmark.
    pub fn baseline(&self) -> Option<Snapshot> {
        self.saves.as_ref().map(|name| Snapshot::take(&self.dir.join(name)))
    }

    /// The median and its 95% interval of the latest measurement.
    pub fn latest(&self) -> Option<Estimate> {
        estimate(&self.dir.join("new/estimates.json")).ok()
    }
}

/// The machine's slowdown (`speed::slowdown`) above which a measurement of benchmark `id`
/// counts as slowed: it is measured again, and of two measurements the one below is kept.
/// `speed::SLOWED`, but `speed::MARKED` for `execute`'s calls: the slowdowns of the
/// pure-execution table are held to 5% from run to run, and `execute` is a few minutes
/// of a whole run, so measuring its slowed numbers again costs seconds.
pub fn slowed_above(id: &str) -> f64 {
    use crate::harness::speed::{MARKED, SLOWED};
    if id.starts_with("execute/") { MARKED } else { SLOWED }
}

/// Half the 95% interval, as a share of the median, beyond which a measurement's own
/// samples say it was disturbed (when it is also twice as wide as the other's).
pub const DISTURBED: f64 = 0.05;

/// Whether to keep the second of two measurements, each given as its estimate and the
/// machine's slowdown around it (`speed::slowdown`), slowed above `slowed_above`. The
/// machine can only slow code down: when the two intervals do not overlap, the slower
/// measurement was disturbed and the faster is kept. Otherwise the one measured at full
/// speed if only one was, unless that
/// one is the slower and its interval more than twice as wide as the other's and wider
/// than `DISTURBED` (its own samples saw a disturbance its probes did not); else the
/// tighter.
pub fn keep_second(first: (Estimate, f64), second: Option<(Estimate, f64)>, slowed_above: f64) -> bool {
    let Some(second) = second else { return false };
    let ((first, first_slowdown), (second, second_slowdown)) = (first, second);
    if first.upper < second.lower || second.upper < first.lower {
        return second.median < first.median;
    }
    let half_width = |e: Estimate| e.half_width().unwrap_or(f64::INFINITY);
    let disturbed = |kept: Estimate, other: Estimate| {
        kept.median > other.median
            && half_width(kept) > DISTURBED
            && half_width(kept) > 2.0 * half_width(other)
    };
    let tighter = half_width(second) <= half_width(first);
    match (first_slowdown > slowed_above, second_slowdown > slowed_above) {
        (true, false) if !disturbed(second, first) => true,
        (false, true) if !disturbed(first, second) => false,
        _ => tighter,
    }
}

/// The baseline Criterion saves each measurement to, from its arguments: `base` unless
/// told otherwise; none when it compares with (`--baseline`, `--baseline-lenient`) or
/// loads (`--load-baseline`) a baseline, or discards it.
pub fn saved_baseline(args: &[String]) -> Option<String> {
    let mut saves = Some("base".to_string());
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let Some(option) = arg.strip_prefix("--") else { continue };
        let (name, value) = match option.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None => (option, None),
        };
        let mut value = || value.clone().or_else(|| args.next().cloned());
        match name {
            "save-baseline" => saves = value(),
            "baseline" | "baseline-lenient" | "load-baseline" => {
                value();
                saves = None;
            }
            "discard-baseline" => saves = None,
            _ => {}
        }
    }
    saves
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::speed::{MARKED, SLOWED};

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn the_saved_baseline_follows_criterions_options() {
        assert_eq!(saved_baseline(&args("--bench execute")), Some("base".into()));
        assert_eq!(saved_baseline(&args("--save-baseline before nbody")), Some("before".into()));
        assert_eq!(saved_baseline(&args("--save-baseline=before")), Some("before".into()));
        assert_eq!(saved_baseline(&args("--baseline before")), None);
        assert_eq!(saved_baseline(&args("--baseline-lenient=before")), None);
        assert_eq!(saved_baseline(&args("--discard-baseline")), None);
    }

    /// A median of `median` with an interval of ±`half_width` of it.
    fn around(median: f64, half_width: f64) -> Estimate {
        Estimate { median, lower: median * (1.0 - half_width), upper: median * (1.0 + half_width) }
    }

    #[test]
    fn of_two_overlapping_measurements_the_one_at_full_speed_is_kept_else_the_tighter() {
        assert!(keep_second((around(100.0, 0.03), 1.0), Some((around(101.0, 0.01), 1.0)), SLOWED));
        assert!(!keep_second((around(100.0, 0.01), 1.0), Some((around(101.0, 0.03), 1.0)), SLOWED));
        assert!(keep_second((around(100.0, 0.001), 1.6), Some((around(101.0, 0.03), 1.05)), SLOWED));
        assert!(!keep_second((around(100.0, 0.03), 1.05), Some((around(99.0, 0.001), 1.6)), SLOWED));
        assert!(keep_second((around(100.0, 0.03), 1.5), Some((around(99.0, 0.01), 1.7)), SLOWED));
        assert!(!keep_second((around(100.0, 0.03), 1.5), None, SLOWED));
    }

    #[test]
    fn a_slower_measurement_at_full_speed_whose_own_samples_were_disturbed_is_not_kept() {
        // jit/add-one/wasmer.singlepass in a whole run: 90.9 µs ±2.3% with the probe at 1.14,
        // then 99.2 µs ±257% with it at 1.04 (85.6 µs in a quiet run).
        assert!(!keep_second((around(90_911.0, 0.023), 1.14), Some((around(99_236.0, 2.575), 1.04)), SLOWED));
        assert!(keep_second((around(99_236.0, 2.575), 1.04), Some((around(90_911.0, 0.023), 1.14)), SLOWED));
        // Faster, or not much wider: the one at full speed is kept.
        assert!(keep_second((around(100.0, 0.01), 1.2), Some((around(95.0, 0.2), 1.0)), SLOWED));
        assert!(keep_second((around(100.0, 0.04), 1.2), Some((around(104.0, 0.06), 1.0)), SLOWED));
    }

    #[test]
    fn of_two_measurements_whose_intervals_are_apart_the_faster_is_kept() {
        // native/fibonacci in a whole run: 16.3 µs ±2.1%, then 21.1 µs ±1.0% minutes later.
        assert!(!keep_second((around(16_315.0, 0.021), 1.0), Some((around(21_147.0, 0.0097), 1.07)), SLOWED));
        assert!(keep_second((around(21_147.0, 0.0097), 1.0), Some((around(16_315.0, 0.021), 1.0)), SLOWED));
        // Faster though its probes read a slowed machine: its own numbers say more.
        assert!(keep_second((around(1.6e6, 0.001), 1.0), Some((around(1.5e6, 0.009), 1.2)), SLOWED));
    }

    #[test]
    fn executes_calls_count_as_slowed_from_the_marked_slowdown() {
        assert_eq!(slowed_above("execute/sieve/wasm3"), MARKED);
        assert_eq!(slowed_above("compile/sieve/wasm3"), SLOWED);
        // The same pair of measurements: the second, at full speed, is kept only where
        // 1.07 counts as slowed.
        let (slowed, at_full_speed) = ((around(100.0, 0.01), 1.07), Some((around(101.0, 0.015), 1.01)));
        assert!(keep_second(slowed, at_full_speed, MARKED));
        assert!(!keep_second(slowed, at_full_speed, SLOWED));
    }

    #[test]
    fn the_native_calls_every_slowdown_divides_by_are_measured_twice() {
        assert!(always_twice("execute/sieve/native"));
        assert!(!always_twice("native/sieve/native"));
        assert!(!always_twice("execute/sieve/wasmtime.cranelift"));
    }

    #[test]
    fn a_snapshot_puts_a_directory_back_as_it_was() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("bench");
        fs::create_dir_all(dir.join("new")).unwrap();
        fs::write(dir.join("new/estimates.json"), "first").unwrap();
        let first = Snapshot::take(&dir);
        fs::write(dir.join("new/estimates.json"), "second").unwrap();
        fs::create_dir_all(dir.join("base")).unwrap();
        fs::write(dir.join("base/sample.json"), "second").unwrap();
        first.restore().unwrap();
        assert_eq!(fs::read_to_string(dir.join("new/estimates.json")).unwrap(), "first");
        assert!(!dir.join("base").exists());
        let missing = Snapshot::take(&root.path().join("none"));
        fs::create_dir_all(root.path().join("none")).unwrap();
        missing.restore().unwrap();
        assert!(!root.path().join("none").exists());
    }
}

//! How fast the machine is at a moment: two fixed native workloads, each the fastest of
//! five runs, timed just before and just after each benchmark, and between its timed calls
//! (`During`). The integer part (dependent work in a 16 KB array and recursive calls, about
//! 0.3 ms) hardly feels another tenant sharing the core; the float part (n-body steps,
//! about 25 µs) does. On this shared host, stretches of a busy run make code 1.2–1.9 times
//! slower, steadily, so that a benchmark gets a tight interval around a wrong median: in
//! one such stretch the float part read 1.2 while a native sieve ran 1.5 times slower and
//! the integer part stayed at its usual 1.07 (`examples/speed_probe.rs`). In other busy
//! stretches the machine's speed moves in steps of about 3% every few hundredths of a
//! second, up and down over about half a second, the probe, a native sieve and wasm3's sieve
//! in lockstep (`examples/lockstep.rs`): both ends of a measurement of a second or more can
//! read full speed around a slowed middle.
//! A benchmark whose readings, in either part, ran more than `SLOWED` times the run's
//! fastest (`MARKED` for `execute`'s calls) was measured on a slowed machine: it is
//! measured again (`again::slowed_above`). The summary marks every number measured at more
//! than `MARKED` times the fastest, after the second measurement if there was one.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// The probes' mean, as a multiple of the run's fastest, above which a benchmark counts as
/// measured on a slowed machine and is measured again. The probe slows less than the
/// benchmarks do: in a busy whole run, of the medians whose (integer) probe read 1.11–1.14,
/// half were more than 20% above a quiet run's; at 1.02–1.05, one in twenty.
pub const SLOWED: f64 = 1.1;

/// The probes' mean, as a multiple of the run's fastest, above which a number is marked as
/// measured on a slowed machine. Two whole runs' medians agree within 5% less often once the
/// machine was slowed around either: over three pairs of whole runs on the Xeon host (V8
/// aside, a run slowed throughout aside), 89–94% of those measured under 1.04 in both,
/// 68–80% with the slower reading at 1.04–1.06, 36–78% above 1.06 (`./suite agreement`
/// lists the worst cases with both readings). Measuring those at 1.05–1.1 again would have
/// cost 6.5 to 11.3 minutes in each of the four whole runs there, often within the same
/// slow stretch: they are marked instead. The threshold is the 5% of the agreement target.
pub const MARKED: f64 = 1.05;

/// The probe is read between a benchmark's timed calls once this long has passed since
/// the last reading: at most about 3% of the measurement's wall time (a reading takes about
/// 1.6 ms), about twenty readings over a second of samples.
pub const DURING_EVERY: Duration = Duration::from_millis(50);

/// One reading of the probe, each part the fastest of five runs, in nanoseconds. Records
/// from before the float part existed have none.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reading {
    pub integer_ns: f64,
    pub float_ns: Option<f64>,
}

impl Reading {
    /// No reading yet: slower than any.
    pub const NONE: Reading = Reading { integer_ns: f64::INFINITY, float_ns: None };

    /// Each part's faster of the two.
    pub fn faster(self, other: Reading) -> Reading {
        let float_ns = match (self.float_ns, other.float_ns) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Reading { integer_ns: self.integer_ns.min(other.integer_ns), float_ns }
    }
}

/// The probe's readings around one measurement: just before, just after and, for a
/// measurement long enough, each part's median of the readings taken between its calls.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Probes {
    pub before: Reading,
    pub after: Reading,
    pub during: Option<Reading>,
}

/// The readings taken while a benchmark is measured, outside its timed calls.
pub struct During {
    readings: Vec<Reading>,
    last: Instant,
}

impl During {
    /// No readings yet; the first comes `DURING_EVERY` from now.
    pub fn start() -> During {
        During { readings: Vec::new(), last: Instant::now() }
    }

    /// Reads the probe if `DURING_EVERY` has passed since the last reading; called after a
    /// timed call returned, so that the reading is never inside the benchmark's clock.
    pub fn between_calls(&mut self) {
        if self.last.elapsed() >= DURING_EVERY {
            self.readings.push(probe());
            self.last = Instant::now();
        }
    }

    /// Each part's median over the readings (`None` if there were none).
    pub fn median(&self) -> Option<Reading> {
        let median = |mut values: Vec<f64>| (!values.is_empty()).then(|| crate::report::results::median(&mut values));
        let integer_ns = median(self.readings.iter().map(|r| r.integer_ns).collect())?;
        Some(Reading { integer_ns, float_ns: median(self.readings.iter().filter_map(|r| r.float_ns).collect()) })
    }
}

/// Reads the probe.
pub fn probe() -> Reading {
    Reading { integer_ns: fastest_of_five(|| workload(black_box(22))), float_ns: Some(fastest_of_five(|| float_workload(black_box(500)))) }
}

fn fastest_of_five<T>(work: impl Fn() -> T) -> f64 {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            black_box(work());
            start.elapsed().as_secs_f64() * 1e9
        })
        .fold(f64::INFINITY, f64::min)
}

/// The fastest reading of each part just before or after a benchmark that a run's record
/// holds so far (`Reading::NONE` if none).
pub fn fastest(events: &[crate::harness::run::Event]) -> Reading {
    events.iter().filter_map(crate::harness::run::Event::probes).fold(Reading::NONE, |fastest, probes| fastest.faster(probes.before).faster(probes.after))
}

/// How much slower than `fastest` the machine was around and during a measurement (1.0:
/// full speed): the larger of its two ends' mean and the median of the readings during it,
/// each the slower part's over its fastest.
pub fn slowdown(probes: Probes, fastest: Reading) -> f64 {
    let ends = mean_over(probes.before, probes.after, fastest);
    probes.during.map_or(ends, |during| ends.max(mean_over(during, during, fastest)))
}

/// The larger of the parts' means of `a` and `b` over their fastest.
fn mean_over(a: Reading, b: Reading, fastest: Reading) -> f64 {
    let integer = (a.integer_ns + b.integer_ns) / 2.0 / fastest.integer_ns;
    let float = match (a.float_ns, b.float_ns, fastest.float_ns) {
        (Some(a), Some(b), Some(fastest)) => (a + b) / 2.0 / fastest,
        _ => 0.0,
    };
    integer.max(float)
}

/// Steps of five bodies under gravity: divisions, square roots and dependent multiplies.
fn float_workload(steps: u32) -> f64 {
    let mut bodies = [[0.0f64; 7]; 5];
    for (k, body) in bodies.iter_mut().enumerate() {
        for (j, v) in body.iter_mut().enumerate() {
            *v = (k * 7 + j) as f64 * 0.37 + 1.0;
        }
    }
    for _ in 0..steps {
        for i in 0..5 {
            for j in i + 1..5 {
                let (dx, dy, dz) = (bodies[i][0] - bodies[j][0], bodies[i][1] - bodies[j][1], bodies[i][2] - bodies[j][2]);
                let distance2 = dx * dx + dy * dy + dz * dz;
                let magnitude = 0.001 / (distance2 * distance2.sqrt());
                let (mass_i, mass_j) = (bodies[i][6], bodies[j][6]);
                for (axis, d) in [dx, dy, dz].into_iter().enumerate() {
                    bodies[i][3 + axis] -= d * mass_j * magnitude;
                    bodies[j][3 + axis] += d * mass_i * magnitude;
                }
            }
        }
        for body in &mut bodies {
            for axis in 0..3 {
                body[axis] += 0.001 * body[3 + axis];
            }
        }
    }
    bodies.iter().map(|body| body[0] + body[1]).sum()
}

fn workload(depth: u32) -> u64 {
    fn fib(n: u32) -> u64 {
        if n < 2 { u64::from(n) } else { fib(n - 1) + fib(n - 2) }
    }
    let mut table = [0u32; 4096];
    let mut x = 0x9e37_79b9_u32;
    for i in 0..150_000u32 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let slot = &mut table[(x & 4095) as usize];
        *slot = slot.wrapping_add(i);
    }
    fib(depth) + table.iter().map(|&v| u64::from(v)).sum::<u64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(integer_ns: f64, float_ns: f64) -> Reading {
        Reading { integer_ns, float_ns: Some(float_ns) }
    }

    fn slowdown(before: Reading, after: Reading, fastest: Reading) -> f64 {
        super::slowdown(Probes { before, after, during: None }, fastest)
    }

    #[test]
    fn the_probe_times_both_workloads() {
        let probe = probe();
        assert!(probe.integer_ns.is_finite() && probe.integer_ns > 1_000.0, "{probe:?}");
        assert!(probe.float_ns.is_some_and(|ns| ns.is_finite() && ns > 1_000.0), "{probe:?}");
        assert_eq!(workload(10), workload(10));
        assert_eq!(float_workload(10).to_bits(), float_workload(10).to_bits());
    }

    #[test]
    fn slowdown_is_the_slower_parts_mean_of_both_probes_over_its_fastest() {
        let fastest = reading(100.0, 20.0);
        assert_eq!(slowdown(reading(100.0, 20.0), reading(100.0, 20.0), fastest), 1.0);
        assert_eq!(slowdown(reading(100.0, 20.0), reading(200.0, 20.0), fastest), 1.5);
        assert_eq!(slowdown(reading(100.0, 24.0), reading(100.0, 24.0), fastest), 1.2);
        assert!(slowdown(reading(104.0, 20.0), reading(112.0, 20.0), fastest) < SLOWED);
        assert!(slowdown(reading(110.0, 20.0), reading(125.0, 20.0), fastest) > SLOWED);
        assert!(slowdown(reading(100.0, 22.0), reading(100.0, 23.0), fastest) > SLOWED);
    }

    #[test]
    fn a_slowed_middle_counts_though_both_ends_read_full_speed() {
        let fastest = reading(100.0, 20.0);
        let during = |integer_ns| Some(reading(integer_ns, 20.0));
        let at_full_speed = Probes { before: fastest, after: fastest, during: during(100.0) };
        assert_eq!(super::slowdown(at_full_speed, fastest), 1.0);
        assert!((super::slowdown(Probes { during: during(106.0), ..at_full_speed }, fastest) - 1.06).abs() < 1e-12);
        // Slowed ends still count when the middle was at full speed.
        assert_eq!(super::slowdown(Probes { before: reading(120.0, 20.0), ..at_full_speed }, fastest), 1.1);
    }

    #[test]
    fn readings_during_a_measurement_are_spaced_and_their_median_taken() {
        let mut during = During::start();
        during.between_calls();
        assert_eq!(during.median(), None, "no reading before DURING_EVERY has passed");
        during.readings = vec![reading(300.0, 20.0), reading(100.0, 21.0), reading(110.0, 19.0)];
        assert_eq!(during.median(), Some(reading(110.0, 20.0)));
        std::thread::sleep(DURING_EVERY);
        during.between_calls();
        assert_eq!(during.readings.len(), 4);
    }

    #[test]
    fn records_without_the_float_part_are_read_by_the_integer_part() {
        let old = Reading { integer_ns: 100.0, float_ns: None };
        assert_eq!(slowdown(old, Reading { integer_ns: 120.0, float_ns: None }, old), 1.1);
        let fastest = Reading::NONE.faster(old).faster(reading(90.0, 20.0));
        assert_eq!(fastest, reading(90.0, 20.0));
        assert_eq!(slowdown(old, old, fastest), 100.0 / 90.0);
    }
}

//! How fast the machine is at a moment: a fixed native workload (integer work in a 16 KB
//! array and recursive calls, about 0.3 ms), the fastest of five runs, timed just before
//! and just after each benchmark. On this shared host, stretches of a busy run make code
//! 1.5–1.9 times slower, steadily, so that a benchmark gets a tight interval around a wrong
//! median; the probe reads them too, more faintly (10–15% slower). A benchmark whose two
//! probes ran on average more than `SLOWED` times the run's fastest probe was measured on a
//! slowed machine: it is measured again (`again`), and marked in the summary if it still was.

use std::hint::black_box;
use std::time::Instant;

/// The probes' mean, as a multiple of the run's fastest, above which a benchmark counts as
/// measured on a slowed machine. The probe slows less than the benchmarks do (it runs in
/// the first-level cache): in a busy whole run, of the medians whose probe read 1.11–1.14,
/// half were more than 20% above a quiet run's; at 1.02–1.05, one in twenty.
pub const SLOWED: f64 = 1.1;

/// The probe: the workload's fastest of five runs, in nanoseconds.
pub fn probe_ns() -> f64 {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            black_box(workload(black_box(22)));
            start.elapsed().as_secs_f64() * 1e9
        })
        .fold(f64::INFINITY, f64::min)
}

/// The fastest probe a run's record holds so far (infinite if none).
pub fn fastest_ns(events: &[crate::harness::run::Event]) -> f64 {
    events
        .iter()
        .filter_map(|e| match e {
            crate::harness::run::Event::Speed { before_ns, after_ns, .. } => Some(before_ns.min(*after_ns)),
            _ => None,
        })
        .fold(f64::INFINITY, f64::min)
}

/// How much slower than `fastest` the machine was around a benchmark probed `before` and
/// `after` it: the probes' mean over the fastest (1.0: full speed).
pub fn slowdown(before_ns: f64, after_ns: f64, fastest_ns: f64) -> f64 {
    (before_ns + after_ns) / 2.0 / fastest_ns
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

    #[test]
    fn the_probe_times_its_workload() {
        let ns = probe_ns();
        assert!(ns.is_finite() && ns > 1_000.0, "{ns}");
        assert_eq!(workload(10), workload(10));
    }

    #[test]
    fn slowdown_is_the_mean_of_both_probes_over_the_fastest() {
        assert_eq!(slowdown(100.0, 100.0, 100.0), 1.0);
        assert_eq!(slowdown(100.0, 200.0, 100.0), 1.5);
        assert!(slowdown(104.0, 112.0, 100.0) < SLOWED);
        assert!(slowdown(110.0, 125.0, 100.0) > SLOWED);
    }
}

//! Whether the speed probe (`harness::speed`) sees what slows other code: for SECONDS
//! (default 600), reads the probe and times four native workloads in turns (a byte sieve of
//! 1 MB, a sort of 4 MB, a hash map of short strings that allocates like a compiler, n-body
//! steps), then prints, per stretch of about six seconds, each part of the probe and each
//! workload's median as a multiple of its fastest stretch, and how often each part of the
//! probe passed `SLOWED` in the rounds where a workload ran more than 1.2 times its fastest.
//!
//!     cargo run --release --example speed_probe -- 300

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;
use wasm_runtime_bench::harness::speed::{self, SLOWED};

fn sieve(n: usize) -> usize {
    let mut prime = vec![true; n];
    let mut count = 0;
    for i in 2..n {
        if prime[i] {
            count += 1;
            (i * i..n).step_by(i).for_each(|j| prime[j] = false);
        }
    }
    count
}

fn sort(data: &[u32]) -> u32 {
    let mut sorted = data.to_vec();
    sorted.sort_unstable();
    sorted[sorted.len() / 2]
}

fn words(n: u32) -> usize {
    let mut counts: HashMap<String, u32> = HashMap::new();
    for i in 0..n {
        *counts.entry(format!("w{}", i.wrapping_mul(2_654_435_761) % (n / 2))).or_insert(0) += 1;
    }
    counts.len()
}

fn nbody(steps: u32) -> f64 {
    let mut x = [0.1f64, 1.3, 2.2, 3.7, 4.1];
    let mut v = [0.0f64; 5];
    for _ in 0..steps {
        for i in 0..5 {
            for j in i + 1..5 {
                let d = x[i] - x[j];
                let f = 0.001 * d / (d * d * (d * d).sqrt() + 0.01);
                v[i] -= f;
                v[j] += f;
            }
        }
        x.iter_mut().zip(&v).for_each(|(x, v)| *x += 0.001 * v);
    }
    x.iter().sum()
}

fn median_us<T>(runs: usize, work: impl Fn() -> T) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            black_box(work());
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}

fn main() {
    let seconds: f64 = std::env::args().nth(1).map_or(600.0, |s| s.parse().expect("SECONDS: a number"));
    let data: Vec<u32> = (0..1_000_000u32).map(|i| i.wrapping_mul(2_654_435_761) ^ (i >> 3)).collect();
    let start = Instant::now();
    // Per round: the probe's integer and float parts, then the workloads' medians.
    let mut rounds: Vec<[f64; 6]> = Vec::new();
    while start.elapsed().as_secs_f64() < seconds {
        let probe = speed::probe();
        rounds.push([
            probe.integer_ns / 1e3,
            probe.float_ns.expect("the probe has a float part") / 1e3,
            median_us(5, || sieve(black_box(1_000_000))),
            median_us(3, || sort(black_box(&data))),
            median_us(3, || words(black_box(100_000))),
            median_us(5, || nbody(black_box(2_000))),
        ]);
    }
    let columns = ["integer", "float", "sieve", "sort", "words", "nbody"];
    let per_stretch = (rounds.len() as f64 / (start.elapsed().as_secs_f64() / 6.0)).ceil().max(1.0) as usize;
    let medians: Vec<[f64; 6]> = rounds
        .chunks(per_stretch)
        .map(|chunk| {
            std::array::from_fn(|c| {
                let mut column: Vec<f64> = chunk.iter().map(|r| r[c]).collect();
                column.sort_by(f64::total_cmp);
                column[column.len() / 2]
            })
        })
        .collect();
    let fastest: [f64; 6] = std::array::from_fn(|c| medians.iter().map(|m| m[c]).fold(f64::INFINITY, f64::min));
    println!("{} rounds; each column a multiple of its fastest stretch's median ({:?} µs)", rounds.len(), fastest.map(|f| (f * 10.0).round() / 10.0));
    println!("{:>6} {}", "s", columns.map(|c| format!("{c:>8}")).join(""));
    for (i, m) in medians.iter().enumerate() {
        println!("{:>6.0} {}", i as f64 * 6.0, (0..6).map(|c| format!("{:>8.2}", m[c] / fastest[c])).collect::<String>());
    }
    let quickest: [f64; 6] = std::array::from_fn(|c| rounds.iter().map(|r| r[c]).fold(f64::INFINITY, f64::min));
    let slowed_rounds: Vec<&[f64; 6]> = rounds.iter().filter(|r| (2..6).any(|c| r[c] / quickest[c] > 1.2)).collect();
    for (part, name) in [(0, "integer"), (1, "float")] {
        let seen = slowed_rounds.iter().filter(|r| r[part] / quickest[part] > SLOWED).count();
        let false_alarms = rounds.iter().filter(|r| r[part] / quickest[part] > SLOWED && (2..6).all(|c| r[c] / quickest[c] <= 1.2)).count();
        println!(
            "{name} part above {SLOWED} in {seen} of the {} rounds where a workload ran more than 1.2 times its fastest; in {false_alarms} of the {} others",
            slowed_rounds.len(),
            rounds.len() - slowed_rounds.len()
        );
    }
}

//! Whether the machine's slow moments slow every kind of code alike: for SECONDS (default
//! 20), reads the speed probe (`harness::speed`), walks a 4 MB chain of dependent loads, and
//! calls a sample once natively and once on a runtime, in turns, and prints each round in
//! µs. Then, per column, the rounds' spread (the 90th percentile over
//! the 10th) and that of its ratio to the probe's integer part: a spread that the ratio
//! removes moved in step with the probe. This is why the probe is also read during a measurement
//! (`speed::During`): on the Xeon host, in a busy stretch, all of them but the chain moved
//! together, in steps of about 3% every few hundredths of a second.
//!
//!     cargo run --release --example lockstep -- wasm3 sieve 20

use std::hint::black_box;
use std::time::Instant;
use wasm_runtime_bench::harness::speed;
use wasm_runtime_bench::{runtimes, sample};

/// A chain through `bytes` of memory, one step per cache line, in a shuffled order.
fn chain(bytes: usize) -> Vec<u32> {
    let lines = bytes / 64;
    let mut order: Vec<u32> = (0..lines as u32).collect();
    let mut x = 0x9e37_79b9_u32;
    for i in (1..lines).rev() {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        order.swap(i, x as usize % (i + 1));
    }
    let mut next = vec![0u32; lines * 16];
    for (at, &line) in order.iter().enumerate() {
        next[line as usize * 16] = order[(at + 1) % lines] * 16;
    }
    next
}

fn walk(chain: &[u32], steps: usize) -> u32 {
    (0..steps).fold(0, |at, _| chain[at as usize])
}

/// How long one run of `work` takes, in µs.
fn time_us<T>(work: impl FnOnce() -> T) -> f64 {
    let start = Instant::now();
    black_box(work());
    start.elapsed().as_secs_f64() * 1e6
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (runtime_name, sample_name) = (args.get(1).map_or("wasm3", String::as_str), args.get(2).map_or("sieve", String::as_str));
    let seconds: f64 = args.get(3).map_or(Ok(20.0), |s| s.parse())?;
    let samples = sample::load_samples()?;
    let sample = samples.iter().find(|s| s.name == sample_name).ok_or_else(|| anyhow::anyhow!("no sample {sample_name}"))?;
    let mut instances = Vec::new();
    for name in ["native", runtime_name] {
        instances.push(runtimes::runtime(name)?.compile(sample)?.instantiate(&sample.export)?);
    }
    let memory = chain(4 << 20);
    let columns = ["integer", "float", "chain 4 MB", "native", runtime_name];
    println!("{}", columns.map(|c| format!("{c:>12}")).join(""));
    let (start, mut rounds) = (Instant::now(), Vec::new());
    while start.elapsed().as_secs_f64() < seconds {
        let probe = speed::probe();
        let mut round = vec![probe.integer_ns / 1e3, probe.float_ns.unwrap_or(f64::NAN) / 1e3, time_us(|| walk(black_box(&memory), 16_384))];
        for instance in &mut instances {
            let mut result = Ok(None);
            round.push(time_us(|| result = instance.call(black_box(&sample.args))));
            let got = result?;
            anyhow::ensure!(sample.expected.accepts(&got), "wrong result {got:?}");
        }
        println!("{}", round.iter().map(|v| format!("{v:>12.1}")).collect::<String>());
        rounds.push(round);
    }
    let spread = |mut values: Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() * 9 / 10] / values[values.len() / 10]
    };
    for (c, name) in columns.iter().enumerate().skip(1) {
        println!(
            "{name:>12}: spread over {} rounds {:.3}, as a ratio to the integer part {:.3}",
            rounds.len(),
            spread(rounds.iter().map(|r| r[c]).collect()),
            spread(rounds.iter().map(|r| r[c] / r[0]).collect())
        );
    }
    Ok(())
}

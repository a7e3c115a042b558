//! Whether a runtime's call takes the same time wherever its instance lands: for each
//! runtime and sample given, makes PLACEMENTS instances (default 100) one after another,
//! each after an allocation of a different size so that the heap puts it elsewhere, times
//! each one's call (the fastest of up to 30 calls in 0.1 s) and prints the fastest, median
//! and slowest placement and how many were more than 5% slower than the median. This is
//! why `execute` times the middle half of eight instances (`harness::steps`). With
//! `modules`, each placement also compiles its own module, so that the module's code and
//! data land elsewhere too. With `offsets`, each placement's call is timed with the native
//! stack at 16 offsets within its page (`harness::stack`): it prints how many placements
//! were more than 5% apart across offsets, and each offset's median over the placements.
//!
//!     cargo run --release --example placements -- wamr,wasm3 nbody,fibonacci 100 [modules|offsets]

use std::hint::black_box;
use std::time::Instant;
use wasm_runtime_bench::harness::stack;
use wasm_runtime_bench::runtime::Instance;
use wasm_runtime_bench::sample::Sample;
use wasm_runtime_bench::{runtimes, sample};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(runtime_names), Some(sample_names)) = (args.get(1), args.get(2)) else {
        anyhow::bail!("usage: placements RUNTIME[,RUNTIME...] SAMPLE[,SAMPLE...] [PLACEMENTS] [modules]");
    };
    let placements: usize = args.get(3).map_or(Ok(100), |n| n.parse())?;
    let module_per_placement = args.get(4).is_some_and(|a| a == "modules");
    let offsets: Vec<usize> = if args.get(4).is_some_and(|a| a == "offsets") { (0..16).map(|i| i * stack::PAGE / 16).collect() } else { vec![0] };
    let samples = sample::load_samples()?;
    for runtime_name in runtime_names.split(',') {
        let runtime = runtimes::runtime(runtime_name)?;
        let alive_at_once = runtime.instance_limit().unwrap_or(usize::MAX).saturating_sub(1).max(1);
        for sample_name in sample_names.split(',') {
            let sample = samples.iter().find(|s| s.name == sample_name).ok_or_else(|| anyhow::anyhow!("no sample {sample_name}"))?;
            if let Some(reason) = runtime.cannot_run(sample_name, &sample.proposals) {
                println!("{runtime_name:20} {sample_name:14} skipped: {reason}");
                continue;
            }
            let (mut padding, mut modules, mut alive, mut fastest) = (Vec::new(), vec![runtime.compile(sample)?], Vec::new(), Vec::new());
            for placement in 0..placements {
                padding.push(vec![1u8; 8 + (placement % 300) * 8]);
                if alive.len() == alive_at_once {
                    alive.remove(0);
                }
                if module_per_placement && placement > 0 {
                    modules.push(runtime.compile(sample)?);
                }
                let mut instance = modules.last().expect("one module at least").instantiate(&sample.export)?;
                let at_offsets = offsets
                    .iter()
                    .map(|&offset| stack::at_offset(offset, || fastest_call(&mut *instance, sample, 0.1 / offsets.len() as f64)))
                    .collect::<anyhow::Result<Vec<f64>>>()
                    .map_err(|e| e.context(format!("{runtime_name} {sample_name}")))?;
                fastest.push(at_offsets);
                alive.push(instance);
            }
            let by_offset: Vec<Vec<f64>> = (0..offsets.len()).map(|o| fastest.iter().map(|times| times[o]).collect()).collect();
            let fastest: Vec<f64> = by_offset[0].clone();
            let mut sorted = fastest.clone();
            sorted.sort_by(f64::total_cmp);
            let median = sorted[sorted.len() / 2];
            let slower = fastest.iter().filter(|&&t| t > median * 1.05).count();
            println!(
                "{runtime_name:20} {sample_name:14} fastest {:10.2} µs  median {:10.2} µs  slowest {:10.2} µs ({:.2}× the median)  more than 5% slower: {slower} of {placements}",
                sorted[0],
                median,
                sorted[sorted.len() - 1],
                sorted[sorted.len() - 1] / median
            );
            if offsets.len() > 1 {
                let spreads: Vec<f64> = (0..placements).map(|p| spread(by_offset.iter().map(|times| times[p]))).collect();
                let apart = spreads.iter().filter(|&&s| s > 1.05).count();
                let medians: Vec<String> = by_offset.iter().zip(&offsets).map(|(times, o)| format!("{o}: {:.1}", median_of(times))).collect();
                println!("    more than 5% apart across stack offsets: {apart} of {placements} placements (up to {:.2}×)", spreads.iter().copied().fold(1.0, f64::max));
                println!("    median by stack offset (µs): {}", medians.join(", "));
            }
        }
    }
    Ok(())
}

/// The fastest of up to 30 calls in `secs` (at least 4), each result checked.
fn fastest_call(instance: &mut dyn Instance, sample: &Sample, secs: f64) -> anyhow::Result<f64> {
    let (start, mut best) = (Instant::now(), f64::INFINITY);
    for call in 0..30 {
        let timer = Instant::now();
        let got = instance.call(black_box(&sample.args))?;
        best = best.min(timer.elapsed().as_secs_f64() * 1e6);
        anyhow::ensure!(sample.expected.accepts(&got), "wrong result {got:?}");
        if call >= 3 && start.elapsed().as_secs_f64() > secs {
            break;
        }
    }
    Ok(best)
}

fn median_of(times: &[f64]) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// The slowest of `times` over the fastest.
fn spread(times: impl Iterator<Item = f64> + Clone) -> f64 {
    times.clone().fold(0.0, f64::max) / times.fold(f64::INFINITY, f64::min)
}

//! Writes the summary report of a run: `summary.md` and `summary.html`, in the run's
//! directory (`target/criterion/runs/<id>/`) and in Criterion's (`target/criterion/`).
//!
//! cargo run --release --bin report [-- --run ID] [--baseline NAME] [--criterion DIR]
//! cargo run --release --bin report -- --agreement RUN_A RUN_B   how far two runs agree
//!   (with more runs, the faster of each benchmark in the first half against the second's)
//!
//! Without `--run`, the run that started last. `cargo bench --bench report` does the same
//! for the run it is part of, with the benches' build.

use wasm_runtime_bench::report::cli::{DefaultRun, run};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, ids @ ..] = &args[..]
        && flag == "--agreement"
    {
        use wasm_runtime_bench::report::agreement::{agreement, fastest, medians};
        let runs = wasm_runtime_bench::harness::run::criterion_dir().join("runs");
        let all = match ids.iter().map(|id| medians(&runs.join(id).join("summary.json"))).collect::<Result<Vec<_>, _>>() {
            Ok(all) if all.len() >= 2 => all,
            Ok(_) => {
                eprintln!("report: --agreement takes two runs or more");
                std::process::exit(2);
            }
            Err(e) => {
                eprintln!("report: {e:#}");
                std::process::exit(1);
            }
        };
        if let [a, b] = &all[..] {
            print!("{}", agreement(a, b, 0.05));
        } else {
            let (first, second) = all.split_at(all.len() / 2);
            let (first_ids, second_ids) = ids.split_at(all.len() / 2);
            println!("the faster median of {} against the faster of {}:", first_ids.join(", "), second_ids.join(", "));
            print!("{}", agreement(&fastest(first), &fastest(second), 0.05));
        }
        return;
    }
    if let Err(e) = run(std::env::args().skip(1), false, DefaultRun::Latest) {
        eprintln!("report: {e:#}");
        std::process::exit(1);
    }
}

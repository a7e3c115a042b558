//! Writes the summary report of a run: `summary.md` and `summary.html`, in the run's
//! directory (`target/criterion/runs/<id>/`) and in Criterion's (`target/criterion/`).
//!
//! cargo run --release --bin report [-- --run ID] [--baseline NAME] [--criterion DIR]
//! cargo run --release --bin report -- --agreement RUN_A RUN_B   how far two runs agree
//!
//! Without `--run`, the run that started last. `cargo bench --bench report` does the same
//! for the run it is part of, with the benches' build.

use wasm_runtime_bench::report::cli::{DefaultRun, run};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, a, b] = &args[..]
        && flag == "--agreement"
    {
        let runs = wasm_runtime_bench::harness::run::criterion_dir().join("runs");
        let medians = |id: &str| wasm_runtime_bench::report::agreement::medians(&runs.join(id).join("summary.json"));
        match (medians(a), medians(b)) {
            (Ok(a), Ok(b)) => print!("{}", wasm_runtime_bench::report::agreement::agreement(&a, &b, 0.05)),
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("report: {e:#}");
                std::process::exit(1);
            }
        }
        return;
    }
    if let Err(e) = run(std::env::args().skip(1), false, DefaultRun::Latest) {
        eprintln!("report: {e:#}");
        std::process::exit(1);
    }
}

//! Writes the summary report of a run: `summary.md` and `summary.html`, in the run's
//! directory (`target/criterion/runs/<id>/`) and in Criterion's (`target/criterion/`).
//!
//! cargo run --release --bin report [-- --run ID] [--baseline NAME] [--criterion DIR]
//!
//! Without `--run`, the run that started last. `cargo bench --bench report` does the same
//! for the run it is part of, with the benches' build.

use wasm_runtime_bench::report::cli::{DefaultRun, run};

fn main() {
    if let Err(e) = run(std::env::args().skip(1), false, DefaultRun::Latest) {
        eprintln!("report: {e:#}");
        std::process::exit(1);
    }
}

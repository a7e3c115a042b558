//! Writes the summary report from the latest run: `summary.md` and `summary.html` in
//! Criterion's directory (`target/criterion/`).
//!
//! cargo run --release --bin report [-- --baseline NAME] [--criterion DIR] [--sizes FILE]
//!
//! `cargo bench --bench report` does the same with the benches' build, which `cargo bench`
//! has already made (this binary's build differs by the dev-dependencies' features).

fn main() {
    if let Err(e) = wasm_runtime_bench::report::cli::run(std::env::args().skip(1), false) {
        eprintln!("report: {e:#}");
        std::process::exit(1);
    }
}

//! Not a benchmark: writes the summary report (`target/criterion/summary.md` and
//! `summary.html`) from the latest results, after the other benches and with their build.
//! Of Criterion's arguments it reads `--baseline NAME`; with `--test` or `--list` it does
//! nothing, since those runs leave no results.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "--test" || arg == "--list") {
        return;
    }
    if let Err(e) = wasm_runtime_bench::report::cli::run(args.into_iter(), true) {
        eprintln!("report: {e:#}");
        std::process::exit(1);
    }
}

//! Not a benchmark: writes the summary report of the run it is part of (the same
//! `cargo bench`), after the other benches of this package (cargo runs them in the order
//! of their names) and with their build. Of Criterion's arguments it reads
//! `--baseline NAME`; with `--test` or `--list` it does nothing, since those runs leave
//! no results. `./suite bench` writes the summary itself, after every step, WASI included.

use wasm_runtime_bench::report::cli::{DefaultRun, run};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "--test" || arg == "--list") {
        return;
    }
    if let Err(e) = run(args.into_iter(), true, DefaultRun::Current) {
        eprintln!("report: {e:#}");
        std::process::exit(1);
    }
}

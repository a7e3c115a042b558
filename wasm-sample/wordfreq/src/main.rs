//! The WASI command around the wordfreq library.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let code = wordfreq::main_with(&args, std::env::vars(), &mut std::io::stdout().lock(), &mut std::io::stderr());
    std::process::exit(code);
}

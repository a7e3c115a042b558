//! wordfreq: the WASI sample. Reads a text file, counts its lines and words (runs of
//! ASCII letters, digits and apostrophes, lowercased) and prints the totals, the 20 most
//! frequent words and a checksum of every word's count. Built for wasm32-wasip1 it is a
//! WASI command (src/main.rs); the suite links this library as its native twin.

use std::collections::HashMap;
use std::io::{self, Write};

/// What `wordfreq PATH` prints for `text`.
pub fn report(text: &[u8], out: &mut impl Write) -> io::Result<()> {
    let mut counts: HashMap<Vec<u8>, u32> = HashMap::new();
    let mut words = 0u64;
    for word in text.split(|&b| !(b.is_ascii_alphanumeric() || b == b'\'')).filter(|w| !w.is_empty()) {
        words += 1;
        *counts.entry(word.to_ascii_lowercase()).or_insert(0) += 1;
    }
    let mut ranked: Vec<(&Vec<u8>, &u32)> = counts.iter().collect();
    ranked.sort_unstable_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let lines = text.iter().filter(|&&b| b == b'\n').count();
    writeln!(out, "bytes {}\nlines {lines}\nwords {words}\ndistinct {}", text.len(), ranked.len())?;
    for (word, count) in ranked.iter().take(20) {
        writeln!(out, "{count:>6} {}", String::from_utf8_lossy(word))?;
    }
    let checksum = ranked.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, &(word, &count)| {
        word.iter().chain(&count.to_le_bytes()).fold(hash, |h, &b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
    });
    writeln!(out, "checksum {checksum:016x}")
}

/// The command: `wordfreq PATH` reports on the file at PATH; `wordfreq --environment`
/// prints the environment it was given, one `NAME=value` a line. Returns the exit code.
pub fn main_with(args: &[String], environment: impl Iterator<Item = (String, String)>, out: &mut impl Write, err: &mut impl Write) -> i32 {
    let result = match args {
        [_, flag] if flag == "--environment" => environment.map(|(name, value)| writeln!(out, "{name}={value}")).collect(),
        [_, path] => match std::fs::read(path) {
            Ok(text) => report(&text, out),
            Err(e) => {
                let _ = writeln!(err, "wordfreq: cannot read {path}: {e}");
                return 1;
            }
        },
        _ => {
            let _ = writeln!(err, "usage: wordfreq PATH | wordfreq --environment");
            return 2;
        }
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(err, "wordfreq: writing the report: {e}");
            1
        }
    }
}

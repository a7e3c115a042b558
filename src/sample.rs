//! The samples: the committed `.wasm` files under `samples/` and what
//! `samples/manifest.toml` says of each (export, argument, expected result).

use crate::proposal::Proposal;
use crate::value::{Export, Value};
use anyhow::{Context, Result, ensure};
use serde::Deserialize;
use std::path::{Path, PathBuf};

pub struct Sample {
    pub name: String,
    pub wasm: Vec<u8>,
    pub export: Export,
    pub arg: Value,
    pub expected: Value,
    /// Identifies these exact bytes (BLAKE3); AOT artifacts are keyed on it.
    pub wasm_hash: blake3::Hash,
    /// The post-MVP proposals the module needs.
    pub proposals: Vec<Proposal>,
}

impl Sample {
    pub fn new(name: &str, wasm: Vec<u8>, export: &str, arg: Value, expected: Value) -> Sample {
        Sample {
            name: name.to_string(),
            wasm_hash: blake3::hash(&wasm),
            proposals: Proposal::needed_by(&wasm),
            wasm,
            export: Export { name: export.to_string(), param: arg.ty(), result: expected.ty() },
            arg,
            expected,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Manifest {
    sample: Vec<Entry>,
    /// The WASI commands (see `crate::wasi`).
    #[serde(default)]
    pub(crate) wasi: Vec<crate::wasi::WasiEntry>,
}

pub(crate) fn read_manifest(path: &Path) -> Result<Manifest> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// Sample names become file names and benchmark ids.
pub(crate) fn check_name(manifest: &Path, name: &str, taken: &[&str]) -> Result<()> {
    ensure!(
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "{}: sample name `{name}` must be letters, digits, `-` and `_` (it names files and benchmark ids)",
        manifest.display()
    );
    ensure!(!taken.contains(&name), "{}: sample `{name}` is listed twice", manifest.display());
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    file: String,
    #[allow(dead_code)]
    description: String,
    export: String,
    arg: Value,
    expected: Value,
}

pub fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

/// Every sample of `samples/manifest.toml`, with its bytes read from disk.
pub fn load_samples() -> Result<Vec<Sample>> {
    load_manifest(&samples_dir().join("manifest.toml"))
}

pub fn load_manifest(path: &Path) -> Result<Vec<Sample>> {
    let manifest = read_manifest(path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut samples: Vec<Sample> = Vec::new();
    for entry in manifest.sample {
        check_name(path, &entry.name, &samples.iter().map(|s| s.name.as_str()).collect::<Vec<_>>())?;
        let file = dir.join(&entry.file);
        let wasm = std::fs::read(&file)
            .with_context(|| format!("sample `{}`: reading {} (rebuild with wasm-sample/build.sh)", entry.name, file.display()))?;
        samples.push(Sample::new(&entry.name, wasm, &entry.export, entry.arg, entry.expected));
    }
    Ok(samples)
}

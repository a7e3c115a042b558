//! The WASI samples (`[[wasi]]` in `samples/manifest.toml`): WASI commands built for
//! wasm32-wasip1, each with the one host directory it may see (preopened as `/input`),
//! its arguments and the stdout it must print; and what a run of one gives back.

use crate::proposal::Proposal;
use crate::sample::{check_name, read_manifest, samples_dir};
use anyhow::{Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Where every runtime mounts the sample's directory in the guest.
pub const GUEST_DIR: &str = "/input";

pub struct WasiSample {
    pub name: String,
    pub wasm: Vec<u8>,
    /// The post-MVP proposals the module needs.
    pub proposals: Vec<Proposal>,
    /// The host directory preopened as `GUEST_DIR`, the only one the guest sees.
    pub preopen: PathBuf,
    /// argv after the program name.
    pub args: Vec<String>,
    pub expected_stdout: Vec<u8>,
}

impl WasiSample {
    /// The command as the manifest gives it.
    pub fn command(&self) -> WasiCommand<'_> {
        WasiCommand { program: &self.name, args: &self.args, preopen: &self.preopen }
    }
}

/// What a guest gets: `program` as argv[0] then `args`, `preopen` mounted at
/// `GUEST_DIR` (read-only where the runtime can), no environment variables, an empty
/// stdin, and stdout and stderr captured in memory.
#[derive(Clone, Copy)]
pub struct WasiCommand<'a> {
    pub program: &'a str,
    pub args: &'a [String],
    pub preopen: &'a Path,
}

impl WasiCommand<'_> {
    /// argv, program name first.
    pub fn argv(&self) -> Vec<String> {
        std::iter::once(self.program.to_string()).chain(self.args.iter().cloned()).collect()
    }
}

/// How a run ended: the exit code (0 when `_start` returns) and what it printed.
#[derive(Debug, Default)]
pub struct WasiOutput {
    pub exit_code: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WasiEntry {
    name: String,
    file: String,
    #[allow(dead_code)]
    description: String,
    preopen: String,
    args: Vec<String>,
    stdout: String,
}

/// Every WASI sample of `samples/manifest.toml`, with its files read from disk.
pub fn load_wasi_samples() -> Result<Vec<WasiSample>> {
    load_wasi_manifest(&samples_dir().join("manifest.toml"))
}

pub fn load_wasi_manifest(path: &Path) -> Result<Vec<WasiSample>> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut samples: Vec<WasiSample> = Vec::new();
    for entry in read_manifest(path)?.wasi {
        check_name(path, &entry.name, &samples.iter().map(|s| s.name.as_str()).collect::<Vec<_>>())?;
        let read = |file: &str| {
            std::fs::read(dir.join(file)).with_context(|| format!("WASI sample `{}`: reading {}", entry.name, dir.join(file).display()))
        };
        let preopen = dir.join(&entry.preopen);
        anyhow::ensure!(preopen.is_dir(), "WASI sample `{}`: {} is not a directory", entry.name, preopen.display());
        let wasm = read(&entry.file)?;
        samples.push(WasiSample {
            proposals: Proposal::needed_by(&wasm),
            wasm,
            expected_stdout: read(&entry.stdout)?,
            preopen: preopen.canonicalize()?,
            args: entry.args,
            name: entry.name,
        });
    }
    Ok(samples)
}

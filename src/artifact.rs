//! AOT artifacts on disk (`tmp/` unless told otherwise) and the record of their sizes.
//!
//! An artifact is the runtime's serialized module followed by a seal: which runtime
//! and runtime version wrote it, for which wasm bytes (BLAKE3), and the BLAKE3
//! checksum of the module bytes. It is written to a private file and renamed into
//! place, so a concurrent run never reads half of one. Deserializing native code is
//! unsafe, so an artifact is only handed to its runtime after every part of the seal
//! matches.

use crate::runtime::{Module, Runtime};
use crate::sample::Sample;
use anyhow::{Context, Result, bail, ensure};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

const MAGIC: &[u8; 8] = b"WRBAOT01";
const FOOTER: usize = 4 + MAGIC.len();

#[derive(Serialize, Deserialize)]
struct Seal {
    runtime: String,
    runtime_version: String,
    wasm_blake3: String,
    payload_len: u64,
    payload_blake3: String,
}

/// An artifact written to disk.
#[derive(Clone, Debug)]
pub struct Artifact {
    pub path: PathBuf,
    /// Its size on disk, seal included.
    pub bytes: u64,
}

pub struct ArtifactStore {
    dir: PathBuf,
}

impl ArtifactStore {
    pub fn new(dir: impl Into<PathBuf>) -> ArtifactStore {
        ArtifactStore { dir: dir.into() }
    }

    /// The project's `tmp/`.
    pub fn in_project() -> ArtifactStore {
        ArtifactStore::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("tmp"))
    }

    /// Where the artifact of this runtime, runtime version and wasm bytes lives;
    /// another version or other bytes get another file, so none is overwritten.
    pub fn path(&self, runtime: &dyn Runtime, sample: &Sample) -> PathBuf {
        let mut key = blake3::Hasher::new();
        key.update(runtime.version().as_bytes());
        key.update(sample.wasm_hash.as_bytes());
        let key = key.finalize().to_hex();
        self.dir.join(runtime.name()).join(format!("{}-{}.artifact", sample.name, &key[..16]))
    }

    pub fn write(&self, runtime: &dyn Runtime, sample: &Sample, module: &dyn Module) -> Result<Artifact> {
        let payload = module.serialize().context("serializing the module")?;
        let seal = serde_json::to_vec(&Seal {
            runtime: runtime.name().to_string(),
            runtime_version: runtime.version(),
            wasm_blake3: sample.wasm_hash.to_hex().to_string(),
            payload_len: payload.len() as u64,
            payload_blake3: blake3::hash(&payload).to_hex().to_string(),
        })?;
        let path = self.path(runtime, sample);
        let partial = partial_path(&path);
        let written = (|| -> Result<()> {
            fs::create_dir_all(path.parent().expect("artifact paths have a parent"))?;
            let mut file = fs::File::create(&partial)?;
            file.write_all(&payload)?;
            file.write_all(&seal)?;
            file.write_all(&(seal.len() as u32).to_le_bytes())?;
            file.write_all(MAGIC)?;
            fs::rename(&partial, &path)?;
            Ok(())
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&partial);
            return Err(e.context(format!("writing artifact {}", path.display())));
        }
        let bytes = (payload.len() + seal.len() + FOOTER) as u64;
        Ok(Artifact { path, bytes })
    }

    /// The stored module, if its seal matches this runtime, its version and the sample's bytes.
    pub fn load(&self, runtime: &dyn Runtime, sample: &Sample) -> Result<Box<dyn Module>> {
        let path = self.path(runtime, sample);
        let mut bytes = fs::read(&path).with_context(|| format!("reading artifact {}", path.display()))?;
        let payload_len =
            verify(&bytes, runtime, sample).with_context(|| format!("refusing artifact {}", path.display()))?;
        bytes.truncate(payload_len);
        // SAFETY: the seal says this runtime, at this version, serialized these bytes.
        unsafe { runtime.load_artifact(&path, bytes) }.with_context(|| format!("loading artifact {}", path.display()))
    }
}

/// Checks the seal and returns the length of the module bytes it covers.
fn verify(bytes: &[u8], runtime: &dyn Runtime, sample: &Sample) -> Result<usize> {
    ensure!(
        bytes.len() >= FOOTER && bytes.ends_with(MAGIC),
        "it has no seal of this suite at its end (truncated, or not written by this suite)"
    );
    let seal_len = u32::from_le_bytes(bytes[bytes.len() - FOOTER..][..4].try_into().unwrap()) as usize;
    let Some(seal_start) = (bytes.len() - FOOTER).checked_sub(seal_len) else {
        bail!("its seal claims {seal_len} bytes, more than the file has");
    };
    let seal: Seal =
        serde_json::from_slice(&bytes[seal_start..bytes.len() - FOOTER]).context("its seal is unreadable")?;
    ensure!(seal.runtime == runtime.name(), "it was written by runtime `{}`", seal.runtime);
    let version = runtime.version();
    ensure!(seal.runtime_version == version, "it was written by `{}`, this is `{version}`", seal.runtime_version);
    ensure!(
        seal.wasm_blake3 == sample.wasm_hash.to_hex().as_str(),
        "it was compiled from other wasm bytes than sample `{}` has now",
        sample.name
    );
    ensure!(
        seal.payload_len == seal_start as u64,
        "it holds {seal_start} module bytes, its seal says {}",
        seal.payload_len
    );
    ensure!(
        blake3::hash(&bytes[..seal_start]).to_hex().as_str() == seal.payload_blake3,
        "its checksum does not match: the module bytes changed after they were written"
    );
    Ok(seal_start)
}

fn partial_path(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().expect("artifact paths have a file name").to_string_lossy();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.{}.{n}.partial", std::process::id()))
}

/// One line of the size record: how big a runtime's artifact of a sample is on disk.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SizeRecord {
    pub wasm_bytes: u64,
    pub artifact_bytes: u64,
    pub artifact: PathBuf,
}

/// runtime -> sample -> size.
pub type SizeTable = BTreeMap<String, BTreeMap<String, SizeRecord>>;

/// `aot-sizes.json` in the target directory (`$CARGO_TARGET_DIR`, else `target/`).
pub fn sizes_file() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join("aot-sizes.json")
}

/// Adds or replaces one entry of the size record at `file`, keeping the others;
/// concurrent runs take turns through a lock file.
pub fn record_size(file: &Path, runtime: &str, sample: &str, record: SizeRecord) -> Result<()> {
    let context = || format!("recording an artifact size in {}", file.display());
    let update = || -> Result<()> {
        fs::create_dir_all(file.parent().unwrap_or(Path::new(".")))?;
        let lock = fs::File::create(file.with_extension("lock"))?;
        lock.lock()?;
        let mut table: SizeTable = match fs::read(file) {
            Ok(bytes) => serde_json::from_slice(&bytes).context("the existing record is unreadable")?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => SizeTable::new(),
            Err(e) => return Err(e.into()),
        };
        table.entry(runtime.to_string()).or_default().insert(sample.to_string(), record);
        let partial = partial_path(file);
        fs::write(&partial, serde_json::to_vec_pretty(&table)?)?;
        fs::rename(&partial, file)?;
        Ok(())
    };
    update().with_context(context)
}

pub fn read_sizes(file: &Path) -> Result<SizeTable> {
    let bytes = fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("parsing {}", file.display()))
}

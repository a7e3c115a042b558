//! AOT artifacts on disk (`tmp/` unless told otherwise) and the record of their sizes.
//!
//! An artifact is the runtime's serialized module followed by a seal: which runtime and
//! runtime version wrote it, for which wasm bytes (BLAKE3), and a MAC over all of that
//! and the module bytes, keyed with a secret of this machine's user kept outside `tmp/`
//! (`artifact_key_file`). Deserializing native code is unsafe, so an artifact is handed to
//! its runtime only after every part of the seal matches, and only as a private copy of
//! the very bytes that were checked: nothing can swap the file between check and load.
//! Artifacts are written to a new private file and renamed into place, so a concurrent
//! run never reads half of one.

use crate::runtime::{Module, Runtime};
use crate::sample::{Sample, check_name};
use anyhow::{Context, Result, bail, ensure};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

const MAGIC: &[u8; 8] = b"WRBAOT02";
const FOOTER: usize = 4 + MAGIC.len();
/// Partial files older than this were left by a killed run.
const STALE_PARTIAL: Duration = Duration::from_secs(3600);

#[derive(Serialize, Deserialize)]
struct Seal {
    runtime: String,
    runtime_version: String,
    wasm_blake3: String,
    payload_len: u64,
    mac: String,
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

/// A checked artifact's module bytes in a file of a fresh private directory (mode 0700),
/// removed when this is dropped.
pub struct Verified {
    dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl Verified {
    /// The runtime loads the checked copy.
    pub fn load(&self, runtime: &dyn Runtime) -> Result<Box<dyn Module>> {
        // SAFETY: the seal said this runtime, at this version, serialized these bytes, and
        // the file is a private copy of exactly the bytes that were checked.
        unsafe { runtime.load_artifact(&self.path) }.with_context(|| format!("loading the checked artifact {}", self.path.display()))
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl ArtifactStore {
    pub fn new(dir: impl Into<PathBuf>) -> ArtifactStore {
        ArtifactStore { dir: dir.into() }
    }

    /// The directory the artifacts are stored in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The project's `tmp/`.
    pub fn in_project() -> ArtifactStore {
        ArtifactStore::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("tmp"))
    }

    /// Where the artifact of this runtime, runtime version and wasm bytes lives;
    /// another version or other bytes get another file, so none is overwritten.
    pub fn path(&self, runtime: &dyn Runtime, sample: &Sample) -> Result<PathBuf> {
        check_name(&sample.name)?;
        check_name(runtime.name())?;
        let mut key = blake3::Hasher::new();
        key.update(runtime.version().as_bytes());
        key.update(sample.wasm_hash.as_bytes());
        let key = key.finalize().to_hex();
        Ok(self.dir.join(runtime.name()).join(format!("{}-{}.artifact", sample.name, &key[..16])))
    }

    pub fn write(&self, runtime: &dyn Runtime, sample: &Sample, module: &dyn Module) -> Result<Artifact> {
        let payload = module.serialize().context("serializing the module")?;
        let version = runtime.version();
        let seal = serde_json::to_vec(&Seal {
            runtime: runtime.name().to_string(),
            runtime_version: version.clone(),
            wasm_blake3: sample.wasm_hash.to_hex().to_string(),
            payload_len: payload.len() as u64,
            mac: mac(runtime.name(), &version, &sample.wasm_hash, &payload)?,
        })?;
        let path = self.path(runtime, sample)?;
        let dir = path.parent().expect("artifact paths have a parent");
        let written = (|| -> Result<()> {
            fs::create_dir_all(dir)?;
            remove_stale_partials(dir);
            let mut partial = tempfile::Builder::new().prefix(".").suffix(".partial").tempfile_in(dir)?;
            partial.write_all(&payload)?;
            partial.write_all(&seal)?;
            partial.write_all(&(seal.len() as u32).to_le_bytes())?;
            partial.write_all(MAGIC)?;
            partial.as_file().set_permissions(fs::Permissions::from_mode(0o644))?;
            partial.persist(&path)?;
            Ok(())
        })();
        written.with_context(|| format!("writing artifact {}", path.display()))?;
        let bytes = (payload.len() + seal.len() + FOOTER) as u64;
        Ok(Artifact { path, bytes })
    }

    /// Reads the stored artifact of this runtime and sample once, checks its seal, and
    /// writes the checked module bytes to a private file for the runtime to load.
    pub fn verify(&self, runtime: &dyn Runtime, sample: &Sample) -> Result<Verified> {
        let path = self.path(runtime, sample)?;
        let mut bytes = Vec::new();
        fs::File::open(&path)
            .and_then(|mut file| file.read_to_end(&mut bytes))
            .with_context(|| format!("reading artifact {}", path.display()))?;
        let payload_len = check_seal(&bytes, runtime, sample).with_context(|| format!("refusing artifact {}", path.display()))?;
        let dir = tempfile::Builder::new().prefix("wrb-artifact-").tempdir_in(private_copies())?;
        let copy = dir.path().join("module");
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&copy)
            .and_then(|mut file| file.write_all(&bytes[..payload_len]))
            .with_context(|| format!("copying the checked artifact to {}", copy.display()))?;
        Ok(Verified { dir, path: copy })
    }
}

/// Where checked copies are written: `/dev/shm` where it is a memory file system that may
/// hold code (no `noexec`; Lucet maps its shared objects executable), else the system's
/// temporary directory. On a disk the copy's new directory and file cost journal work
/// whose time moves with the disk's state (±20–35% between runs here), in memory it does not.
fn private_copies() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let mounts = fs::read_to_string("/proc/self/mounts").unwrap_or_default();
        if shm_holds_code(&mounts) { PathBuf::from("/dev/shm") } else { std::env::temp_dir() }
    })
}

/// Whether `mounts` (as `/proc/self/mounts` lists them) has `/dev/shm` as a writable tmpfs
/// without `noexec`.
fn shm_holds_code(mounts: &str) -> bool {
    mounts.lines().map(|line| line.split(' ').collect::<Vec<_>>()).any(|fields| {
        matches!(fields[..], [_, "/dev/shm", "tmpfs", options, ..] if options.split(',').all(|o| o != "noexec" && o != "ro"))
    })
}

/// Removes partial files that a killed run left, so they do not pile up.
fn remove_stale_partials(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let old = entry.metadata().ok().and_then(|m| m.modified().ok()).and_then(|t| SystemTime::now().duration_since(t).ok());
        if name.to_string_lossy().ends_with(".partial") && old.is_some_and(|age| age > STALE_PARTIAL) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Checks the seal and returns the length of the module bytes it covers.
fn check_seal(bytes: &[u8], runtime: &dyn Runtime, sample: &Sample) -> Result<usize> {
    ensure!(
        bytes.len() >= FOOTER && bytes.ends_with(MAGIC),
        "it has no seal of this suite at its end (truncated, or not written by this suite)"
    );
    let seal_len = u32::from_le_bytes(bytes[bytes.len() - FOOTER..][..4].try_into().unwrap()) as usize;
    let Some(seal_start) = (bytes.len() - FOOTER).checked_sub(seal_len) else {
        bail!("its seal claims {seal_len} bytes, more than the file has");
    };
    let seal: Seal = serde_json::from_slice(&bytes[seal_start..bytes.len() - FOOTER]).context("its seal is unreadable")?;
    ensure!(seal.runtime == runtime.name(), "it was written by runtime `{}`", seal.runtime);
    let version = runtime.version();
    ensure!(seal.runtime_version == version, "it was written by `{}`, this is `{version}`", seal.runtime_version);
    ensure!(
        seal.wasm_blake3 == sample.wasm_hash.to_hex().as_str(),
        "it was compiled from other wasm bytes than sample `{}` has now",
        sample.name
    );
    ensure!(seal.payload_len == seal_start as u64, "it holds {seal_start} module bytes, its seal says {}", seal.payload_len);
    let expected = mac(runtime.name(), &version, &sample.wasm_hash, &bytes[..seal_start])?;
    ensure!(
        constant_time_eq(expected.as_bytes(), seal.mac.as_bytes()),
        "its checksum does not match: the module bytes or the seal changed after they were written (or another key wrote it)"
    );
    Ok(seal_start)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The keyed BLAKE3 of everything the seal vouches for.
fn mac(runtime: &str, version: &str, wasm: &blake3::Hash, payload: &[u8]) -> Result<String> {
    let mut hasher = blake3::Hasher::new_keyed(artifact_key()?);
    for part in [runtime.as_bytes(), version.as_bytes(), wasm.as_bytes()] {
        hasher.update(&(part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hasher.update(payload);
    Ok(hasher.finalize().to_hex().to_string())
}

/// Where the key of the seals lives: `$WRB_ARTIFACT_KEY`, else
/// `$XDG_CONFIG_HOME/wasm-runtime-bench/artifact.key` (`~/.config/...`).
pub fn artifact_key_file() -> PathBuf {
    if let Some(file) = std::env::var_os("WRB_ARTIFACT_KEY").filter(|v| !v.is_empty()) {
        return file.into();
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".config")))
        .unwrap_or_else(|| PathBuf::from("/nonexistent"));
    config.join("wasm-runtime-bench").join("artifact.key")
}

/// The key, made on first use (32 random bytes, a file of mode 0600 in a directory of mode
/// 0700); a key file that others can read or write, or that another user owns, is refused.
fn artifact_key() -> Result<&'static [u8; 32]> {
    static KEY: OnceLock<std::result::Result<[u8; 32], String>> = OnceLock::new();
    KEY.get_or_init(|| load_or_make_key(&artifact_key_file()).map_err(|e| format!("{e:#}")))
        .as_ref()
        .map_err(|e| anyhow::anyhow!("the key that seals AOT artifacts: {e}"))
}

fn load_or_make_key(file: &Path) -> Result<[u8; 32]> {
    if let Some(dir) = file.parent() {
        fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut fresh = [0u8; 32];
    fs::File::open("/dev/urandom")?.read_exact(&mut fresh)?;
    match fs::OpenOptions::new().write(true).create_new(true).mode(0o600).custom_flags(libc::O_NOFOLLOW).open(file) {
        Ok(mut new) => {
            new.write_all(&fresh)?;
            new.sync_all()?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e).with_context(|| format!("creating {}", file.display())),
    }
    let mut opened = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(file)
        .with_context(|| format!("opening {} (a symbolic link is refused)", file.display()))?;
    let meta = opened.metadata()?;
    ensure!(
        meta.uid() == unsafe { libc::geteuid() } && meta.mode() & 0o077 == 0,
        "{} must belong to this user and be readable by no one else (mode 0600)",
        file.display()
    );
    let mut key = [0u8; 32];
    opened.read_exact(&mut key).with_context(|| format!("reading {}", file.display()))?;
    Ok(key)
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

/// The target directory (`$CARGO_TARGET_DIR`, else `target/`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// Adds or replaces one entry of the size record at `file`, keeping the others;
/// concurrent runs take turns through a lock file.
pub fn record_size(file: &Path, runtime: &str, sample: &str, record: SizeRecord) -> Result<()> {
    let context = || format!("recording an artifact size in {}", file.display());
    let update = || -> Result<()> {
        let dir = file.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir)?;
        let lock = fs::File::create(file.with_extension("lock"))?;
        lock.lock()?;
        let mut table: SizeTable = match fs::read(file) {
            Ok(bytes) => serde_json::from_slice(&bytes).context("the existing record is unreadable")?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => SizeTable::new(),
            Err(e) => return Err(e.into()),
        };
        table.entry(runtime.to_string()).or_default().insert(sample.to_string(), record);
        let mut partial = tempfile::Builder::new().prefix(".").suffix(".partial").tempfile_in(dir)?;
        partial.write_all(&serde_json::to_vec_pretty(&table)?)?;
        partial.persist(file)?;
        Ok(())
    };
    update().with_context(context)
}

pub fn read_sizes(file: &Path) -> Result<SizeTable> {
    let bytes = fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("parsing {}", file.display()))
}

#[cfg(test)]
mod tests {
    use super::shm_holds_code;

    #[test]
    fn checked_copies_go_to_memory_only_where_it_may_hold_code() {
        let root = "/dev/vda / ext4 rw,relatime 0 0\n";
        assert!(shm_holds_code(&format!("{root}tmpfs /dev/shm tmpfs rw,relatime,size=24684096k 0 0\n")));
        assert!(!shm_holds_code(&format!("{root}shm /dev/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k 0 0\n")));
        assert!(!shm_holds_code(&format!("{root}tmpfs /dev/shm tmpfs ro,relatime 0 0\n")));
        assert!(!shm_holds_code(root));
        assert!(!shm_holds_code(""));
    }
}

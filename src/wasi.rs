//! The WASI samples (`[[wasi]]` in a manifest): WASI commands built for wasm32-wasip1,
//! each with the one host directory it may see, its arguments and the output it must
//! print; what a run of one gets and gives; and the benchmark protocol's `bench.start`
//! and `bench.end` markers.

use crate::proposal::Proposal;
use crate::sample::{check_unique, inside, manifest_dir, manifests, read_manifest};
use anyhow::{Context, Result, ensure};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Where the runtimes mount a sample's directory in the guest, unless its manifest entry
/// says otherwise.
pub const GUEST_DIR: &str = "/input";

pub struct WasiSample {
    pub name: String,
    pub wasm: Vec<u8>,
    pub file: Option<PathBuf>,
    /// The post-MVP proposals the module needs.
    pub proposals: Vec<Proposal>,
    /// The host directory preopened as `guest_dir`, the only one the guest sees.
    pub preopen: PathBuf,
    pub guest_dir: String,
    /// argv after the program name.
    pub args: Vec<String>,
    /// What the command must print; `None`: not checked (only the exit code is).
    pub expected_stdout: Option<Vec<u8>>,
    pub expected_stderr: Option<Vec<u8>>,
    /// Whether the module imports `bench.start` and `bench.end`: its execute time is
    /// then the time between the two.
    pub markers: bool,
    /// What the module imports beyond WASI preview 1 and the benchmark markers.
    pub unprovided: Vec<(String, String)>,
}

impl WasiSample {
    /// Why this sample cannot take part in `step`, whatever the runtime: a command that
    /// imports what the suite does not provide is compiled only; only a command that marks
    /// its work with `bench.start` and `bench.end` has an execute time of its own.
    pub fn skip(&self, step: crate::step::Step) -> Option<String> {
        use crate::step::Step;
        if !self.unprovided.is_empty() && step != Step::Compile {
            return Some(format!(
                "the module imports {}, which the suite does not provide: it is compiled only",
                crate::sample::list_imports(&self.unprovided)
            ));
        }
        (step == Step::Execute && !self.markers)
            .then(|| "the command does not mark its work with bench.start and bench.end: its run is wasi_run".into())
    }

    /// The module as a plain sample (`_start`, no arguments, no result), for `compile`.
    pub fn as_sample(&self) -> Result<crate::sample::Sample> {
        let export = crate::value::Export::of("_start", &[], None);
        let mut sample = crate::sample::Sample::with(&self.name, self.wasm.clone(), export, Vec::new(), crate::sample::Expect::Exactly(None))?;
        sample.file = self.file.clone();
        Ok(sample)
    }

    /// The command as the manifest gives it, with fresh markers.
    pub fn command(&self) -> WasiCommand<'_> {
        WasiCommand {
            program: &self.name,
            args: &self.args,
            preopen: &self.preopen,
            guest_dir: &self.guest_dir,
            markers: Arc::new(Markers::default()),
        }
    }
}

/// What a guest gets: `program` as argv[0] then `args`, `preopen` mounted at `guest_dir`
/// (read-only where the runtime can), no environment variables, an empty stdin, stdout
/// and stderr captured in memory, and `bench.start`/`bench.end` recording into `markers`.
#[derive(Clone)]
pub struct WasiCommand<'a> {
    pub program: &'a str,
    pub args: &'a [String],
    pub preopen: &'a Path,
    pub guest_dir: &'a str,
    pub markers: Arc<Markers>,
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

/// A finished run whose instance, context and pipes are still alive: `output` collects
/// what the guest printed and frees the rest, after the clock has stopped.
pub struct WasiRan {
    pub exit_code: i32,
    collect: Box<dyn FnOnce() -> (Vec<u8>, Vec<u8>)>,
}

impl WasiRan {
    pub fn new(exit_code: i32, collect: impl FnOnce() -> (Vec<u8>, Vec<u8>) + 'static) -> WasiRan {
        WasiRan { exit_code, collect: Box::new(collect) }
    }

    pub fn output(self) -> WasiOutput {
        let (stdout, stderr) = (self.collect)();
        WasiOutput { exit_code: self.exit_code, stdout, stderr }
    }
}

/// A compiled WASI command.
#[cfg(feature = "wasi")]
pub trait WasiModule {
    /// A new instance with a new WASI context for `command`, not started yet.
    fn instantiate(&self, command: &WasiCommand) -> Result<Box<dyn WasiInstance>>;

    /// A new instance, run from `_start` to its exit.
    fn run(&self, command: &WasiCommand) -> Result<WasiRan> {
        self.instantiate(command)?.start()
    }
}

/// A WASI command's instance with its WASI context.
#[cfg(feature = "wasi")]
pub trait WasiInstance {
    /// Runs `_start` to the command's exit (a `proc_exit` is an exit, not an error; a trap
    /// is an error).
    fn start(self: Box<Self>) -> Result<WasiRan>;
}

/// The benchmark protocol's markers: a guest calls `bench.start` and then `bench.end`,
/// once each; the time between them is its own measure of its work. Each call reads the
/// host's monotonic clock first.
#[derive(Default)]
pub struct Markers {
    state: Mutex<MarkerState>,
}

#[derive(Default)]
struct MarkerState {
    started: Option<Instant>,
    measured: Option<Duration>,
    misuse: Option<String>,
}

impl Markers {
    pub fn start(&self) {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.started.is_some() || state.measured.is_some() {
            state.misuse.get_or_insert_with(|| "the guest called bench.start twice".into());
        }
        state.started = Some(now);
    }

    pub fn end(&self) {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match state.started.take() {
            Some(started) if state.measured.is_none() => state.measured = Some(now - started),
            Some(_) => {
                state.misuse.get_or_insert_with(|| "the guest called bench.end twice".into());
            }
            None => {
                state.misuse.get_or_insert_with(|| "the guest called bench.end without bench.start".into());
            }
        }
    }

    /// The time between the two markers, or why there is none.
    pub fn measured(&self) -> Result<Duration> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(misuse) = &state.misuse {
            anyhow::bail!("{misuse}");
        }
        match (state.measured, state.started) {
            (Some(measured), None) => Ok(measured),
            (None, Some(_)) => anyhow::bail!("the guest called bench.start but never bench.end"),
            _ => anyhow::bail!("the guest never called bench.start"),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WasiEntry {
    name: String,
    file: String,
    #[serde(default)]
    #[allow(dead_code)]
    description: String,
    /// The directory to preopen; by default the manifest's own.
    preopen: Option<String>,
    /// Where the guest sees it: `/input` unless told (`.` for Sightglass modules).
    guest_dir: Option<String>,
    #[serde(default)]
    args: Vec<String>,
    /// Files holding the exact expected stdout / stderr.
    stdout: Option<String>,
    stderr: Option<String>,
}

/// Every WASI sample of this run's manifests, with its files read from disk, and the
/// module of the command line if it is a WASI command.
pub fn load_wasi_samples() -> Result<Vec<WasiSample>> {
    let mut samples: Vec<WasiSample> = Vec::new();
    if let Some(module) = crate::sample::command_line()?
        && module.is_wasi_command()
    {
        samples.push(command_line_sample(&module)?);
    }
    for manifest in manifests() {
        for sample in load_wasi_manifest(&manifest)? {
            ensure!(
                !samples.iter().any(|s| s.name == sample.name),
                "WASI sample `{}` of {} is also in an earlier manifest",
                sample.name,
                manifest.display()
            );
            samples.push(sample);
        }
    }
    Ok(samples)
}

/// A WASI command from the command line, as the benchmark protocol (Sightglass) lays one
/// out: its directory preopened as the guest's current directory `.` (its inputs beside it),
/// its expected output in `<stem>.stdout.expected` / `<stem>.stderr.expected` beside it
/// unless given.
fn command_line_sample(module: &crate::sample::CommandLine) -> Result<WasiSample> {
    let dir = module.file.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let stem = module.file.file_stem().unwrap_or_default().to_string_lossy().into_owned();
    let expected = |given: &Option<PathBuf>, suffix: &str| -> Result<Option<Vec<u8>>> {
        let beside = dir.join(format!("{stem}.{suffix}.expected"));
        match given {
            Some(file) => Ok(Some(std::fs::read(file).with_context(|| format!("reading {}", file.display()))?)),
            None if beside.is_file() => Ok(Some(std::fs::read(&beside)?)),
            None => Ok(None),
        }
    };
    WasiSample::new(
        &module.name(),
        module.wasm.clone(),
        Some(module.file.clone()),
        dir.canonicalize().with_context(|| format!("resolving {}", dir.display()))?,
        ".".into(),
        Vec::new(),
        expected(&module.expect_stdout, "stdout")?,
        expected(&module.expect_stderr, "stderr")?,
    )
}

pub fn load_wasi_manifest(path: &Path) -> Result<Vec<WasiSample>> {
    let dir = manifest_dir(path);
    let mut samples: Vec<WasiSample> = Vec::new();
    for entry in read_manifest(path)?.wasi {
        check_unique(path, &entry.name, &samples.iter().map(|s| s.name.as_str()).collect::<Vec<_>>())?;
        let context = || format!("{}: WASI sample `{}`", path.display(), entry.name);
        let read = |file: &str| -> Result<(PathBuf, Vec<u8>)> {
            let path = inside(dir, file).with_context(context)?;
            let bytes = std::fs::read(&path).with_context(|| format!("{}: reading {}", context(), path.display()))?;
            Ok((path, bytes))
        };
        let preopen = match &entry.preopen {
            Some(preopen) => inside(dir, preopen).with_context(context)?,
            None => dir.canonicalize().with_context(context)?,
        };
        ensure!(preopen.is_dir(), "{}: {} is not a directory", context(), preopen.display());
        let (file, wasm) = read(&entry.file)?;
        // Sightglass's convention: `<stem>.stdout.expected` beside the module, unless named.
        let beside = |suffix: &str| -> Option<String> {
            let stem = Path::new(&entry.file).file_stem()?.to_string_lossy().into_owned();
            let name = Path::new(&entry.file).with_file_name(format!("{stem}.{suffix}.expected"));
            dir.join(&name).is_file().then(|| name.to_string_lossy().into_owned())
        };
        let stdout = entry.stdout.clone().or_else(|| beside("stdout"));
        let stderr = entry.stderr.clone().or_else(|| beside("stderr"));
        samples.push(WasiSample::new(
            &entry.name,
            wasm,
            Some(file),
            preopen,
            entry.guest_dir.unwrap_or_else(|| GUEST_DIR.into()),
            entry.args,
            stdout.map(|f| read(&f)).transpose()?.map(|(_, bytes)| bytes),
            stderr.map(|f| read(&f)).transpose()?.map(|(_, bytes)| bytes),
        )?);
    }
    Ok(samples)
}

impl WasiSample {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        name: &str,
        wasm: Vec<u8>,
        file: Option<PathBuf>,
        preopen: PathBuf,
        guest_dir: String,
        args: Vec<String>,
        expected_stdout: Option<Vec<u8>>,
        expected_stderr: Option<Vec<u8>>,
    ) -> Result<WasiSample> {
        crate::sample::check_name(name)?;
        let unprovided =
            crate::proposal::imports(&wasm).into_iter().filter(|(module, _)| module != "wasi_snapshot_preview1" && module != "bench").collect();
        Ok(WasiSample {
            name: name.to_string(),
            proposals: Proposal::needed_by(&wasm),
            markers: imports_markers(&wasm),
            unprovided,
            wasm,
            file,
            preopen,
            guest_dir,
            args,
            expected_stdout,
            expected_stderr,
        })
    }
}

/// Whether the module imports the benchmark protocol's `bench.start` and `bench.end`.
pub fn imports_markers(wasm: &[u8]) -> bool {
    let imports = crate::proposal::imports(wasm);
    imports.iter().any(|(module, name)| module == "bench" && name == "start")
        && imports.iter().any(|(module, name)| module == "bench" && name == "end")
}

//! The samples: `.wasm` files and what a manifest says of each (export, arguments,
//! expected result). The committed ones are `samples/manifest.toml`; a user's manifest
//! anywhere else (`$WRB_SAMPLES`) replaces or joins them.

use crate::proposal::Proposal;
use crate::step::Step;
use crate::value::{Export, ValType, Value};
use anyhow::{Context, Result, bail, ensure};
use serde::Deserialize;
use std::path::{Component, Path, PathBuf};

/// What a call of the export must give.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Expect {
    /// Exactly this result (`None`: the export returns nothing).
    Exactly(Option<Value>),
    /// Any result: only a trap is a failure (a user's module that names no expected value).
    NoTrap,
}

impl Expect {
    #[inline]
    pub fn accepts(&self, got: &Option<Value>) -> bool {
        match self {
            Expect::Exactly(expected) => got == expected,
            Expect::NoTrap => true,
        }
    }
}

impl std::fmt::Display for Expect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expect::Exactly(Some(value)) => write!(f, "{value}"),
            Expect::Exactly(None) => f.write_str("no result"),
            Expect::NoTrap => f.write_str("any result"),
        }
    }
}

pub struct Sample {
    pub name: String,
    pub wasm: Vec<u8>,
    /// The file the bytes were read from, if any.
    pub file: Option<PathBuf>,
    pub export: Export,
    pub args: Vec<Value>,
    pub expected: Expect,
    /// Identifies these exact bytes (BLAKE3); AOT artifacts are keyed on it.
    pub wasm_hash: blake3::Hash,
    /// The post-MVP proposals the module needs.
    pub proposals: Vec<Proposal>,
    /// What the module imports (module, name): the suite provides nothing to a plain
    /// sample, so a module that imports anything is only compiled.
    pub imports: Vec<(String, String)>,
}

/// The steps that need an instance of the module.
pub fn needs_instance(step: Step) -> bool {
    matches!(step, Step::Instantiate | Step::Execute | Step::Jit | Step::AotExecute)
}

/// `env.f, env.g` (at most five named).
pub fn list_imports(imports: &[(String, String)]) -> String {
    let mut names: Vec<String> = imports.iter().take(5).map(|(m, n)| format!("{m}.{n}")).collect();
    if imports.len() > 5 {
        names.push(format!("and {} more", imports.len() - 5));
    }
    names.join(", ")
}

impl Sample {
    /// A sample calling `export` with `args`, which must return `expected`; the export's
    /// signature is that of the arguments and the expected value.
    pub fn new(name: &str, wasm: Vec<u8>, export: &str, args: &[Value], expected: Value) -> Sample {
        let export = Export::of(export, args, Some(expected.ty()));
        Sample::with(name, wasm, export, args.to_vec(), Expect::Exactly(Some(expected))).expect("a valid sample name")
    }

    /// A sample with every part given; the name must be one `check_name` accepts.
    pub fn with(name: &str, wasm: Vec<u8>, export: Export, args: Vec<Value>, expected: Expect) -> Result<Sample> {
        check_name(name)?;
        Ok(Sample {
            name: name.to_string(),
            wasm_hash: blake3::hash(&wasm),
            proposals: Proposal::needed_by(&wasm),
            imports: crate::proposal::imports(&wasm),
            wasm,
            file: None,
            export,
            args,
            expected,
        })
    }

    /// Why this sample cannot take part in `step`, whatever the runtime: a module that
    /// imports what the suite does not provide is compiled (and stored AOT) only.
    pub fn skip(&self, step: Step) -> Option<String> {
        (needs_instance(step) && !self.imports.is_empty()).then(|| {
            format!("the module imports {}, which the suite does not provide: it is compiled only", list_imports(&self.imports))
        })
    }
}

/// Sample names become file names and benchmark ids: letters, digits, `-`, `_` and `.`
/// (not first), at most 64 characters.
pub fn check_name(name: &str) -> Result<()> {
    ensure!(
        !name.is_empty()
            && name.len() <= 64
            && !name.starts_with('.')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')),
        "sample name `{name}` must be 1 to 64 letters, digits, `-`, `_` or `.` (not first): it names files and benchmark ids"
    );
    Ok(())
}

/// `relative` inside `dir`: no absolute path, no `..`, and no symbolic link leading out of
/// `dir` (checked on the resolved path). Returns the resolved path.
pub fn inside(dir: &Path, relative: &str) -> Result<PathBuf> {
    let path = Path::new(relative);
    ensure!(
        !relative.is_empty() && path.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir)),
        "`{relative}` must be a relative path inside {} (no absolute path, no `..`)",
        dir.display()
    );
    let root = dir.canonicalize().with_context(|| format!("resolving {}", dir.display()))?;
    let resolved = root.join(path).canonicalize().with_context(|| format!("resolving {}", root.join(path).display()))?;
    ensure!(
        resolved.starts_with(&root),
        "`{relative}` leads out of {} (to {}) through a symbolic link",
        root.display(),
        resolved.display()
    );
    Ok(resolved)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Manifest {
    #[serde(default)]
    sample: Vec<Entry>,
    /// The WASI commands (see `crate::wasi`).
    #[serde(default)]
    pub(crate) wasi: Vec<crate::wasi::WasiEntry>,
}

pub(crate) fn read_manifest(path: &Path) -> Result<Manifest> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// The directory a manifest's paths are relative to.
pub(crate) fn manifest_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

pub(crate) fn check_unique(manifest: &Path, name: &str, taken: &[&str]) -> Result<()> {
    check_name(name).with_context(|| manifest.display().to_string())?;
    ensure!(!taken.contains(&name), "{}: sample `{name}` is listed twice", manifest.display());
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    file: String,
    #[serde(default)]
    #[allow(dead_code)]
    description: String,
    #[serde(default = "default_export")]
    export: String,
    /// One argument (`arg = { i32 = 5 }`) or several (`args = [...]`), or none.
    arg: Option<Value>,
    #[serde(default)]
    args: Vec<Value>,
    /// What the call returns; without it, only a trap is a failure.
    expected: Option<Value>,
}

fn default_export() -> String {
    "run".to_string()
}

pub fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

/// The committed manifest.
pub fn committed_manifest() -> PathBuf {
    samples_dir().join("manifest.toml")
}

/// The manifests this run reads: `$WRB_SAMPLES` (a user's manifest, paths relative to it)
/// instead of the committed one, or beside it when `$WRB_SAMPLES_JOIN` is set; with a module
/// on the command line (`$WRB_WASM`) and no user manifest, none (or the committed one, joined).
pub fn manifests() -> Vec<PathBuf> {
    let join = std::env::var_os("WRB_SAMPLES_JOIN").is_some_and(|v| !v.is_empty() && v != "0");
    let committed = if join { vec![committed_manifest()] } else { Vec::new() };
    match (variable("WRB_SAMPLES"), variable("WRB_WASM")) {
        (Some(user), _) => committed.into_iter().chain([PathBuf::from(user)]).collect(),
        (None, Some(_)) => committed,
        (None, None) => vec![committed_manifest()],
    }
}

/// A module given on the command line (`./suite bench --wasm FILE ...`): `$WRB_WASM`, with
/// `$WRB_EXPORT`, `$WRB_ARGS` (values as `i32:5`, separated by spaces), `$WRB_EXPECT`,
/// `$WRB_EXPECT_STDOUT` and `$WRB_EXPECT_STDERR` (files).
pub struct CommandLine {
    pub file: PathBuf,
    pub wasm: Vec<u8>,
    pub export: Option<String>,
    pub args: Vec<Value>,
    pub expect: Option<Value>,
    pub expect_stdout: Option<PathBuf>,
    pub expect_stderr: Option<PathBuf>,
}

fn variable(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The module of the command line, if there is one.
pub fn command_line() -> Result<Option<CommandLine>> {
    let Some(file) = variable("WRB_WASM") else { return Ok(None) };
    let file = PathBuf::from(file);
    let wasm = std::fs::read(&file).with_context(|| format!("reading {} (--wasm)", file.display()))?;
    let args = variable("WRB_ARGS").map(|a| a.split_whitespace().map(Value::parse).collect::<Result<Vec<_>>>()).transpose()?.unwrap_or_default();
    Ok(Some(CommandLine {
        wasm,
        export: variable("WRB_EXPORT"),
        args,
        expect: variable("WRB_EXPECT").map(|v| Value::parse(&v)).transpose()?,
        expect_stdout: variable("WRB_EXPECT_STDOUT").map(PathBuf::from),
        expect_stderr: variable("WRB_EXPECT_STDERR").map(PathBuf::from),
        file,
    }))
}

impl CommandLine {
    /// A name for the module: its file's stem, with what a sample name cannot hold replaced.
    pub fn name(&self) -> String {
        let stem = self.file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let name: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '-' }).take(64).collect();
        let name = name.trim_start_matches('.').to_string();
        if name.is_empty() { "module".into() } else { name }
    }

    /// With no export given, a module that exports `_start` is a WASI command.
    pub fn is_wasi_command(&self) -> bool {
        self.export.is_none() && export_signature(&self.wasm, "_start").is_some()
    }

    /// The module as a plain sample: its export (`run` if none is given) called with the
    /// arguments, its result checked if an expected value is given.
    pub fn sample(&self) -> Result<Sample> {
        let name = self.export.clone().unwrap_or_else(|| "run".into());
        let export = export_signature(&self.wasm, &name).ok_or_else(|| {
            anyhow::anyhow!(
                "{} exports no function `{name}` (of at most one result){}",
                self.file.display(),
                if self.export.is_none() { ", nor `_start`: give the export to call with --export NAME" } else { "" }
            )
        })?;
        ensure!(
            self.args.iter().map(|a| a.ty()).collect::<Vec<_>>() == export.params,
            "{}: export {export} takes other arguments than {:?} (--arg TYPE:VALUE, once per parameter)",
            self.file.display(),
            self.args
        );
        let expected = match self.expect {
            Some(value) => {
                ensure!(export.result == Some(value.ty()), "{}: export {export} does not return a {}", self.file.display(), value.ty());
                Expect::Exactly(Some(value))
            }
            None if export.result.is_none() => Expect::Exactly(None),
            None => Expect::NoTrap,
        };
        let mut sample = Sample::with(&self.name(), self.wasm.clone(), export, self.args.clone(), expected)?;
        sample.file = Some(self.file.clone());
        Ok(sample)
    }
}

/// Every sample of this run's manifests, with its bytes read from disk, and the module of
/// the command line (instead of the committed samples, or beside them when joined).
pub fn load_samples() -> Result<Vec<Sample>> {
    let mut samples: Vec<Sample> = Vec::new();
    let command_line = command_line()?;
    if let Some(module) = &command_line
        && !module.is_wasi_command()
    {
        samples.push(module.sample()?);
    }
    for manifest in manifests() {
        for sample in load_manifest(&manifest)? {
            ensure!(
                !samples.iter().any(|s| s.name == sample.name),
                "sample `{}` of {} is also in an earlier manifest",
                sample.name,
                manifest.display()
            );
            samples.push(sample);
        }
    }
    Ok(samples)
}

pub fn load_manifest(path: &Path) -> Result<Vec<Sample>> {
    let manifest = read_manifest(path)?;
    let dir = manifest_dir(path);
    let mut samples: Vec<Sample> = Vec::new();
    for entry in manifest.sample {
        check_unique(path, &entry.name, &samples.iter().map(|s| s.name.as_str()).collect::<Vec<_>>())?;
        let context = || format!("{}: sample `{}`", path.display(), entry.name);
        let file = inside(dir, &entry.file).with_context(context)?;
        let wasm = std::fs::read(&file).with_context(|| format!("{}: reading {}", context(), file.display()))?;
        let args = match (entry.arg, entry.args.is_empty()) {
            (Some(_), false) => bail!("{}: give `arg` or `args`, not both", context()),
            (Some(arg), true) => vec![arg],
            (None, _) => entry.args,
        };
        let export = match export_signature(&wasm, &entry.export) {
            Some(export) => export,
            // Not in the module (or not a function): the runtimes say so at instantiation.
            None => Export::of(&entry.export, &args, entry.expected.map(|v| v.ty())),
        };
        let expected = match entry.expected {
            Some(value) => {
                ensure!(
                    export.result == Some(value.ty()),
                    "{}: `expected` is {value}, but export {export} returns {}",
                    context(),
                    export.result.map_or("nothing".into(), |r| r.to_string())
                );
                Expect::Exactly(Some(value))
            }
            None if export.result.is_none() => Expect::Exactly(None),
            None => Expect::NoTrap,
        };
        let mut sample = Sample::with(&entry.name, wasm, export, args, expected).with_context(context)?;
        sample.file = Some(file);
        samples.push(sample);
    }
    Ok(samples)
}

/// The parameters and result of the function `name` exports, read from the module;
/// `None` if the module does not parse, has no such function export, or the function
/// returns more than one value.
pub fn export_signature(wasm: &[u8], name: &str) -> Option<Export> {
    use wasmparser::{ExternalKind, Parser, Payload, TypeRef, ValType as W};
    let mut types = Vec::new();
    let mut functions: Vec<u32> = Vec::new();
    let mut exported = None;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.ok()? {
            Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types() {
                    types.push(ty.ok()?);
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    if let TypeRef::Func(ty) = import.ok()?.ty {
                        functions.push(ty);
                    }
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    functions.push(ty.ok()?);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.ok()?;
                    if export.name == name && export.kind == ExternalKind::Func {
                        exported = Some(export.index);
                    }
                }
            }
            _ => {}
        }
    }
    let ty = types.get(*functions.get(exported? as usize)? as usize)?;
    let convert = |t: &W| match t {
        W::I32 => Some(ValType::I32),
        W::I64 => Some(ValType::I64),
        W::F32 => Some(ValType::F32),
        W::F64 => Some(ValType::F64),
        _ => None,
    };
    let params = ty.params().iter().map(convert).collect::<Option<Vec<_>>>()?;
    let result = match ty.results() {
        [] => None,
        [one] => Some(convert(one)?),
        _ => return None,
    };
    Some(Export { name: name.to_string(), params, result })
}

//! The steps of running a module, as the benches time them and the tests check them.
//! Every failure names the sample, the runtime and the step it happened in.

use crate::artifact::{Artifact, ArtifactStore, Verified};
use crate::runtime::{Instance, Module, Runtime};
use crate::sample::Sample;
use crate::value::Value;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// a+b: parse, validate and compile bytes into a module.
    Compile,
    /// c: a new instance from a compiled module.
    Instantiate,
    /// d: one call of the export on a live instance.
    Execute,
    /// a+b+c+d: bytes to result.
    Jit,
    /// a+b+b': compile, serialize and write the artifact to disk.
    AotCompile,
    /// The suite's own check of a stored artifact before any runtime sees it: read it,
    /// check its seal, copy the checked bytes to a private file.
    AotVerify,
    /// c'+c+d: the runtime loads the (checked) artifact, instantiates, calls.
    AotExecute,
    /// A WASI command end to end: compile, instantiate with a WASI context, run to exit.
    Wasi,
    /// A WASI command run on an already compiled module: instantiate with a WASI context, run to exit.
    WasiRun,
}

impl Step {
    pub const ALL: [Step; 9] = [
        Step::Compile,
        Step::Instantiate,
        Step::Execute,
        Step::Jit,
        Step::AotCompile,
        Step::AotVerify,
        Step::AotExecute,
        Step::Wasi,
        Step::WasiRun,
    ];

    /// The first part of every benchmark id.
    pub fn id(self) -> &'static str {
        match self {
            Step::Compile => "compile",
            Step::Instantiate => "instantiate",
            Step::Execute => "execute",
            Step::Jit => "jit",
            Step::AotCompile => "aot_compile",
            Step::AotVerify => "aot_verify",
            Step::AotExecute => "aot_execute",
            Step::Wasi => "wasi",
            Step::WasiRun => "wasi_run",
        }
    }

    pub fn from_id(id: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|step| step.id() == id)
    }

    /// Whether the timed work includes compiling the module.
    pub fn compiles(self) -> bool {
        matches!(self, Step::Compile | Step::Jit | Step::AotCompile | Step::Wasi)
    }

    /// Whether the timed work runs guest code (instantiation runs a start function).
    pub fn runs_guest(self) -> bool {
        !matches!(self, Step::Compile | Step::AotCompile | Step::AotVerify)
    }

    /// Whether the step runs a WASI command (the `wasi` bench).
    pub fn is_wasi(self) -> bool {
        matches!(self, Step::Wasi | Step::WasiRun)
    }

    /// Whether the step stores or loads an AOT artifact.
    pub fn is_aot(self) -> bool {
        matches!(self, Step::AotCompile | Step::AotVerify | Step::AotExecute)
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[derive(Debug)]
pub struct StepError {
    pub sample: String,
    pub runtime: &'static str,
    pub step: Step,
    pub cause: anyhow::Error,
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sample `{}` on runtime `{}` failed at step {}: {}", self.sample, self.runtime, self.step, cause(&self.cause))
    }
}

impl std::error::Error for StepError {}

/// An error as a person reads it: the cause first, on one line, then its context; a
/// backtrace or other lines a runtime appends come after, trimmed. A runtime that gave no
/// message gets one.
pub fn cause(error: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut details: Vec<String> = Vec::new();
    for link in error.chain() {
        let text = link.to_string();
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        match lines.next() {
            Some(first) => parts.push(first.to_string()),
            None => continue,
        }
        details.extend(lines.map(str::to_string));
    }
    if parts.is_empty() {
        return "the runtime failed without a message".into();
    }
    // The innermost link is what went wrong; the outer ones say where, outermost first.
    let root = parts.pop().expect("not empty");
    let mut text = root;
    if !parts.is_empty() {
        let context: Vec<&str> = parts.iter().map(|p| p.trim_end_matches(':')).collect();
        text += &format!(" (while: {})", context.join(": "));
    }
    const MAX_DETAIL_LINES: usize = 6;
    if !details.is_empty() {
        let shown = details.len().min(MAX_DETAIL_LINES);
        text += &format!("\n    {}", details[..shown].join("\n    "));
        if details.len() > shown {
            text += &format!("\n    ({} more lines)", details.len() - shown);
        }
    }
    text
}

/// A runtime working on a sample: the steps, each failing with a `StepError`.
#[derive(Clone, Copy)]
pub struct Run<'a> {
    pub runtime: &'a dyn Runtime,
    pub sample: &'a Sample,
}

/// What a step that ran the export leaves, to be dropped after the clock stops.
pub type Ran = (Option<Value>, Box<dyn Module>, Box<dyn Instance>);

impl<'a> Run<'a> {
    pub fn new(runtime: &'a dyn Runtime, sample: &'a Sample) -> Run<'a> {
        Run { runtime, sample }
    }

    pub fn fail(&self, step: Step, cause: anyhow::Error) -> StepError {
        StepError { sample: self.sample.name.clone(), runtime: self.runtime.name(), step, cause }
    }

    pub fn compile(&self) -> Result<Box<dyn Module>, StepError> {
        self.runtime.compile(self.sample).map_err(|e| self.fail(Step::Compile, e))
    }

    pub fn instantiate(&self, module: &dyn Module) -> Result<Box<dyn Instance>, StepError> {
        module.instantiate(&self.sample.export).map_err(|e| self.fail(Step::Instantiate, e))
    }

    pub fn call(&self, instance: &mut dyn Instance) -> Result<Option<Value>, StepError> {
        instance.call(&self.sample.args).map_err(|e| self.fail(Step::Execute, e))
    }

    /// A result other than the expected one is a failure of `step`.
    pub fn check(&self, step: Step, got: Option<Value>) -> Result<(), StepError> {
        if self.sample.expected.accepts(&got) {
            Ok(())
        } else {
            let got = got.map_or("no result".to_string(), |v| v.to_string());
            Err(self.fail(step, anyhow::anyhow!("wrong result: got {got}, expected {}", self.sample.expected)))
        }
    }

    /// Instantiate `module` and check that a call gives the expected value.
    pub fn check_module(&self, step: Step, module: &dyn Module) -> Result<(), StepError> {
        let mut instance = self.instantiate(module)?;
        let got = self.call(&mut *instance)?;
        self.check(step, got)
    }

    /// Bytes to result; the module and instance are returned so that the caller decides
    /// when they are dropped.
    pub fn jit(&self) -> Result<Ran, StepError> {
        let module = self.compile()?;
        let mut instance = self.instantiate(&*module)?;
        let value = self.call(&mut *instance)?;
        Ok((value, module, instance))
    }

    /// Compile and store the artifact.
    pub fn aot_compile(&self, store: &ArtifactStore) -> Result<(Artifact, Box<dyn Module>), StepError> {
        let module = self.compile()?;
        let artifact = store.write(self.runtime, self.sample, &*module).map_err(|e| self.fail(Step::AotCompile, e))?;
        Ok((artifact, module))
    }

    /// The suite's check of the stored artifact, before the runtime may load it.
    pub fn aot_verify(&self, store: &ArtifactStore) -> Result<Verified, StepError> {
        store.verify(self.runtime, self.sample).map_err(|e| self.fail(Step::AotVerify, e))
    }

    /// The runtime loads the checked artifact, instantiates, calls.
    pub fn aot_execute(&self, verified: &Verified) -> Result<Ran, StepError> {
        let module = verified.load(self.runtime).map_err(|e| self.fail(Step::AotExecute, e))?;
        let mut instance = self.instantiate(&*module)?;
        let value = self.call(&mut *instance)?;
        Ok((value, module, instance))
    }
}

/// A runtime running a WASI sample: the steps of the `wasi` bench, each failing with a `StepError`.
#[cfg(feature = "wasi")]
#[derive(Clone, Copy)]
pub struct WasiRun<'a> {
    pub runtime: &'a dyn Runtime,
    pub sample: &'a crate::wasi::WasiSample,
}

#[cfg(feature = "wasi")]
impl<'a> WasiRun<'a> {
    pub fn new(runtime: &'a dyn Runtime, sample: &'a crate::wasi::WasiSample) -> WasiRun<'a> {
        WasiRun { runtime, sample }
    }

    pub fn fail(&self, step: Step, cause: anyhow::Error) -> StepError {
        StepError { sample: self.sample.name.clone(), runtime: self.runtime.name(), step, cause }
    }

    pub fn compile(&self) -> Result<Box<dyn crate::wasi::WasiModule>, StepError> {
        self.runtime.compile_wasi(self.sample).map_err(|e| self.fail(Step::Wasi, e.context("compiling")))
    }

    pub fn run(
        &self,
        step: Step,
        module: &dyn crate::wasi::WasiModule,
        command: &crate::wasi::WasiCommand,
    ) -> Result<crate::wasi::WasiRan, StepError> {
        module.run(command).map_err(|e| self.fail(step, e))
    }

    /// Bytes to exit; the module is returned so that the caller decides when it is dropped.
    pub fn end_to_end(
        &self,
        command: &crate::wasi::WasiCommand,
    ) -> Result<(crate::wasi::WasiRan, Box<dyn crate::wasi::WasiModule>), StepError> {
        let module = self.compile()?;
        Ok((self.run(Step::Wasi, &*module, command)?, module))
    }

    /// The expected exit code (0), stderr and stdout where the sample gives them, and the
    /// benchmark markers used correctly when the module imports them; else a failure of `step`.
    pub fn check(
        &self,
        step: Step,
        output: &crate::wasi::WasiOutput,
        command: &crate::wasi::WasiCommand,
    ) -> Result<(), StepError> {
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).chars().take(300).collect::<String>();
        let stdout_ok = self.sample.expected_stdout.as_ref().is_none_or(|e| *e == output.stdout);
        let stderr_ok = match &self.sample.expected_stderr {
            Some(expected) => *expected == output.stderr,
            None => self.sample.expected_stdout.is_none() || output.stderr.is_empty(),
        };
        if output.exit_code != 0 || !stdout_ok || !stderr_ok {
            let expected = self.sample.expected_stdout.as_deref().map_or("(not checked)".into(), |e| format!("{:?} ({} bytes)", text(e), e.len()));
            return Err(self.fail(
                step,
                anyhow::anyhow!(
                    "wrong output: exit code {}, stderr {:?}, stdout {:?} ({} bytes), expected {expected}",
                    output.exit_code,
                    text(&output.stderr),
                    text(&output.stdout),
                    output.stdout.len(),
                ),
            ));
        }
        if self.sample.markers {
            command.markers.measured().map_err(|e| self.fail(step, e.context("benchmark protocol")))?;
        }
        Ok(())
    }
}

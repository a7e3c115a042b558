//! The steps of running a module, as the benches time them and the tests check them.
//! Every failure names the sample, the runtime and the step it happened in.

use crate::artifact::{Artifact, ArtifactStore};
use crate::runtime::{Instance, Module, Runtime, WasiModule};
use crate::sample::Sample;
use crate::value::Value;
use crate::wasi::{WasiOutput, WasiSample};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    /// c'+c+d: read and check the artifact, deserialize, instantiate, call.
    AotExecute,
    /// A WASI command end to end: compile, instantiate with a WASI context, run to exit.
    Wasi,
    /// A WASI command run on an already compiled module: instantiate with a WASI context, run to exit.
    WasiRun,
}

impl Step {
    pub const ALL: [Step; 8] =
        [Step::Compile, Step::Instantiate, Step::Execute, Step::Jit, Step::AotCompile, Step::AotExecute, Step::Wasi, Step::WasiRun];

    /// The bench name and first part of every benchmark id.
    pub fn id(self) -> &'static str {
        match self {
            Step::Compile => "compile",
            Step::Instantiate => "instantiate",
            Step::Execute => "execute",
            Step::Jit => "jit",
            Step::AotCompile => "aot_compile",
            Step::AotExecute => "aot_execute",
            Step::Wasi => "wasi",
            Step::WasiRun => "wasi_run",
        }
    }

    /// Whether the timed work includes compiling the module.
    pub fn compiles(self) -> bool {
        matches!(self, Step::Compile | Step::Jit | Step::AotCompile | Step::Wasi)
    }

    /// Whether the step runs a WASI command (the `wasi` bench).
    pub fn is_wasi(self) -> bool {
        matches!(self, Step::Wasi | Step::WasiRun)
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
        write!(f, "sample `{}` on runtime `{}` failed at step {}: {:#}", self.sample, self.runtime, self.step, self.cause)
    }
}

impl std::error::Error for StepError {}

/// A runtime working on a sample: the steps, each failing with a `StepError`.
#[derive(Clone, Copy)]
pub struct Run<'a> {
    pub runtime: &'a dyn Runtime,
    pub sample: &'a Sample,
}

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

    pub fn call(&self, instance: &mut dyn Instance) -> Result<Value, StepError> {
        instance.call(self.sample.arg).map_err(|e| self.fail(Step::Execute, e))
    }

    /// A result other than the manifest's expected value is a failure of `step`.
    pub fn check(&self, step: Step, got: Value) -> Result<(), StepError> {
        if got == self.sample.expected {
            Ok(())
        } else {
            Err(self.fail(step, anyhow::anyhow!("wrong result: got {got}, expected {}", self.sample.expected)))
        }
    }

    /// Instantiate `module` and check that a call gives the expected value.
    pub fn check_module(&self, step: Step, module: &dyn Module) -> Result<(), StepError> {
        let mut instance = self.instantiate(module)?;
        let got = self.call(&mut *instance)?;
        self.check(step, got)
    }

    /// Bytes to result. The instance is returned so that the caller decides when it is dropped.
    pub fn jit(&self) -> Result<(Value, Box<dyn Instance>), StepError> {
        let module = self.compile()?;
        let mut instance = self.instantiate(&*module)?;
        let value = self.call(&mut *instance)?;
        Ok((value, instance))
    }

    /// Compile and store the artifact.
    pub fn aot_compile(&self, store: &ArtifactStore) -> Result<(Artifact, Box<dyn Module>), StepError> {
        let module = self.compile()?;
        let artifact = store.write(self.runtime, self.sample, &*module).map_err(|e| self.fail(Step::AotCompile, e))?;
        Ok((artifact, module))
    }

    /// Load the stored artifact, instantiate, call.
    pub fn aot_execute(&self, store: &ArtifactStore) -> Result<(Value, Box<dyn Instance>), StepError> {
        let module = store.load(self.runtime, self.sample).map_err(|e| self.fail(Step::AotExecute, e))?;
        let mut instance = self.instantiate(&*module)?;
        let value = self.call(&mut *instance)?;
        Ok((value, instance))
    }
}

/// A runtime running a WASI sample: the steps of the `wasi` bench, each failing with a `StepError`.
#[derive(Clone, Copy)]
pub struct WasiRun<'a> {
    pub runtime: &'a dyn Runtime,
    pub sample: &'a WasiSample,
}

impl<'a> WasiRun<'a> {
    pub fn new(runtime: &'a dyn Runtime, sample: &'a WasiSample) -> WasiRun<'a> {
        WasiRun { runtime, sample }
    }

    pub fn fail(&self, step: Step, cause: anyhow::Error) -> StepError {
        StepError { sample: self.sample.name.clone(), runtime: self.runtime.name(), step, cause }
    }

    pub fn compile(&self) -> Result<Box<dyn WasiModule>, StepError> {
        self.runtime.compile_wasi(self.sample).map_err(|e| self.fail(Step::Wasi, e.context("compiling")))
    }

    pub fn run(&self, step: Step, module: &dyn WasiModule) -> Result<WasiOutput, StepError> {
        module.run(&self.sample.command()).map_err(|e| self.fail(step, e))
    }

    /// Bytes to exit.
    pub fn end_to_end(&self) -> Result<WasiOutput, StepError> {
        self.run(Step::Wasi, &*self.compile()?)
    }

    /// Exit code 0, nothing on stderr and exactly the expected stdout, or a failure of `step`.
    pub fn check(&self, step: Step, output: &WasiOutput) -> Result<(), StepError> {
        let expected = &self.sample.expected_stdout;
        if output.exit_code == 0 && output.stderr.is_empty() && &output.stdout == expected {
            return Ok(());
        }
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).chars().take(300).collect::<String>();
        Err(self.fail(
            step,
            anyhow::anyhow!(
                "wrong output: exit code {}, stderr {:?}, stdout {:?} ({} bytes), expected {:?} ({} bytes)",
                output.exit_code,
                text(&output.stderr),
                text(&output.stdout),
                output.stdout.len(),
                text(expected),
                expected.len()
            ),
        ))
    }
}

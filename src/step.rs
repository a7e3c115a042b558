//! The steps of running a module, as the benches time them and the tests check them.
//! Every failure names the sample, the runtime and the step it happened in.

use crate::artifact::{Artifact, ArtifactStore};
use crate::runtime::{Instance, Module, Runtime};
use crate::sample::Sample;
use crate::value::Value;
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
}

impl Step {
    pub const ALL: [Step; 6] = [Step::Compile, Step::Instantiate, Step::Execute, Step::Jit, Step::AotCompile, Step::AotExecute];

    /// The bench name and first part of every benchmark id.
    pub fn id(self) -> &'static str {
        match self {
            Step::Compile => "compile",
            Step::Instantiate => "instantiate",
            Step::Execute => "execute",
            Step::Jit => "jit",
            Step::AotCompile => "aot_compile",
            Step::AotExecute => "aot_execute",
        }
    }

    /// Whether the timed work includes compiling the module.
    pub fn compiles(self) -> bool {
        matches!(self, Step::Compile | Step::Jit | Step::AotCompile)
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

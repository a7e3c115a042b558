//! The adapter every runtime implements, typed by phase: a `Runtime` compiles a
//! sample into a `Module`, a `Module` instantiates into an `Instance`, an
//! `Instance` calls the sample's export. Two phases cannot be timed together by accident.

use crate::proposal::Proposal;
use crate::sample::Sample;
use crate::step::Step;
use crate::value::{Export, Value};
use anyhow::Result;
use std::path::Path;

pub trait Runtime {
    /// The id benchmarks use: `wasmer.llvm`, `native`, ...
    fn name(&self) -> &'static str;

    /// Everything that decides whether an AOT artifact of this runtime can be loaded.
    fn version(&self) -> String;

    /// Why this runtime cannot take part in `step`, or `None` if it can.
    fn unsupported(&self, _step: Step) -> Option<String> {
        None
    }

    /// The post-MVP proposals this runtime does not implement.
    fn missing_proposals(&self) -> &'static [Proposal] {
        &[]
    }

    /// Why this runtime cannot run the module of sample `sample`, which needs `proposals`,
    /// or `None` if it can: a missing proposal, or a failure known and kept on record.
    fn cannot_run(&self, _sample: &str, proposals: &[Proposal]) -> Option<String> {
        let missing: Vec<String> =
            proposals.iter().filter(|p| self.missing_proposals().contains(p)).map(|p| p.to_string()).collect();
        (!missing.is_empty()).then(|| format!("the module needs {}, which {} lacks", missing.join(" and "), self.name()))
    }

    /// Compiling a large module takes tens of seconds: the run's plan expects long compiles,
    /// and the execute step loads the module from its stored artifact instead of compiling it.
    fn slow_compile(&self) -> bool {
        false
    }

    /// The same runtime with a fresh engine that has compiled nothing yet. Benches that
    /// compile or load modules in a loop take one per iteration, outside the timed
    /// region: an engine may keep the code of every module it made (Wasmer's does,
    /// until the engine is dropped), and thousands of them exhaust the process's mappings.
    fn renew(&self) -> Result<Box<dyn Runtime>>;

    /// Parse, validate and compile the sample's bytes.
    fn compile(&self, sample: &Sample) -> Result<Box<dyn Module>>;

    /// Turn the bytes of `Module::serialize` back into a module.
    ///
    /// # Safety
    /// `artifact` must be what `Module::serialize` of this runtime, at this
    /// `version()`, wrote; the artifact store checks that before calling.
    unsafe fn deserialize(&self, _artifact: Vec<u8>) -> Result<Box<dyn Module>> {
        anyhow::bail!("{} has no compiled artifact to load", self.name())
    }

    /// Load the module that `Module::serialize` wrote into the file at `path`, the way an
    /// embedder of this runtime loads a stored module: its own file loader where it has
    /// one (Wasmtime's `deserialize_file`, Wasmer's `deserialize_from_file`, Lucet's
    /// `dlopen`), else reading the file and deserializing.
    ///
    /// # Safety
    /// As for `deserialize`: the artifact store hands over only a private copy of checked bytes.
    unsafe fn load_artifact(&self, path: &Path) -> Result<Box<dyn Module>> {
        let bytes = std::fs::read(path)?;
        unsafe { self.deserialize(bytes) }
    }

    /// The most instances of one module that can be alive at once, if the runtime has such
    /// a limit (Lucet's memory region has a fixed number of slots).
    fn instance_limit(&self) -> Option<usize> {
        None
    }

    /// Why this runtime cannot run under Valgrind (`./suite count`), or `None` if it can.
    fn uncountable(&self) -> Option<String> {
        self.self_timed().map(|_| format!("{} runs in node, outside Valgrind's view", self.name()))
    }

    /// A runtime that times its own steps in another process (V8 in Node.js).
    fn self_timed(&self) -> Option<&dyn SelfTimed> {
        None
    }

    /// Parse, validate and compile a WASI command for this runtime's WASI implementation.
    #[cfg(feature = "wasi")]
    fn compile_wasi(&self, _sample: &crate::wasi::WasiSample) -> Result<Box<dyn crate::wasi::WasiModule>> {
        anyhow::bail!("{} offers no WASI", self.name())
    }
}

pub trait Module {
    /// A new instance, its memories and tables created, with `export` bound for calls.
    fn instantiate(&self, export: &Export) -> Result<Box<dyn Instance>>;

    /// The compiled module as bytes that `Runtime::deserialize` reads back; runtimes
    /// without a compiled artifact (interpreters, native) keep this default.
    fn serialize(&self) -> Result<Vec<u8>> {
        anyhow::bail!("this runtime has no compiled artifact to store")
    }
}

pub trait Instance {
    /// One call of the bound export; `None` when it returns nothing.
    fn call(&mut self, args: &[Value]) -> Result<Option<Value>>;
}

/// A runtime measured by itself: it runs `iters` iterations of a step and returns the time
/// they took by its own clock, every iteration's outcome checked.
pub trait SelfTimed {
    fn time(&self, step: Step, what: Timed<'_>, iters: u64) -> Result<std::time::Duration>;
}

/// What a self-timed step works on.
#[derive(Clone, Copy)]
pub enum Timed<'a> {
    Sample(&'a Sample),
    Wasi(&'a crate::wasi::WasiSample),
}

/// A runtime that could not start in this process (its engine failed to configure, its
/// library is missing): every step skips it with the reason.
pub struct Unavailable {
    pub name: &'static str,
    pub reason: String,
}

impl Runtime for Unavailable {
    fn name(&self) -> &'static str {
        self.name
    }

    fn version(&self) -> String {
        format!("unavailable: {}", self.reason)
    }

    fn unsupported(&self, _step: Step) -> Option<String> {
        Some(self.reason.clone())
    }

    fn renew(&self) -> Result<Box<dyn Runtime>> {
        anyhow::bail!("{}", self.reason)
    }

    fn compile(&self, _sample: &Sample) -> Result<Box<dyn Module>> {
        anyhow::bail!("{}", self.reason)
    }
}

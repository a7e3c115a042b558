//! The adapter every runtime implements, typed by phase: a `Runtime` compiles a
//! sample into a `Module`, a `Module` instantiates into an `Instance`, an
//! `Instance` calls the sample's export. Two phases cannot be timed together by accident.

use crate::proposal::Proposal;
use crate::sample::Sample;
use crate::step::Step;
use crate::value::{Export, Value};
use crate::wasi::{WasiCommand, WasiOutput, WasiSample};
use anyhow::Result;
use std::path::Path;

pub trait Runtime {
    /// The id benchmarks use: `wasmer.llvm`, `native`, ...
    fn name(&self) -> &'static str;

    /// Everything that decides whether an AOT artifact of this runtime can be loaded.
    fn version(&self) -> String;

    /// Why this runtime cannot take part in `step`, or `None` if it can. A runtime
    /// without WASI (`compile_wasi`) gives its reason for `Step::Wasi` and `Step::WasiRun`.
    fn unsupported(&self, _step: Step) -> Option<&'static str> {
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

    /// Compiling takes long enough that benches which compile sample flatly and fewer times.
    fn slow_compile(&self) -> bool {
        false
    }

    /// The same runtime with a fresh engine that has compiled nothing yet. Benches that
    /// compile or load modules in a loop take one per iteration, outside the timed
    /// region: an engine may keep the code of every module it made (Wasmer's does,
    /// until the engine is dropped), and thousands of them exhaust the process's mappings.
    fn renew(&self) -> Box<dyn Runtime>;

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

    /// Load a checked artifact stored at `path`, whose first bytes are `module_bytes`
    /// (what `Module::serialize` wrote). Runtimes that load code from a file themselves
    /// (Lucet's shared objects) open `path`; the others deserialize the bytes.
    ///
    /// # Safety
    /// As for `deserialize`.
    unsafe fn load_artifact(&self, _path: &Path, module_bytes: Vec<u8>) -> Result<Box<dyn Module>> {
        unsafe { self.deserialize(module_bytes) }
    }

    /// Parse, validate and compile a WASI command for this runtime's WASI implementation.
    fn compile_wasi(&self, _sample: &WasiSample) -> Result<Box<dyn WasiModule>> {
        anyhow::bail!("{} offers no WASI", self.name())
    }
}

/// A compiled WASI command.
pub trait WasiModule {
    /// A new instance with a new WASI context for `command`, run from `_start` to its
    /// exit (a `proc_exit` is an exit, not an error; a trap is an error).
    fn run(&self, command: &WasiCommand) -> Result<WasiOutput>;
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
    /// One call of the bound export.
    fn call(&mut self, arg: Value) -> Result<Value>;
}

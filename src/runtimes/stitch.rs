//! stitch (makepad-stitch 0.1), an interpreter built on sibling calls. Its functions are
//! called with slices of values (it has no typed call). `compile` parses and validates;
//! each function is translated to stitch's code on its first call in a store (so in
//! `jit` and the first `execute` call, like `wasmi.lazy`). It has no compiled artifact, so
//! it stays out of the AOT steps.

use crate::proposal::Proposal;
use crate::runtime::{Instance, Module, Runtime};
use crate::sample::Sample;
use crate::step::Step;
use crate::value::{Export, ValType, Value, check_args};
use anyhow::{Result, anyhow, bail, ensure};
use makepad_stitch::{Engine, Func, Linker, Store, Val};

/// Arguments a call passes on the stack.
const MAX_ARGS: usize = 16;

/// The samples whose code grows its memory in a callee and uses it afterwards.
pub const MEMORY_GROWING: [&str; 5] = ["sieve", "sort-indirect", "sha256", "markdown", "mruby-script"];

pub struct Stitch {
    engine: Engine,
}

impl Stitch {
    pub fn new() -> Stitch {
        Stitch { engine: Engine::new() }
    }
}

impl Default for Stitch {
    fn default() -> Self {
        Stitch::new()
    }
}

impl Runtime for Stitch {
    fn name(&self) -> &'static str {
        "stitch"
    }

    fn version(&self) -> String {
        "makepad-stitch 0.1.0".into()
    }

    fn unsupported(&self, step: Step) -> Option<String> {
        match step {
            _ if step.is_aot() => Some("stitch is an interpreter: it has no compiled artifact to store".into()),
            Step::Wasi | Step::WasiRun => Some("stitch has no WASI implementation".into()),
            _ => None,
        }
    }

    /// A bug of makepad-stitch 0.1.0: when `memory.grow` runs, `Memory::grow_with_stack`
    /// (its `src/mem.rs`) updates the memory pointer and size that each call frame keeps,
    /// but skips the frame that is running, and writes the new size in pages where the
    /// frames keep it in bytes (`ms = data.len()`). Callers then resume with a stale pointer
    /// (into freed host memory) and a wrong bound: every sample that grows its heap in a
    /// callee traps with "memory access out of bounds" or reads freed memory. The tests
    /// check, in a child process, that these still fail.
    fn cannot_run(&self, sample: &str, _proposals: &[Proposal]) -> Option<String> {
        MEMORY_GROWING.contains(&sample).then(|| {
            "known bug of stitch 0.1.0: after memory.grow in a callee, its callers resume with a stale memory pointer and a size in pages where bytes are expected (grow_with_stack in src/mem.rs): the sample traps or reads freed memory".to_string()
        })
    }

    fn renew(&self) -> Result<Box<dyn Runtime>> {
        Ok(Box::new(Stitch::new()))
    }

    fn compile(&self, sample: &Sample) -> Result<Box<dyn Module>> {
        let module = makepad_stitch::Module::new(&self.engine, &sample.wasm).map_err(|e| {
            let text = e.to_string();
            if text.is_empty() { anyhow!("stitch refused the module without a message ({e:?})") } else { anyhow!(text) }
        })?;
        Ok(Box::new(StitchModule { engine: self.engine.clone(), module }))
    }
}

struct StitchModule {
    engine: Engine,
    module: makepad_stitch::Module,
}

fn val_type(ty: ValType) -> makepad_stitch::ValType {
    match ty {
        ValType::I32 => makepad_stitch::ValType::I32,
        ValType::I64 => makepad_stitch::ValType::I64,
        ValType::F32 => makepad_stitch::ValType::F32,
        ValType::F64 => makepad_stitch::ValType::F64,
    }
}

impl Module for StitchModule {
    fn instantiate(&self, export: &Export) -> Result<Box<dyn Instance>> {
        let mut store = Store::new(self.engine.clone());
        let instance = Linker::new().instantiate(&mut store, &self.module)?;
        let run = instance.exported_func(&export.name).ok_or_else(|| anyhow!("export {export} not found"))?;
        let ty = run.type_(&store);
        let params: Vec<_> = export.params.iter().map(|p| val_type(*p)).collect();
        let results: Vec<_> = export.result.iter().map(|r| val_type(*r)).collect();
        ensure!(ty.params() == params && ty.results() == results, "export {export} has type {:?} -> {:?}", ty.params(), ty.results());
        // stitch writes the result's bits into the slot it is given, keeping the slot's type.
        let result = export.result.map(|r| match r {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0.0),
            ValType::F64 => Val::F64(0.0),
        });
        Ok(Box::new(StitchInstance { store, run, result, export: export.clone() }))
    }
}

struct StitchInstance {
    store: Store,
    run: Func,
    result: Option<Val>,
    export: Export,
}

impl Instance for StitchInstance {
    fn call(&mut self, args: &[Value]) -> Result<Option<Value>> {
        check_args(&self.export, args)?;
        // On the stack, as stitch's callers pass them: no allocation per call.
        let mut values = [Val::I32(0); MAX_ARGS];
        anyhow::ensure!(args.len() <= MAX_ARGS, "the stitch adapter passes at most {MAX_ARGS} arguments");
        for (slot, arg) in values.iter_mut().zip(args) {
            *slot = match *arg {
                Value::I32(v) => Val::I32(v),
                Value::I64(v) => Val::I64(v),
                Value::F32(v) => Val::F32(v),
                Value::F64(v) => Val::F64(v),
            };
        }
        let mut result = [self.result.unwrap_or(Val::I32(0))];
        let result = &mut result[..usize::from(self.result.is_some())];
        self.run.call(&mut self.store, &values[..args.len()], result)?;
        Ok(match result.first() {
            None => None,
            Some(Val::I32(v)) => Some(Value::I32(*v)),
            Some(Val::I64(v)) => Some(Value::I64(*v)),
            Some(Val::F32(v)) => Some(Value::F32(*v)),
            Some(Val::F64(v)) => Some(Value::F64(*v)),
            Some(other) => bail!("unexpected result {other:?}"),
        })
    }
}

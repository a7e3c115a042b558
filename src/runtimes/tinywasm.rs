//! tinywasm 0.10, a small interpreter (single-threaded parser). Its typed calls pass
//! values through a vector all the same, so the adapter calls the untyped function. Its
//! `twasm` archive is a pre-parsed module, not native code, so tinywasm stays out of the
//! AOT steps. `compile` parses and validates; `instantiate` makes the store's memories,
//! tables and globals and runs the start function.

use crate::runtime::{Instance, Module, Runtime};
use crate::sample::Sample;
use crate::step::Step;
use crate::value::{Export, ValType, Value, check_args};
use crate::with_signature;
use anyhow::{Result, anyhow, bail};
use tinywasm::types::WasmValue;
use tinywasm::{Function, ModuleInstance, Store};

/// Arguments a call passes on the stack.
const MAX_ARGS: usize = 16;

pub struct Tinywasm;

impl Runtime for Tinywasm {
    fn name(&self) -> &'static str {
        "tinywasm"
    }

    fn version(&self) -> String {
        "tinywasm 0.10.0".into()
    }

    fn unsupported(&self, step: Step) -> Option<String> {
        match step {
            _ if step.is_aot() => Some("tinywasm is an interpreter: its twasm archive is a pre-parsed module, not native code".into()),
            Step::Wasi | Step::WasiRun => Some("tinywasm 0.10 has no WASI implementation".into()),
            _ => None,
        }
    }

    fn renew(&self) -> Result<Box<dyn Runtime>> {
        Ok(Box::new(Tinywasm))
    }

    fn compile(&self, sample: &Sample) -> Result<Box<dyn Module>> {
        Ok(Box::new(TinywasmModule(tinywasm::parse_bytes(&sample.wasm).map_err(|e| anyhow!("{e}"))?)))
    }
}

struct TinywasmModule(tinywasm::Module);

impl Module for TinywasmModule {
    fn instantiate(&self, export: &Export) -> Result<Box<dyn Instance>> {
        let mut store = Store::default();
        let instance = ModuleInstance::instantiate(&mut store, &self.0, None).map_err(|e| anyhow!("{e}"))?;
        let run = instance.func_untyped(&store, &export.name).map_err(|e| anyhow!("export {export}: {e}"))?;
        // tinywasm checks a signature only when it makes a typed function: make one and drop
        // it. Other signatures are checked on each call (arguments by tinywasm, the result here).
        macro_rules! check_signature {
            ($p:ty, $r:ty) => {
                instance.func::<$p, $r>(&store, &export.name).map(drop).map_err(|e| anyhow!("export {export}: {e}"))
            };
        }
        with_signature!(export, check_signature!, Ok(()))?;
        Ok(Box::new(TinywasmInstance { store, run, export: export.clone() }))
    }
}

struct TinywasmInstance {
    store: Store,
    run: Function,
    export: Export,
}

impl Instance for TinywasmInstance {
    fn call(&mut self, args: &[Value]) -> Result<Option<Value>> {
        check_args(&self.export, args)?;
        // On the stack, as a caller of tinywasm passes them: no allocation per call.
        let mut values = [WasmValue::I32(0); MAX_ARGS];
        anyhow::ensure!(args.len() <= MAX_ARGS, "the tinywasm adapter passes at most {MAX_ARGS} arguments");
        for (slot, arg) in values.iter_mut().zip(args) {
            *slot = match *arg {
                Value::I32(v) => WasmValue::I32(v),
                Value::I64(v) => WasmValue::I64(v),
                Value::F32(v) => WasmValue::F32(v),
                Value::F64(v) => WasmValue::F64(v),
            };
        }
        let result = match self.run.call(&mut self.store, &values[..args.len()]).map_err(|e| anyhow!("{e}"))?.as_slice() {
            [] => None,
            [WasmValue::I32(v)] => Some(Value::I32(*v)),
            [WasmValue::I64(v)] => Some(Value::I64(*v)),
            [WasmValue::F32(v)] => Some(Value::F32(*v)),
            [WasmValue::F64(v)] => Some(Value::F64(*v)),
            other => bail!("unexpected results {other:?}"),
        };
        let ty: Option<ValType> = result.map(|v| v.ty());
        anyhow::ensure!(ty == self.export.result, "export {} returned {result:?}", self.export);
        Ok(result)
    }
}

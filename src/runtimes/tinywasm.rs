//! tinywasm 0.10, a small interpreter (single-threaded parser). Its typed calls pass
//! values through a vector all the same, so the adapter calls the untyped function. Its `twasm`
//! archive is a pre-parsed module, not native code, so tinywasm stays out of the AOT steps.

use crate::runtime::{Instance, Module, Runtime};
use crate::sample::Sample;
use crate::step::Step;
use crate::value::{Export, Value};
use crate::with_signature;
use anyhow::{Result, anyhow, bail};
use tinywasm::types::WasmValue;
use tinywasm::{Function, ModuleInstance, Store};

pub struct Tinywasm;

impl Runtime for Tinywasm {
    fn name(&self) -> &'static str {
        "tinywasm"
    }

    fn version(&self) -> String {
        "tinywasm 0.10.0".into()
    }

    fn unsupported(&self, step: Step) -> Option<&'static str> {
        match step {
            Step::AotCompile | Step::AotExecute => Some("tinywasm is an interpreter: its twasm archive is a pre-parsed module, not native code"),
            Step::Wasi | Step::WasiRun => Some("tinywasm 0.10 has no WASI implementation"),
            _ => None,
        }
    }

    fn renew(&self) -> Box<dyn Runtime> {
        Box::new(Tinywasm)
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
        // tinywasm checks a signature only when it makes a typed function: make one and drop it.
        macro_rules! check_signature {
            ($p:ty, $r:ty) => {
                instance.func::<$p, $r>(&store, &export.name).map(drop)
            };
        }
        with_signature!(export, check_signature!).map_err(|e| anyhow!("export {export}: {e}"))?;
        Ok(Box::new(TinywasmInstance { store, run }))
    }
}

struct TinywasmInstance {
    store: Store,
    run: Function,
}

impl Instance for TinywasmInstance {
    fn call(&mut self, arg: Value) -> Result<Value> {
        let arg = match arg {
            Value::I32(v) => WasmValue::I32(v),
            Value::I64(v) => WasmValue::I64(v),
            Value::F32(v) => WasmValue::F32(v),
            Value::F64(v) => WasmValue::F64(v),
        };
        match self.run.call(&mut self.store, &[arg]).map_err(|e| anyhow!("{e}"))?.as_slice() {
            [WasmValue::I32(v)] => Ok(Value::I32(*v)),
            [WasmValue::I64(v)] => Ok(Value::I64(*v)),
            [WasmValue::F32(v)] => Ok(Value::F32(*v)),
            [WasmValue::F64(v)] => Ok(Value::F64(*v)),
            other => bail!("unexpected results {other:?}"),
        }
    }
}

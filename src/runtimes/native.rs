//! The `native` runtime: each sample's own Rust source (the crates in `wasm-sample/`),
//! compiled for the host by cargo and called through a function pointer.

use crate::runtime::{Instance, Module, Runtime};
use crate::sample::Sample;
use crate::step::Step;
use crate::value::{Export, Value, WasmValue};
use anyhow::{Result, anyhow};

pub type NativeFn = fn(Value) -> Option<Value>;

/// The native twin of each sample, by sample name.
pub fn function(sample: &str) -> Option<NativeFn> {
    Some(match sample {
        "add-one" => |v| Some(add_one::add_one(i32::from_value(v)?).into_value()),
        "fibonacci" => |v| Some(fibonacci::fibonacci(i32::from_value(v)?).into_value()),
        "nbody" => |v| Some(nbody::nbody(i32::from_value(v)?).into_value()),
        _ => return None,
    })
}

pub struct Native;

struct NativeModule(NativeFn);

impl Runtime for Native {
    fn name(&self) -> &'static str {
        "native"
    }

    fn version(&self) -> String {
        format!("native {}", env!("CARGO_PKG_VERSION"))
    }

    fn unsupported(&self, step: Step) -> Option<&'static str> {
        (step != Step::Execute).then_some("native code is compiled ahead of time by cargo; only execution is comparable")
    }

    fn renew(&self) -> Box<dyn Runtime> {
        Box::new(Native)
    }

    fn compile(&self, sample: &Sample) -> Result<Box<dyn Module>> {
        let run = function(&sample.name).ok_or_else(|| anyhow!("sample `{}` has no native twin", sample.name))?;
        Ok(Box::new(NativeModule(run)))
    }
}

impl Module for NativeModule {
    fn instantiate(&self, _export: &Export) -> Result<Box<dyn Instance>> {
        Ok(Box::new(NativeModule(self.0)))
    }
}

impl Instance for NativeModule {
    fn call(&mut self, arg: Value) -> Result<Value> {
        (self.0)(arg).ok_or_else(|| anyhow!("the native twin does not take a {} argument", arg.ty()))
    }
}

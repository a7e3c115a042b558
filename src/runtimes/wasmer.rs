//! Wasmer 7 with each of its compilers: `wasmer.singlepass`, `wasmer.cranelift`, `wasmer.llvm`.
//! Compilation runs on one thread, so compile times do not depend on the core count.

use crate::runtime::{Instance, Module, Runtime};
use crate::sample::Sample;
use crate::value::{Export, Value, WasmValue, arg_as};
use crate::with_signature;
use anyhow::{Context, Result};
use std::num::NonZero;
use wasmer::{Engine, FromToNativeWasmType, Imports, Store, TypedFunction, WasmTypeList};

const ONE_THREAD: NonZero<usize> = NonZero::new(1).unwrap();

pub struct Wasmer {
    name: &'static str,
    engine: Engine,
    slow_compile: bool,
    make: fn() -> Wasmer,
}

impl Wasmer {
    #[cfg(feature = "wasmer-singlepass")]
    pub fn singlepass() -> Wasmer {
        let mut compiler = wasmer_compiler_singlepass::Singlepass::new();
        compiler.num_threads(ONE_THREAD);
        Wasmer { name: "wasmer.singlepass", engine: compiler.into(), slow_compile: false, make: Self::singlepass }
    }

    #[cfg(feature = "wasmer-cranelift")]
    pub fn cranelift() -> Wasmer {
        let mut compiler = wasmer_compiler_cranelift::Cranelift::new();
        compiler.num_threads(ONE_THREAD);
        Wasmer { name: "wasmer.cranelift", engine: compiler.into(), slow_compile: false, make: Self::cranelift }
    }

    #[cfg(feature = "wasmer-llvm")]
    pub fn llvm() -> Wasmer {
        let mut compiler = wasmer_compiler_llvm::LLVM::new();
        compiler.num_threads(ONE_THREAD);
        Wasmer { name: "wasmer.llvm", engine: compiler.into(), slow_compile: true, make: Self::llvm }
    }

    /// The engine this runtime compiles with, for benches that call Wasmer directly.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

impl Runtime for Wasmer {
    fn name(&self) -> &'static str {
        self.name
    }

    fn version(&self) -> String {
        format!("wasmer {} {} {}", wasmer_types::VERSION, self.engine.deterministic_id(), std::env::consts::ARCH)
    }

    fn slow_compile(&self) -> bool {
        self.slow_compile
    }

    fn renew(&self) -> Box<dyn Runtime> {
        Box::new((self.make)())
    }

    fn compile(&self, sample: &Sample) -> Result<Box<dyn Module>> {
        let module = wasmer::Module::new(&self.engine, &sample.wasm)?;
        Ok(Box::new(WasmerModule { engine: self.engine.clone(), module }))
    }

    unsafe fn deserialize(&self, artifact: Vec<u8>) -> Result<Box<dyn Module>> {
        let module = unsafe { wasmer::Module::deserialize(&self.engine, artifact)? };
        Ok(Box::new(WasmerModule { engine: self.engine.clone(), module }))
    }
}

struct WasmerModule {
    engine: Engine,
    module: wasmer::Module,
}

impl Module for WasmerModule {
    fn instantiate(&self, export: &Export) -> Result<Box<dyn Instance>> {
        let mut store = Store::new(self.engine.clone());
        let instance = wasmer::Instance::new(&mut store, &self.module, &Imports::new())?;
        with_signature!(export, bind(store, &instance, export))
    }

    fn serialize(&self) -> Result<Vec<u8>> {
        Ok(self.module.serialize()?.into())
    }
}

fn bind<P, R>(store: Store, instance: &wasmer::Instance, export: &Export) -> Result<Box<dyn Instance>>
where
    P: WasmValue + FromToNativeWasmType + WasmTypeList,
    R: WasmValue + WasmTypeList,
{
    let run = instance
        .exports
        .get_typed_function::<P, R>(&store, &export.name)
        .with_context(|| format!("export {export}"))?;
    Ok(Box::new(WasmerInstance { store, run }))
}

/// The store owns the instance; the typed function calls into it without boxing values.
struct WasmerInstance<P, R> {
    store: Store,
    run: TypedFunction<P, R>,
}

impl<P, R> Instance for WasmerInstance<P, R>
where
    P: WasmValue + FromToNativeWasmType + WasmTypeList,
    R: WasmValue + WasmTypeList,
{
    #[inline]
    fn call(&mut self, arg: Value) -> Result<Value> {
        Ok(self.run.call(&mut self.store, arg_as::<P>(arg)?)?.into_value())
    }
}

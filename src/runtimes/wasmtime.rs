//! Wasmtime 48 with each of its execution strategies: `wasmtime.cranelift` (optimizing
//! compiler), `wasmtime.winch` (baseline compiler) and `wasmtime.pulley` (Cranelift to
//! Pulley bytecode, run by Wasmtime's interpreter). Default configuration, which
//! Wasmtime's documentation gives for production: the on-demand instance allocator and
//! signals-based traps; compilation on one thread (no `parallel-compilation` feature).
//! WASI through `wasmtime-wasi` (preview 1, synchronous).

use crate::runtime::{Instance, Module, Runtime, WasiModule};
use crate::sample::Sample;
use crate::value::{Export, Value, WasmValue, arg_as};
use crate::wasi::{GUEST_DIR, WasiCommand, WasiOutput, WasiSample};
use crate::with_signature;
use anyhow::{Context, Result};
use std::hash::{DefaultHasher, Hash, Hasher};
use wasmtime::{Config, Engine, Linker, Store, Strategy, TypedFunc, WasmTy};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

pub struct Wasmtime {
    name: &'static str,
    engine: Engine,
    make: fn() -> Wasmtime,
}

impl Wasmtime {
    fn new(name: &'static str, make: fn() -> Wasmtime, configure: impl FnOnce(&mut Config)) -> Wasmtime {
        let mut config = Config::new();
        configure(&mut config);
        let engine = Engine::new(&config).unwrap_or_else(|e| panic!("{name}: configuring Wasmtime: {e:#}"));
        Wasmtime { name, engine, make }
    }

    pub fn cranelift() -> Wasmtime {
        Wasmtime::new("wasmtime.cranelift", Wasmtime::cranelift, |config| {
            config.strategy(Strategy::Cranelift);
        })
    }

    pub fn winch() -> Wasmtime {
        Wasmtime::new("wasmtime.winch", Wasmtime::winch, |config| {
            config.strategy(Strategy::Winch);
        })
    }

    pub fn pulley() -> Wasmtime {
        Wasmtime::new("wasmtime.pulley", Wasmtime::pulley, |config| {
            config.target("pulley64").expect("this build has Wasmtime's `pulley` feature");
        })
    }
}

impl Runtime for Wasmtime {
    fn name(&self) -> &'static str {
        self.name
    }

    fn version(&self) -> String {
        let mut hasher = DefaultHasher::new();
        self.engine.precompile_compatibility_hash().hash(&mut hasher);
        format!("wasmtime 48.0.0, compatibility {:016x}", hasher.finish())
    }

    fn renew(&self) -> Box<dyn Runtime> {
        Box::new((self.make)())
    }

    fn compile(&self, sample: &Sample) -> Result<Box<dyn Module>> {
        let module = wasmtime::Module::new(&self.engine, &sample.wasm)?;
        Ok(Box::new(WasmtimeModule { engine: self.engine.clone(), module }))
    }

    unsafe fn deserialize(&self, artifact: Vec<u8>) -> Result<Box<dyn Module>> {
        let module = unsafe { wasmtime::Module::deserialize(&self.engine, artifact)? };
        Ok(Box::new(WasmtimeModule { engine: self.engine.clone(), module }))
    }

    fn compile_wasi(&self, sample: &WasiSample) -> Result<Box<dyn WasiModule>> {
        let module = wasmtime::Module::new(&self.engine, &sample.wasm)?;
        let mut linker = Linker::new(&self.engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |wasi| wasi)?;
        Ok(Box::new(WasmtimeWasi { linker, module }))
    }
}

struct WasmtimeWasi {
    linker: Linker<WasiP1Ctx>,
    module: wasmtime::Module,
}

impl WasiModule for WasmtimeWasi {
    fn run(&self, command: &WasiCommand) -> Result<WasiOutput> {
        // The capacity is a limit, not an allocation.
        let (stdout, stderr) = (MemoryOutputPipe::new(usize::MAX), MemoryOutputPipe::new(usize::MAX));
        let wasi = WasiCtxBuilder::new()
            .args(&command.argv())
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .preopened_dir(command.preopen, GUEST_DIR, FsPerms::ReadOnly)?
            .build_p1();
        let mut store = Store::new(self.module.engine(), wasi);
        let instance = self.linker.instantiate(&mut store, &self.module)?;
        let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
        let exit_code = match start.call(&mut store, ()) {
            Ok(()) => 0,
            Err(e) => match e.downcast_ref::<I32Exit>() {
                Some(I32Exit(code)) => *code,
                None => return Err(anyhow::Error::from(e)),
            },
        };
        drop(store);
        Ok(WasiOutput { exit_code, stdout: stdout.contents().to_vec(), stderr: stderr.contents().to_vec() })
    }
}

struct WasmtimeModule {
    engine: Engine,
    module: wasmtime::Module,
}

impl Module for WasmtimeModule {
    fn instantiate(&self, export: &Export) -> Result<Box<dyn Instance>> {
        let mut store = Store::new(&self.engine, ());
        let instance = wasmtime::Instance::new(&mut store, &self.module, &[])?;
        with_signature!(export, bind(store, instance, export))
    }

    fn serialize(&self) -> Result<Vec<u8>> {
        Ok(self.module.serialize()?)
    }
}

fn bind<P: WasmValue + WasmTy, R: WasmValue + WasmTy>(
    mut store: Store<()>,
    instance: wasmtime::Instance,
    export: &Export,
) -> Result<Box<dyn Instance>> {
    let run = instance
        .get_typed_func::<P, R>(&mut store, &export.name)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("export {export}"))?;
    Ok(Box::new(WasmtimeInstance { store, run }))
}

struct WasmtimeInstance<P, R> {
    store: Store<()>,
    run: TypedFunc<P, R>,
}

impl<P: WasmValue + WasmTy, R: WasmValue + WasmTy> Instance for WasmtimeInstance<P, R> {
    #[inline]
    fn call(&mut self, arg: Value) -> Result<Value> {
        Ok(self.run.call(&mut self.store, arg_as::<P>(arg)?)?.into_value())
    }
}

//! wasmi 2, the interpreter, in two compilation modes: `wasmi.eager` translates every
//! function to wasmi bytecode while compiling; `wasmi.lazy` (wasmi's default,
//! `LazyTranslation`) validates while compiling and translates each function on its first
//! call. wasmi has no artifact to store, so it takes no part in the AOT steps.
//! WASI through `wasmi_wasi` (wasi-common, preview 1).

use crate::runtime::{Instance, Module, Runtime, WasiModule};
use crate::sample::Sample;
use crate::step::Step;
use crate::value::{Export, Value, WasmValue, arg_as};
use crate::wasi::{GUEST_DIR, WasiCommand, WasiOutput, WasiSample};
use crate::with_signature;
use anyhow::{Context, Result};
use std::sync::{Arc, RwLock};
use wasmi::{CompilationMode, Config, Engine, Linker, Store, TypedFunc, WasmParams, WasmResults};
use wasmi_wasi::wasi_common::pipe::WritePipe;
use wasmi_wasi::{Dir, WasiCtx, WasiCtxBuilder, ambient_authority};

pub struct Wasmi {
    name: &'static str,
    mode: CompilationMode,
    engine: Engine,
}

impl Wasmi {
    fn new(name: &'static str, mode: CompilationMode) -> Wasmi {
        let mut config = Config::default();
        config.compilation_mode(mode);
        Wasmi { name, mode, engine: Engine::new(&config) }
    }

    pub fn eager() -> Wasmi {
        Wasmi::new("wasmi.eager", CompilationMode::Eager)
    }

    pub fn lazy() -> Wasmi {
        Wasmi::new("wasmi.lazy", CompilationMode::LazyTranslation)
    }
}

impl Runtime for Wasmi {
    fn name(&self) -> &'static str {
        self.name
    }

    fn version(&self) -> String {
        format!("wasmi 2.0.0, {:?}", self.mode)
    }

    fn unsupported(&self, step: Step) -> Option<&'static str> {
        matches!(step, Step::AotCompile | Step::AotExecute)
            .then_some("wasmi is an interpreter: it has no compiled artifact to store")
    }

    fn renew(&self) -> Box<dyn Runtime> {
        Box::new(Wasmi::new(self.name, self.mode))
    }

    fn compile(&self, sample: &Sample) -> Result<Box<dyn Module>> {
        Ok(Box::new(WasmiModule(wasmi::Module::new(&self.engine, &sample.wasm)?)))
    }

    fn compile_wasi(&self, sample: &WasiSample) -> Result<Box<dyn WasiModule>> {
        let module = wasmi::Module::new(&self.engine, &sample.wasm)?;
        let mut linker = Linker::new(&self.engine);
        wasmi_wasi::add_to_linker(&mut linker, |wasi| wasi)?;
        Ok(Box::new(WasmiWasi { linker, module }))
    }
}

struct WasmiWasi {
    linker: Linker<WasiCtx>,
    module: wasmi::Module,
}

impl WasiModule for WasmiWasi {
    /// wasi-common has no read-only preopen: the guest could write into its directory.
    fn run(&self, command: &WasiCommand) -> Result<WasiOutput> {
        let (stdout, stderr) = (Arc::new(RwLock::new(Vec::new())), Arc::new(RwLock::new(Vec::new())));
        let wasi = WasiCtxBuilder::new()
            .args(&command.argv())?
            .stdout(Box::new(WritePipe::from_shared(stdout.clone())))
            .stderr(Box::new(WritePipe::from_shared(stderr.clone())))
            .preopened_dir(Dir::open_ambient_dir(command.preopen, ambient_authority())?, GUEST_DIR)?
            .build();
        let mut store = Store::new(self.module.engine(), wasi);
        let instance = self.linker.instantiate_and_start(&mut store, &self.module)?;
        let start = instance.get_typed_func::<(), ()>(&store, "_start")?;
        let exit_code = match start.call(&mut store, ()) {
            Ok(()) => 0,
            Err(e) => e.i32_exit_status().ok_or(e)?,
        };
        drop(store);
        let take = |pipe: Arc<RwLock<Vec<u8>>>| std::mem::take(&mut *pipe.write().unwrap_or_else(|e| e.into_inner()));
        Ok(WasiOutput { exit_code, stdout: take(stdout), stderr: take(stderr) })
    }
}

struct WasmiModule(wasmi::Module);

impl Module for WasmiModule {
    fn instantiate(&self, export: &Export) -> Result<Box<dyn Instance>> {
        let mut store = Store::new(self.0.engine(), ());
        let instance = wasmi::Instance::new(&mut store, &self.0, &[])?;
        with_signature!(export, bind(store, instance, export))
    }
}

fn bind<P: WasmValue + WasmParams, R: WasmValue + WasmResults>(
    store: Store<()>,
    instance: wasmi::Instance,
    export: &Export,
) -> Result<Box<dyn Instance>> {
    let run = instance.get_typed_func::<P, R>(&store, &export.name).with_context(|| format!("export {export}"))?;
    Ok(Box::new(WasmiInstance { store, run }))
}

struct WasmiInstance<P, R> {
    store: Store<()>,
    run: TypedFunc<P, R>,
}

impl<P: WasmValue + WasmParams, R: WasmValue + WasmResults> Instance for WasmiInstance<P, R> {
    #[inline]
    fn call(&mut self, arg: Value) -> Result<Value> {
        Ok(self.run.call(&mut self.store, arg_as::<P>(arg)?)?.into_value())
    }
}

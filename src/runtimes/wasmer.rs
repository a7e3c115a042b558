//! Wasmer 7 with each of its compilers: `wasmer.singlepass`, `wasmer.cranelift`, `wasmer.llvm`.
//! Compilation runs on one thread, so compile times do not depend on the core count.
//! WASI through Wasmer's `wasmer-wasix`.

use crate::runtime::{Instance, Module, Runtime, WasiModule};
use crate::sample::Sample;
use crate::value::{Export, Value, WasmValue, arg_as};
use crate::wasi::{GUEST_DIR, WasiCommand, WasiOutput, WasiSample};
use crate::with_signature;
use anyhow::{Context, Result};
use std::num::NonZero;
use std::sync::{Arc, OnceLock};
use wasmer::{Engine, FromToNativeWasmType, Imports, Store, TypedFunction, WasmTypeList};
use wasmer_wasix::runtime::task_manager::tokio::TokioTaskManager;
use wasmer_wasix::virtual_fs::{self, NullFile, OverlayFileSystem, Pipe};
use wasmer_wasix::{PluggableRuntime, WasiEnv, WasiError};

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

    fn compile_wasi(&self, sample: &WasiSample) -> Result<Box<dyn WasiModule>> {
        let module = wasmer::Module::new(&self.engine, &sample.wasm)?;
        let _tokio = tokio().enter();
        let mut runtime = PluggableRuntime::new(Arc::new(TokioTaskManager::new(tokio().handle().clone())));
        runtime.set_engine(self.engine.clone());
        Ok(Box::new(WasmerWasi { engine: self.engine.clone(), module, runtime: Arc::new(runtime) }))
    }
}

/// wasmer-wasix does its I/O on tokio; one runtime serves every run of the process.
fn tokio() -> &'static tokio::runtime::Runtime {
    static TOKIO: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    TOKIO.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("starting tokio for wasmer-wasix")
    })
}

struct WasmerWasi {
    engine: Engine,
    module: wasmer::Module,
    runtime: Arc<PluggableRuntime>,
}

impl WasiModule for WasmerWasi {
    fn run(&self, command: &WasiCommand) -> Result<WasiOutput> {
        let _tokio = tokio().enter();
        // The guest's whole file system is the preopened directory (host_fs rooted there),
        // under an in-memory layer that takes any write: the directory stays read-only.
        let host = virtual_fs::host_fs::FileSystem::new(tokio().handle().clone(), command.preopen)?;
        let fs = OverlayFileSystem::new(virtual_fs::mem_fs::FileSystem::default(), [host]);
        let (stdout, mut stdout_reader) = Pipe::channel();
        let (stderr, mut stderr_reader) = Pipe::channel();
        let mut store = Store::new(self.engine.clone());
        let (instance, wasi) = WasiEnv::builder(command.program)
            .args(command.args)
            .runtime(self.runtime.clone())
            .fs(Arc::new(fs) as Arc<dyn virtual_fs::FileSystem + Send + Sync>)
            .preopen_build(|dir| dir.directory("/").alias(GUEST_DIR).read(true).write(false).create(false))?
            .stdin(Box::new(NullFile::default()))
            .stdout(Box::new(stdout))
            .stderr(Box::new(stderr))
            .instantiate(self.module.clone(), &mut store)?;
        let start = instance.exports.get_function("_start")?;
        let exit_code = match start.call(&mut store, &[]) {
            Ok(_) => 0,
            Err(e) => match e.downcast_ref::<WasiError>() {
                Some(WasiError::Exit(code)) => code.raw(),
                _ => return Err(e.into()),
            },
        };
        drop((instance, wasi, store));
        Ok(WasiOutput { exit_code, stdout: drain(&mut stdout_reader), stderr: drain(&mut stderr_reader) })
    }
}

fn drain(pipe: &mut Pipe) -> Vec<u8> {
    let (mut bytes, mut buffer) = (Vec::new(), [0; 64 * 1024]);
    while let Some(n @ 1..) = pipe.try_read(&mut buffer) {
        bytes.extend_from_slice(&buffer[..n]);
    }
    bytes
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

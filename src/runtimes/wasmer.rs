//! Wasmer 7 with each of its compilers: `wasmer.singlepass`, `wasmer.cranelift`, `wasmer.llvm`.
//! Each compiler with its defaults (Cranelift: opt level Speed; LLVM: Aggressive), code for
//! the host CPU's features; compilation runs on one thread, so compile times do not depend
//! on the core count. AOT: `Module::serialize`, loaded back with
//! `Module::deserialize_from_file` (which checks the artifact's layout). WASI (feature
//! `wasi`, only in the `wasi` bench's build) through `wasmer-wasix`.

use crate::runtime::{Instance, Module, Runtime};
use crate::sample::Sample;
use crate::value::{Export, Typed, Value, check_args};
use crate::with_signature;
use anyhow::{Context, Result};
use std::num::NonZero;
use std::path::Path;
use wasmer::{Engine, Imports, Store, TypedFunction, WasmTypeList};

const ONE_THREAD: NonZero<usize> = NonZero::new(1).unwrap();

pub struct Wasmer {
    name: &'static str,
    engine: Engine,
    slow_compile: bool,
    make: fn() -> Result<Wasmer>,
}

impl Wasmer {
    #[cfg(feature = "wasmer-singlepass")]
    pub fn singlepass() -> Result<Wasmer> {
        let mut compiler = wasmer_compiler_singlepass::Singlepass::new();
        compiler.num_threads(ONE_THREAD);
        Ok(Wasmer { name: "wasmer.singlepass", engine: compiler.into(), slow_compile: false, make: Self::singlepass })
    }

    #[cfg(feature = "wasmer-cranelift")]
    pub fn cranelift() -> Result<Wasmer> {
        let mut compiler = wasmer_compiler_cranelift::Cranelift::new();
        compiler.num_threads(ONE_THREAD);
        Ok(Wasmer { name: "wasmer.cranelift", engine: compiler.into(), slow_compile: false, make: Self::cranelift })
    }

    #[cfg(feature = "wasmer-llvm")]
    pub fn llvm() -> Result<Wasmer> {
        let mut compiler = wasmer_compiler_llvm::LLVM::new();
        compiler.num_threads(ONE_THREAD);
        Ok(Wasmer { name: "wasmer.llvm", engine: compiler.into(), slow_compile: true, make: Self::llvm })
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

    fn renew(&self) -> Result<Box<dyn Runtime>> {
        Ok(Box::new((self.make)()?))
    }

    fn compile(&self, sample: &Sample) -> Result<Box<dyn Module>> {
        let module = wasmer::Module::new(&self.engine, &sample.wasm)?;
        Ok(Box::new(WasmerModule { engine: self.engine.clone(), module }))
    }

    unsafe fn deserialize(&self, artifact: Vec<u8>) -> Result<Box<dyn Module>> {
        let module = unsafe { wasmer::Module::deserialize(&self.engine, artifact)? };
        Ok(Box::new(WasmerModule { engine: self.engine.clone(), module }))
    }

    unsafe fn load_artifact(&self, path: &Path) -> Result<Box<dyn Module>> {
        let module = unsafe { wasmer::Module::deserialize_from_file(&self.engine, path)? };
        Ok(Box::new(WasmerModule { engine: self.engine.clone(), module }))
    }

    #[cfg(feature = "wasi")]
    fn compile_wasi(&self, sample: &crate::wasi::WasiSample) -> Result<Box<dyn crate::wasi::WasiModule>> {
        wasi::compile(&self.engine, sample)
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
        with_signature!(export, bind(store, &instance, export), untyped(store, &instance, export))
    }

    fn serialize(&self) -> Result<Vec<u8>> {
        Ok(self.module.serialize()?.into())
    }
}

fn bind<P, R>(store: Store, instance: &wasmer::Instance, export: &Export) -> Result<Box<dyn Instance>>
where
    P: Params,
    R: Typed + WasmTypeList,
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
    P: Params,
    R: Typed + WasmTypeList,
{
    #[inline]
    fn call(&mut self, args: &[Value]) -> Result<Option<Value>> {
        Ok(P::call(&self.run, &mut self.store, P::from_args(args)?)?.into_result())
    }
}

/// How Wasmer's `TypedFunction::call` takes `P`: one argument, or none.
trait Params: Typed + WasmTypeList {
    fn call<R: WasmTypeList>(function: &TypedFunction<Self, R>, store: &mut Store, args: Self) -> Result<R, wasmer::RuntimeError>;
}

impl Params for () {
    #[inline]
    fn call<R: WasmTypeList>(function: &TypedFunction<(), R>, store: &mut Store, (): ()) -> Result<R, wasmer::RuntimeError> {
        function.call(store)
    }
}

macro_rules! params {
    ($($ty:ty),*) => {$(
        impl Params for $ty {
            #[inline]
            fn call<R: WasmTypeList>(function: &TypedFunction<$ty, R>, store: &mut Store, arg: $ty) -> Result<R, wasmer::RuntimeError> {
                function.call(store, arg)
            }
        }
    )*};
}
params!(i32, i64, f32, f64);

/// Any other signature: Wasmer's untyped `Function::call`.
fn untyped(store: Store, instance: &wasmer::Instance, export: &Export) -> Result<Box<dyn Instance>> {
    let run = instance.exports.get_function(&export.name).with_context(|| format!("export {export}"))?.clone();
    let ty = run.ty(&store);
    let own = Export {
        name: export.name.clone(),
        params: ty.params().iter().map(|t| from_type(*t)).collect::<Result<_>>()?,
        result: match ty.results() {
            [] => None,
            [one] => Some(from_type(*one)?),
            more => anyhow::bail!("export {export} returns {} values", more.len()),
        },
    };
    anyhow::ensure!(own == *export, "export {export} has type {own}");
    Ok(Box::new(WasmerUntyped { store, run, export: export.clone() }))
}

fn from_type(ty: wasmer::Type) -> Result<crate::value::ValType> {
    use crate::value::ValType;
    Ok(match ty {
        wasmer::Type::I32 => ValType::I32,
        wasmer::Type::I64 => ValType::I64,
        wasmer::Type::F32 => ValType::F32,
        wasmer::Type::F64 => ValType::F64,
        other => anyhow::bail!("value type {other:?}"),
    })
}

struct WasmerUntyped {
    store: Store,
    run: wasmer::Function,
    export: Export,
}

impl Instance for WasmerUntyped {
    fn call(&mut self, args: &[Value]) -> Result<Option<Value>> {
        check_args(&self.export, args)?;
        let args: Vec<wasmer::Value> = args
            .iter()
            .map(|a| match *a {
                Value::I32(v) => wasmer::Value::I32(v),
                Value::I64(v) => wasmer::Value::I64(v),
                Value::F32(v) => wasmer::Value::F32(v),
                Value::F64(v) => wasmer::Value::F64(v),
            })
            .collect();
        let results = self.run.call(&mut self.store, &args)?;
        Ok(match results.first() {
            None => None,
            Some(wasmer::Value::I32(v)) => Some(Value::I32(*v)),
            Some(wasmer::Value::I64(v)) => Some(Value::I64(*v)),
            Some(wasmer::Value::F32(v)) => Some(Value::F32(*v)),
            Some(wasmer::Value::F64(v)) => Some(Value::F64(*v)),
            Some(other) => anyhow::bail!("result {other:?}"),
        })
    }
}

#[cfg(feature = "wasi")]
mod wasi {
    use crate::wasi::{Markers, WasiCommand, WasiInstance, WasiModule, WasiRan, WasiSample};
    use anyhow::Result;
    use std::sync::{Arc, Mutex, OnceLock};
    use wasmer::{Engine, Function, Imports, Store};
    use wasmer_wasix::runtime::task_manager::tokio::TokioTaskManager;
    use wasmer_wasix::runtime::{InstantiationHook, InstantiationState};
    use wasmer_wasix::virtual_fs::{self, NullFile, OverlayFileSystem, Pipe};
    use wasmer_wasix::{PluggableRuntime, WasiEnv, WasiError};

    /// wasmer-wasix does its I/O on tokio; one runtime serves every run of the process.
    fn tokio() -> &'static tokio::runtime::Runtime {
        static TOKIO: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
        TOKIO.get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("starting tokio for wasmer-wasix")
        })
    }

    /// Provides `bench.start` and `bench.end`, recording into the markers of the run at hand.
    #[derive(Debug, Default)]
    struct BenchImports(Arc<Mutex<Option<ArcMarkers>>>);

    #[derive(Clone)]
    struct ArcMarkers(Arc<Markers>);

    impl std::fmt::Debug for ArcMarkers {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Markers")
        }
    }

    impl InstantiationHook for BenchImports {
        fn additional_imports(&self, _module: &wasmer::Module, store: &mut wasmer::StoreMut) -> Result<(Imports, InstantiationState)> {
            let mut imports = Imports::new();
            if let Some(ArcMarkers(markers)) = self.0.lock().unwrap_or_else(|e| e.into_inner()).clone() {
                let (start, end) = (markers.clone(), markers);
                imports.define("bench", "start", Function::new_typed(store, move || start.start()));
                imports.define("bench", "end", Function::new_typed(store, move || end.end()));
            }
            Ok((imports, InstantiationState::empty()))
        }
    }

    pub fn compile(engine: &Engine, sample: &WasiSample) -> Result<Box<dyn WasiModule>> {
        let module = wasmer::Module::new(engine, &sample.wasm)?;
        let _tokio = tokio().enter();
        let mut runtime = PluggableRuntime::new(Arc::new(TokioTaskManager::new(tokio().handle().clone())));
        runtime.set_engine(engine.clone());
        let markers = Arc::new(Mutex::new(None));
        runtime.with_instantiation_hook(BenchImports(markers.clone()));
        Ok(Box::new(WasmerWasi { engine: engine.clone(), module, runtime: Arc::new(runtime), markers }))
    }

    struct WasmerWasi {
        engine: Engine,
        module: wasmer::Module,
        runtime: Arc<PluggableRuntime>,
        markers: Arc<Mutex<Option<ArcMarkers>>>,
    }

    impl WasiModule for WasmerWasi {
        fn instantiate(&self, command: &WasiCommand) -> Result<Box<dyn WasiInstance>> {
            let _tokio = tokio().enter();
            *self.markers.lock().unwrap_or_else(|e| e.into_inner()) = Some(ArcMarkers(command.markers.clone()));
            // The guest's whole file system is the preopened directory (host_fs rooted there),
            // under an in-memory layer that takes any write: the directory stays read-only.
            let host = virtual_fs::host_fs::FileSystem::new(tokio().handle().clone(), command.preopen)?;
            let fs = OverlayFileSystem::new(virtual_fs::mem_fs::FileSystem::default(), [host]);
            let (stdout, stdout_reader) = Pipe::channel();
            let (stderr, stderr_reader) = Pipe::channel();
            let mut store = Store::new(self.engine.clone());
            let (instance, wasi) = WasiEnv::builder(command.program)
                .args(command.args)
                .runtime(self.runtime.clone())
                .fs(Arc::new(fs) as Arc<dyn virtual_fs::FileSystem + Send + Sync>)
                .preopen_build(|dir| dir.directory("/").alias(command.guest_dir).read(true).write(false).create(false))?
                .stdin(Box::new(NullFile::default()))
                .stdout(Box::new(stdout))
                .stderr(Box::new(stderr))
                .instantiate(self.module.clone(), &mut store)?;
            Ok(Box::new(WasmerWasiInstance { store, instance, wasi, stdout_reader, stderr_reader }))
        }
    }

    struct WasmerWasiInstance {
        store: Store,
        instance: wasmer::Instance,
        wasi: wasmer_wasix::WasiFunctionEnv,
        stdout_reader: Pipe,
        stderr_reader: Pipe,
    }

    impl WasiInstance for WasmerWasiInstance {
        fn start(self: Box<Self>) -> Result<WasiRan> {
            let _tokio = tokio().enter();
            let WasmerWasiInstance { mut store, instance, wasi, mut stdout_reader, mut stderr_reader } = *self;
            let start = instance.exports.get_function("_start")?;
            let exit_code = match start.call(&mut store, &[]) {
                Ok(_) => 0,
                Err(e) => match e.downcast_ref::<WasiError>() {
                    Some(WasiError::Exit(code)) => code.raw(),
                    _ => return Err(e.into()),
                },
            };
            Ok(WasiRan::new(exit_code, move || {
                drop((instance, wasi, store));
                (drain(&mut stdout_reader), drain(&mut stderr_reader))
            }))
        }
    }

    fn drain(pipe: &mut Pipe) -> Vec<u8> {
        let (mut bytes, mut buffer) = (Vec::new(), [0; 64 * 1024]);
        while let Some(n @ 1..) = pipe.try_read(&mut buffer) {
            bytes.extend_from_slice(&buffer[..n]);
        }
        bytes
    }
}

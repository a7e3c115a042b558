//! Wasmtime 48 with each of its execution strategies: `wasmtime.cranelift` (optimizing
//! compiler), `wasmtime.winch` (baseline compiler) and `wasmtime.pulley` (Cranelift to
//! Pulley bytecode, run by Wasmtime's interpreter). Default configuration, which
//! Wasmtime's documentation gives for production: the on-demand instance allocator,
//! signals-based traps, code for the host CPU's features; compilation on one thread (no
//! `parallel-compilation` feature). AOT: `Module::serialize`, loaded back with
//! `Module::deserialize_file` (which maps the file). WASI (feature `wasi`, only in the
//! `wasi` bench's build) through `wasmtime-wasi` (preview 1, synchronous).

use crate::runtime::{Instance, Module, Runtime};
use crate::sample::Sample;
use crate::value::{Export, Typed, ValType, Value, check_args};
use crate::with_signature;
use anyhow::{Context, Result};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use wasmtime::{Config, Engine, Store, Strategy, TypedFunc, Val, WasmParams, WasmResults};

pub struct Wasmtime {
    name: &'static str,
    engine: Engine,
    make: fn() -> Result<Wasmtime>,
}

impl Wasmtime {
    fn new(name: &'static str, make: fn() -> Result<Wasmtime>, configure: impl FnOnce(&mut Config) -> Result<()>) -> Result<Wasmtime> {
        let mut config = Config::new();
        configure(&mut config)?;
        let engine = Engine::new(&config).map_err(anyhow::Error::from).context("configuring Wasmtime")?;
        Ok(Wasmtime { name, engine, make })
    }

    pub fn cranelift() -> Result<Wasmtime> {
        Wasmtime::new("wasmtime.cranelift", Wasmtime::cranelift, |config| {
            config.strategy(Strategy::Cranelift);
            Ok(())
        })
    }

    pub fn winch() -> Result<Wasmtime> {
        Wasmtime::new("wasmtime.winch", Wasmtime::winch, |config| {
            config.strategy(Strategy::Winch);
            Ok(())
        })
    }

    pub fn pulley() -> Result<Wasmtime> {
        Wasmtime::new("wasmtime.pulley", Wasmtime::pulley, |config| {
            config.target("pulley64").map_err(anyhow::Error::from).context("this build lacks Wasmtime's `pulley` feature")?;
            Ok(())
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

    fn renew(&self) -> Result<Box<dyn Runtime>> {
        Ok(Box::new((self.make)()?))
    }

    fn compile(&self, sample: &Sample) -> Result<Box<dyn Module>> {
        let module = wasmtime::Module::new(&self.engine, &sample.wasm)?;
        Ok(Box::new(WasmtimeModule { engine: self.engine.clone(), module }))
    }

    unsafe fn deserialize(&self, artifact: Vec<u8>) -> Result<Box<dyn Module>> {
        let module = unsafe { wasmtime::Module::deserialize(&self.engine, artifact)? };
        Ok(Box::new(WasmtimeModule { engine: self.engine.clone(), module }))
    }

    unsafe fn load_artifact(&self, path: &Path) -> Result<Box<dyn Module>> {
        let module = unsafe { wasmtime::Module::deserialize_file(&self.engine, path)? };
        Ok(Box::new(WasmtimeModule { engine: self.engine.clone(), module }))
    }

    #[cfg(feature = "wasi")]
    fn compile_wasi(&self, sample: &crate::wasi::WasiSample) -> Result<Box<dyn crate::wasi::WasiModule>> {
        wasi::compile(&self.engine, sample)
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
        with_signature!(export, bind(store, instance, export), untyped(store, instance, export))
    }

    fn serialize(&self) -> Result<Vec<u8>> {
        Ok(self.module.serialize()?)
    }
}

fn bind<P: Typed + WasmParams, R: Typed + WasmResults>(
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

impl<P: Typed + WasmParams, R: Typed + WasmResults> Instance for WasmtimeInstance<P, R> {
    #[inline]
    fn call(&mut self, args: &[Value]) -> Result<Option<Value>> {
        Ok(self.run.call(&mut self.store, P::from_args(args)?)?.into_result())
    }
}

/// Any other signature: Wasmtime's untyped `Func::call`.
fn untyped(mut store: Store<()>, instance: wasmtime::Instance, export: &Export) -> Result<Box<dyn Instance>> {
    let run = instance.get_func(&mut store, &export.name).with_context(|| format!("export {export} not found"))?;
    let ty = run.ty(&store);
    let convert = |t: wasmtime::ValType| -> Result<ValType> {
        Ok(match t {
            wasmtime::ValType::I32 => ValType::I32,
            wasmtime::ValType::I64 => ValType::I64,
            wasmtime::ValType::F32 => ValType::F32,
            wasmtime::ValType::F64 => ValType::F64,
            other => anyhow::bail!("value type {other}"),
        })
    };
    let results: Vec<ValType> = ty.results().map(convert).collect::<Result<_>>()?;
    let own = Export { name: export.name.clone(), params: ty.params().map(convert).collect::<Result<_>>()?, result: results.first().copied() };
    anyhow::ensure!(own == *export && results.len() <= 1, "export {export} has type {own}");
    Ok(Box::new(WasmtimeUntyped { store, run, export: export.clone() }))
}

struct WasmtimeUntyped {
    store: Store<()>,
    run: wasmtime::Func,
    export: Export,
}

impl Instance for WasmtimeUntyped {
    fn call(&mut self, args: &[Value]) -> Result<Option<Value>> {
        check_args(&self.export, args)?;
        let args: Vec<Val> = args
            .iter()
            .map(|a| match *a {
                Value::I32(v) => Val::I32(v),
                Value::I64(v) => Val::I64(v),
                Value::F32(v) => Val::F32(v.to_bits()),
                Value::F64(v) => Val::F64(v.to_bits()),
            })
            .collect();
        let mut results = vec![Val::I32(0); usize::from(self.export.result.is_some())];
        self.run.call(&mut self.store, &args, &mut results)?;
        Ok(match results.first() {
            None => None,
            Some(Val::I32(v)) => Some(Value::I32(*v)),
            Some(Val::I64(v)) => Some(Value::I64(*v)),
            Some(Val::F32(v)) => Some(Value::F32(f32::from_bits(*v))),
            Some(Val::F64(v)) => Some(Value::F64(f64::from_bits(*v))),
            Some(other) => anyhow::bail!("result {other:?}"),
        })
    }
}

#[cfg(feature = "wasi")]
mod wasi {
    use crate::wasi::{Markers, WasiCommand, WasiInstance, WasiModule, WasiRan, WasiSample};
    use anyhow::Result;
    use std::sync::Arc;
    use wasmtime::{Caller, Engine, Linker, Store};
    use wasmtime_wasi::p1::WasiP1Ctx;
    use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
    use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

    /// What a WASI guest's store holds: its WASI context and the run's benchmark markers.
    struct Guest {
        wasi: WasiP1Ctx,
        markers: Arc<Markers>,
    }

    pub fn compile(engine: &Engine, sample: &WasiSample) -> Result<Box<dyn WasiModule>> {
        let module = wasmtime::Module::new(engine, &sample.wasm)?;
        let mut linker = Linker::new(engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |guest: &mut Guest| &mut guest.wasi)?;
        linker.func_wrap("bench", "start", |caller: Caller<'_, Guest>| caller.data().markers.start())?;
        linker.func_wrap("bench", "end", |caller: Caller<'_, Guest>| caller.data().markers.end())?;
        Ok(Box::new(WasmtimeWasi { linker, module }))
    }

    struct WasmtimeWasi {
        linker: Linker<Guest>,
        module: wasmtime::Module,
    }

    impl WasiModule for WasmtimeWasi {
        fn instantiate(&self, command: &WasiCommand) -> Result<Box<dyn WasiInstance>> {
            // The capacity is a limit, not an allocation.
            let (stdout, stderr) = (MemoryOutputPipe::new(usize::MAX), MemoryOutputPipe::new(usize::MAX));
            let wasi = WasiCtxBuilder::new()
                .args(&command.argv())
                .stdout(stdout.clone())
                .stderr(stderr.clone())
                .preopened_dir(command.preopen, command.guest_dir, FsPerms::ReadOnly)?
                .build_p1();
            let mut store = Store::new(self.module.engine(), Guest { wasi, markers: command.markers.clone() });
            let instance = self.linker.instantiate(&mut store, &self.module)?;
            Ok(Box::new(WasmtimeWasiInstance { store, instance, stdout, stderr }))
        }
    }

    struct WasmtimeWasiInstance {
        store: Store<Guest>,
        instance: wasmtime::Instance,
        stdout: MemoryOutputPipe,
        stderr: MemoryOutputPipe,
    }

    impl WasiInstance for WasmtimeWasiInstance {
        fn start(self: Box<Self>) -> Result<WasiRan> {
            let WasmtimeWasiInstance { mut store, instance, stdout, stderr } = *self;
            let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
            let exit_code = match start.call(&mut store, ()) {
                Ok(()) => 0,
                Err(e) => match e.downcast_ref::<I32Exit>() {
                    Some(I32Exit(code)) => *code,
                    None => return Err(anyhow::Error::from(e)),
                },
            };
            Ok(WasiRan::new(exit_code, move || {
                drop(store);
                (stdout.contents().to_vec(), stderr.contents().to_vec())
            }))
        }
    }
}

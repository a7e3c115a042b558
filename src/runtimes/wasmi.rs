//! wasmi 2, the interpreter, in two compilation modes: `wasmi.eager` translates every
//! function to wasmi bytecode while compiling; `wasmi.lazy` (wasmi's default,
//! `LazyTranslation`) validates while compiling and translates each function on its first
//! call (so in `jit` and the first `execute` call, not in `compile`). wasmi has no artifact
//! to store, so it takes no part in the AOT steps. WASI (feature `wasi`) through
//! `wasmi_wasi` (wasi-common, preview 1).

use crate::runtime::{Instance, Module, Runtime};
use crate::sample::Sample;
use crate::step::Step;
use crate::value::{Export, Typed, ValType, Value, check_args};
use crate::with_signature;
use anyhow::{Context, Result};
use wasmi::{CompilationMode, Config, Engine, Store, TypedFunc, Val, WasmParams, WasmResults};

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

    fn unsupported(&self, step: Step) -> Option<String> {
        step.is_aot().then(|| "wasmi is an interpreter: it has no compiled artifact to store".into())
    }

    fn renew(&self) -> Result<Box<dyn Runtime>> {
        Ok(Box::new(Wasmi::new(self.name, self.mode)))
    }

    fn compile(&self, sample: &Sample) -> Result<Box<dyn Module>> {
        Ok(Box::new(WasmiModule(wasmi::Module::new(&self.engine, &sample.wasm)?)))
    }

    #[cfg(feature = "wasi")]
    fn compile_wasi(&self, sample: &crate::wasi::WasiSample) -> Result<Box<dyn crate::wasi::WasiModule>> {
        wasi::compile(&self.engine, sample)
    }
}

struct WasmiModule(wasmi::Module);

impl Module for WasmiModule {
    fn instantiate(&self, export: &Export) -> Result<Box<dyn Instance>> {
        let mut store = Store::new(self.0.engine(), ());
        let instance = wasmi::Instance::new(&mut store, &self.0, &[])?;
        with_signature!(export, bind(store, instance, export), untyped(store, instance, export))
    }
}

fn bind<P: Typed + WasmParams, R: Typed + WasmResults>(
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

impl<P: Typed + WasmParams, R: Typed + WasmResults> Instance for WasmiInstance<P, R> {
    #[inline]
    fn call(&mut self, args: &[Value]) -> Result<Option<Value>> {
        Ok(self.run.call(&mut self.store, P::from_args(args)?)?.into_result())
    }
}

/// Any other signature: wasmi's untyped `Func::call`.
fn untyped(store: Store<()>, instance: wasmi::Instance, export: &Export) -> Result<Box<dyn Instance>> {
    let run = instance.get_func(&store, &export.name).with_context(|| format!("export {export} not found"))?;
    let ty = run.ty(&store);
    let convert = |t: &wasmi::ValType| -> Result<ValType> {
        Ok(match t {
            wasmi::ValType::I32 => ValType::I32,
            wasmi::ValType::I64 => ValType::I64,
            wasmi::ValType::F32 => ValType::F32,
            wasmi::ValType::F64 => ValType::F64,
            other => anyhow::bail!("value type {other:?}"),
        })
    };
    let own = Export {
        name: export.name.clone(),
        params: ty.params().iter().map(convert).collect::<Result<_>>()?,
        result: ty.results().first().map(convert).transpose()?,
    };
    anyhow::ensure!(own == *export && ty.results().len() <= 1, "export {export} has type {own}");
    Ok(Box::new(WasmiUntyped { store, run, export: export.clone() }))
}

struct WasmiUntyped {
    store: Store<()>,
    run: wasmi::Func,
    export: Export,
}

impl Instance for WasmiUntyped {
    fn call(&mut self, args: &[Value]) -> Result<Option<Value>> {
        check_args(&self.export, args)?;
        let args: Vec<Val> = args
            .iter()
            .map(|a| match *a {
                Value::I32(v) => Val::I32(v),
                Value::I64(v) => Val::I64(v),
                Value::F32(v) => Val::F32(v.into()),
                Value::F64(v) => Val::F64(v.into()),
            })
            .collect();
        let mut results = vec![Val::I32(0); usize::from(self.export.result.is_some())];
        self.run.call(&mut self.store, &args, &mut results)?;
        Ok(match results.first() {
            None => None,
            Some(Val::I32(v)) => Some(Value::I32(*v)),
            Some(Val::I64(v)) => Some(Value::I64(*v)),
            Some(Val::F32(v)) => Some(Value::F32(v.to_float())),
            Some(Val::F64(v)) => Some(Value::F64(v.to_float())),
            Some(other) => anyhow::bail!("result {other:?}"),
        })
    }
}

#[cfg(feature = "wasi")]
mod wasi {
    use crate::wasi::{Markers, WasiCommand, WasiInstance, WasiModule, WasiRan, WasiSample};
    use anyhow::Result;
    use std::sync::{Arc, RwLock};
    use wasmi::{Caller, Engine, Linker, Store};
    use wasmi_wasi::wasi_common::pipe::WritePipe;
    use wasmi_wasi::{Dir, WasiCtx, WasiCtxBuilder, ambient_authority};

    /// What a WASI guest's store holds: its WASI context and the run's benchmark markers.
    struct Guest {
        wasi: WasiCtx,
        markers: Arc<Markers>,
    }

    pub fn compile(engine: &Engine, sample: &WasiSample) -> Result<Box<dyn WasiModule>> {
        let module = wasmi::Module::new(engine, &sample.wasm)?;
        let mut linker = Linker::new(engine);
        wasmi_wasi::add_to_linker(&mut linker, |guest: &mut Guest| &mut guest.wasi)?;
        linker.func_wrap("bench", "start", |caller: Caller<'_, Guest>| caller.data().markers.start())?;
        linker.func_wrap("bench", "end", |caller: Caller<'_, Guest>| caller.data().markers.end())?;
        Ok(Box::new(WasmiWasi { linker, module }))
    }

    struct WasmiWasi {
        linker: Linker<Guest>,
        module: wasmi::Module,
    }

    impl WasiModule for WasmiWasi {
        /// wasi-common has no read-only preopen: the guest could write into its directory.
        fn instantiate(&self, command: &WasiCommand) -> Result<Box<dyn WasiInstance>> {
            let (stdout, stderr) = (Arc::new(RwLock::new(Vec::new())), Arc::new(RwLock::new(Vec::new())));
            let wasi = WasiCtxBuilder::new()
                .args(&command.argv())?
                .stdout(Box::new(WritePipe::from_shared(stdout.clone())))
                .stderr(Box::new(WritePipe::from_shared(stderr.clone())))
                .preopened_dir(Dir::open_ambient_dir(command.preopen, ambient_authority())?, command.guest_dir)?
                .build();
            let mut store = Store::new(self.module.engine(), Guest { wasi, markers: command.markers.clone() });
            let instance = self.linker.instantiate_and_start(&mut store, &self.module)?;
            Ok(Box::new(WasmiWasiInstance { store, instance, stdout, stderr }))
        }
    }

    struct WasmiWasiInstance {
        store: Store<Guest>,
        instance: wasmi::Instance,
        stdout: Arc<RwLock<Vec<u8>>>,
        stderr: Arc<RwLock<Vec<u8>>>,
    }

    impl WasiInstance for WasmiWasiInstance {
        fn start(self: Box<Self>) -> Result<WasiRan> {
            let WasmiWasiInstance { mut store, instance, stdout, stderr } = *self;
            let start = instance.get_typed_func::<(), ()>(&store, "_start")?;
            let exit_code = match start.call(&mut store, ()) {
                Ok(()) => 0,
                Err(e) => e.i32_exit_status().ok_or(e)?,
            };
            Ok(WasiRan::new(exit_code, move || {
                drop(store);
                let take = |pipe: Arc<RwLock<Vec<u8>>>| std::mem::take(&mut *pipe.write().unwrap_or_else(|e| e.into_inner()));
                (take(stdout), take(stderr))
            }))
        }
    }
}

//! wasmi 2, the interpreter, in two compilation modes: `wasmi.eager` translates every
//! function to wasmi bytecode while compiling; `wasmi.lazy` (wasmi's default,
//! `LazyTranslation`) validates while compiling and translates each function on its first
//! call. wasmi has no artifact to store, so it takes no part in the AOT steps.

use crate::runtime::{Instance, Module, Runtime};
use crate::sample::Sample;
use crate::step::Step;
use crate::value::{Export, Value, WasmValue, arg_as};
use crate::with_signature;
use anyhow::{Context, Result};
use wasmi::{CompilationMode, Config, Engine, Store, TypedFunc, WasmParams, WasmResults};

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

//! Fizzy 0.8.0 (crate `fizzy` 0.8.0), a C++17 interpreter of its own bytecode (wasm
//! instructions with their immediates decoded and branch targets resolved, made while
//! validating), built from the sources the crate ships (cmake: build type Release in optimized
//! Rust profiles, Debug at opt-level 0). It implements WebAssembly 1.0 only: no post-MVP
//! proposal at all. It has no compiled artifact, so it stays out of the AOT steps, and the
//! crate instantiates without imports, so it has no WASI. The crate as published builds its
//! bindings with bindgen 0.54 (clang-sys 0.29), which cannot share a build with the bindgen of
//! Wasmer, wasm3 and WAMR (clang-sys 1, `links = "clang"`): it needs a patched copy.
//!
//! The crate's `Module::instantiate` consumes the parsed module (the instance takes it over and
//! frees it with itself), so a compiled module is instantiated through a deep copy of itself
//! (`fizzy_clone_module`). The crate did not give a function's type, which its raw call
//! (`unsafe_execute`, no checks) needs checked beforehand: the vendored copy adds
//! `Instance::exported_function_type` (vendor/README.md). The steps are:
//! - `compile`: `fizzy::parse`: decoding, full validation and translation of every function
//!   body to Fizzy's bytecode (with its maximum operand stack height).
//! - `instantiate`: a copy of the parsed module, `instantiate` (memory of at most Fizzy's
//!   default limit of 4096 pages = 256 MiB, zeroed at once; globals, table, data and element
//!   segments, start function), looking up the export's function index, checking its signature.
//! - `execute`: `unsafe_execute` by function index, the arguments as Fizzy's untyped values
//!   (on the stack for exports of at most one parameter, no allocation on the Rust side). Each
//!   call runs in a new execution context: at most 2048 nested calls (deeper recursion traps;
//!   they take about 0.6 MiB of native stack), no metering, so nothing stops an endless loop.
//!   A trap carries no reason.

use crate::proposal::Proposal;
use crate::runtime::{Instance, Module, Runtime};
use crate::sample::Sample;
use crate::step::Step;
use crate::value::{Export, Typed, ValType, Value, check_args};
use crate::with_signature;
use anyhow::{Result, anyhow, ensure};

pub struct Fizzy;

impl Runtime for Fizzy {
    fn name(&self) -> &'static str {
        "fizzy"
    }

    fn version(&self) -> String {
        "Fizzy 0.8.0 (crate fizzy 0.8.0)".into()
    }

    fn unsupported(&self, step: Step) -> Option<String> {
        match step {
            _ if step.is_aot() => Some("Fizzy is an interpreter: it has no compiled artifact to store".into()),
            Step::Wasi | Step::WasiRun => {
                Some("Fizzy has no WASI, and the fizzy crate instantiates without imports: a module cannot call the host".into())
            }
            _ => None,
        }
    }

    /// Fizzy 0.8.0 implements WebAssembly 1.0 and none of the later proposals.
    fn missing_proposals(&self) -> &'static [Proposal] {
        &Proposal::ALL
    }

    fn renew(&self) -> Result<Box<dyn Runtime>> {
        Ok(Box::new(Fizzy))
    }

    fn compile(&self, sample: &Sample) -> Result<Box<dyn Module>> {
        let module = fizzy::parse(&sample.wasm).map_err(fizzy_error)?;
        Ok(Box::new(FizzyModule(module)))
    }
}

/// The crate's errors, with Fizzy's message where it gives one.
fn fizzy_error(error: fizzy::Error) -> anyhow::Error {
    use fizzy::Error::*;
    match error {
        MalformedModule(m) => anyhow!("malformed module: {m}"),
        InvalidModule(m) => anyhow!("invalid module: {m}"),
        InstantiationFailed(m) => anyhow!("instantiation failed: {m}"),
        MemoryAllocationFailed(m) => anyhow!("memory allocation failed: {m}"),
        Other(m) => anyhow!("{m}"),
        other => anyhow!("{other:?}"),
    }
}

struct FizzyModule(fizzy::Module);

fn val_type(code: u8) -> Result<ValType> {
    Ok(match code {
        0x7f => ValType::I32,
        0x7e => ValType::I64,
        0x7d => ValType::F32,
        0x7c => ValType::F64,
        other => anyhow::bail!("value type 0x{other:x}"),
    })
}

impl Module for FizzyModule {
    fn instantiate(&self, export: &Export) -> Result<Box<dyn Instance>> {
        let instance = self.0.clone().instantiate().map_err(fizzy_error)?;
        let (func, params, result) = instance.exported_function_type(&export.name).ok_or_else(|| anyhow!("no export {export}"))?;
        let own = Export {
            name: export.name.clone(),
            params: params.into_iter().map(val_type).collect::<Result<_>>()?,
            result: result.map(val_type).transpose()?,
        };
        ensure!(own == *export, "export {export} has type {own}");
        with_signature!(export, bind(instance, func), untyped(instance, func, export))
    }
}

/// A typed call's parameter (or none) as Fizzy's untyped values.
trait Params: Typed {
    type Values: AsRef<[fizzy::Value]>;
    fn values(self) -> Self::Values;
}

impl Params for () {
    type Values = [fizzy::Value; 0];
    #[inline]
    fn values(self) -> [fizzy::Value; 0] {
        []
    }
}

/// A typed call's result (or none) from Fizzy's untyped value.
trait Results: Typed {
    fn from_fizzy(value: Option<fizzy::Value>) -> Result<Self>;
}

impl Results for () {
    #[inline]
    fn from_fizzy(_: Option<fizzy::Value>) -> Result<()> {
        Ok(())
    }
}

macro_rules! fizzy_typed {
    ($($rust:ty => $as:ident),*) => {$(
        impl Params for $rust {
            type Values = [fizzy::Value; 1];
            #[inline]
            fn values(self) -> [fizzy::Value; 1] {
                [self.into()]
            }
        }

        impl Results for $rust {
            #[inline]
            fn from_fizzy(value: Option<fizzy::Value>) -> Result<$rust> {
                Ok(value.ok_or_else(|| anyhow!("Fizzy returned no value"))?.$as())
            }
        }
    )*};
}
fizzy_typed!(i32 => as_i32, i64 => as_i64, f32 => as_f32, f64 => as_f64);

fn bind<P: Params, R: Results>(instance: fizzy::Instance, func: u32) -> Result<Box<dyn Instance>> {
    Ok(Box::new(FizzyInstance::<P, R> { instance, func, signature: std::marker::PhantomData }))
}

/// An instance with its export's function index, whose signature is `(P) -> R`.
struct FizzyInstance<P, R> {
    instance: fizzy::Instance,
    func: u32,
    signature: std::marker::PhantomData<fn(P) -> R>,
}

impl<P: Params, R: Results> Instance for FizzyInstance<P, R> {
    #[inline]
    fn call(&mut self, args: &[Value]) -> Result<Option<Value>> {
        let values = P::from_args(args)?.values();
        // SAFETY: `func` is the index Fizzy found for the export, whose type `instantiate`
        // checked to be (P) -> R: `values` are as many, and of the types, that Fizzy reads.
        let result = unsafe { self.instance.unsafe_execute(self.func, values.as_ref()) };
        ensure!(!result.trapped(), "Fizzy trapped (it gives no reason)");
        Ok(R::from_fizzy(result.value())?.into_result())
    }
}

/// Any other signature (several parameters): the values collected per call.
fn untyped(instance: fizzy::Instance, func: u32, export: &Export) -> Result<Box<dyn Instance>> {
    Ok(Box::new(FizzyUntyped { instance, func, export: export.clone() }))
}

struct FizzyUntyped {
    instance: fizzy::Instance,
    func: u32,
    export: Export,
}

impl Instance for FizzyUntyped {
    fn call(&mut self, args: &[Value]) -> Result<Option<Value>> {
        check_args(&self.export, args)?;
        let values: Vec<fizzy::Value> = args
            .iter()
            .map(|a| match *a {
                Value::I32(v) => v.into(),
                Value::I64(v) => v.into(),
                Value::F32(v) => v.into(),
                Value::F64(v) => v.into(),
            })
            .collect();
        // SAFETY: as for `FizzyInstance::call`, with the arguments checked against the export.
        let result = unsafe { self.instance.unsafe_execute(self.func, &values) };
        ensure!(!result.trapped(), "Fizzy trapped (it gives no reason)");
        Ok(match (self.export.result, result.value()) {
            (None, _) => None,
            (Some(ty), Some(v)) => Some(match ty {
                ValType::I32 => Value::I32(v.as_i32()),
                ValType::I64 => Value::I64(v.as_i64()),
                ValType::F32 => Value::F32(v.as_f32()),
                ValType::F64 => Value::F64(v.as_f64()),
            }),
            (Some(_), None) => anyhow::bail!("Fizzy returned no value"),
        })
    }
}

//! The runtime table: every runtime this build was compiled with (one cargo feature each),
//! one line each. A runtime that cannot start in this process is kept as `Unavailable`,
//! so that every step skips it with the reason instead of the bench stopping.

#[cfg(feature = "fizzy")]
pub mod fizzy;
#[cfg(feature = "lucet")]
pub mod lucet;
pub mod native;
#[cfg(feature = "stitch")]
pub mod stitch;
#[cfg(feature = "tinywasm")]
pub mod tinywasm;
#[cfg(feature = "v8")]
pub mod v8;
#[cfg(feature = "wamr")]
pub mod wamr;
#[cfg(feature = "wasm3")]
pub mod wasm3;
#[cfg(any(feature = "wasmer-singlepass", feature = "wasmer-cranelift", feature = "wasmer-llvm"))]
pub mod wasmer;
#[cfg(feature = "wasmi")]
pub mod wasmi;
#[cfg(feature = "wasmtime")]
pub mod wasmtime;

use crate::runtime::{Runtime, Unavailable};
use anyhow::Result;

#[allow(dead_code)]
fn boxed<R: Runtime + 'static>(runtime: Result<R>) -> Result<Box<dyn Runtime>> {
    Ok(Box::new(runtime?))
}

type Make = fn() -> Result<Box<dyn Runtime>>;

/// Every runtime of this build, in the order of the report's columns.
pub const TABLE: &[(&str, Make)] = &[
    ("native", || Ok(Box::new(native::Native))),
    #[cfg(feature = "wasmer-singlepass")]
    ("wasmer.singlepass", || boxed(wasmer::Wasmer::singlepass())),
    #[cfg(feature = "wasmer-cranelift")]
    ("wasmer.cranelift", || boxed(wasmer::Wasmer::cranelift())),
    #[cfg(feature = "wasmer-llvm")]
    ("wasmer.llvm", || boxed(wasmer::Wasmer::llvm())),
    #[cfg(feature = "wasmtime")]
    ("wasmtime.cranelift", || boxed(wasmtime::Wasmtime::cranelift())),
    #[cfg(feature = "wasmtime")]
    ("wasmtime.winch", || boxed(wasmtime::Wasmtime::winch())),
    #[cfg(feature = "wasmtime")]
    ("wasmtime.pulley", || boxed(wasmtime::Wasmtime::pulley())),
    #[cfg(feature = "wasmi")]
    ("wasmi.eager", || boxed(Ok(wasmi::Wasmi::eager()))),
    #[cfg(feature = "wasmi")]
    ("wasmi.lazy", || boxed(Ok(wasmi::Wasmi::lazy()))),
    #[cfg(feature = "tinywasm")]
    ("tinywasm", || boxed(Ok(tinywasm::Tinywasm))),
    #[cfg(feature = "stitch")]
    ("stitch", || boxed(Ok(stitch::Stitch::new()))),
    #[cfg(feature = "wasm3")]
    ("wasm3", || boxed(wasm3::Wasm3::new())),
    #[cfg(feature = "wamr")]
    ("wamr", || boxed(wamr::Wamr::new())),
    #[cfg(feature = "fizzy")]
    ("fizzy", || boxed(Ok(fizzy::Fizzy))),
    #[cfg(feature = "lucet")]
    ("lucet", || boxed(Ok(lucet::Lucet))),
    #[cfg(feature = "v8")]
    ("v8.liftoff", || boxed(v8::V8::liftoff())),
    #[cfg(feature = "v8")]
    ("v8.turbofan", || boxed(v8::V8::turbofan())),
    #[cfg(feature = "v8")]
    ("v8.default", || boxed(v8::V8::default_tiers())),
];

/// Every runtime of this build; one that cannot start is `Unavailable`, with the reason.
pub fn runtimes() -> Vec<Box<dyn Runtime>> {
    TABLE
        .iter()
        .map(|(name, make)| {
            make().unwrap_or_else(|e| Box::new(Unavailable { name, reason: format!("{name} could not start: {e:#}") }))
        })
        .collect()
}

/// The runtime called `name`, started anew.
pub fn runtime(name: &str) -> Result<Box<dyn Runtime>> {
    let (_, make) = TABLE
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or_else(|| anyhow::anyhow!("no runtime `{name}` in this build ({})", names().join(", ")))?;
    make()
}

pub fn names() -> Vec<&'static str> {
    TABLE.iter().map(|(name, _)| *name).collect()
}

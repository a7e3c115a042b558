//! The runtime table: every runtime this build was compiled with (one cargo feature each).

#[cfg(feature = "lucet")]
pub mod lucet;
pub mod native;
#[cfg(feature = "stitch")]
pub mod stitch;
#[cfg(feature = "tinywasm")]
pub mod tinywasm;
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

use crate::runtime::Runtime;

#[allow(dead_code)]
fn boxed(runtime: impl Runtime + 'static) -> Box<dyn Runtime> {
    Box::new(runtime)
}

pub fn runtimes() -> Vec<Box<dyn Runtime>> {
    let mut all: Vec<Box<dyn Runtime>> = vec![Box::new(native::Native)];
    #[cfg(feature = "wasmer-singlepass")]
    all.push(Box::new(wasmer::Wasmer::singlepass()));
    #[cfg(feature = "wasmer-cranelift")]
    all.push(Box::new(wasmer::Wasmer::cranelift()));
    #[cfg(feature = "wasmer-llvm")]
    all.push(Box::new(wasmer::Wasmer::llvm()));
    #[cfg(feature = "wasmtime")]
    all.extend([wasmtime::Wasmtime::cranelift(), wasmtime::Wasmtime::winch(), wasmtime::Wasmtime::pulley()].map(boxed));
    #[cfg(feature = "wasmi")]
    all.extend([wasmi::Wasmi::eager(), wasmi::Wasmi::lazy()].map(boxed));
    #[cfg(feature = "tinywasm")]
    all.push(Box::new(tinywasm::Tinywasm));
    #[cfg(feature = "stitch")]
    all.push(Box::new(stitch::Stitch::new()));
    #[cfg(feature = "wasm3")]
    all.push(Box::new(wasm3::Wasm3::new()));
    #[cfg(feature = "wamr")]
    all.push(Box::new(wamr::Wamr));
    #[cfg(feature = "lucet")]
    all.push(Box::new(lucet::Lucet));
    all
}

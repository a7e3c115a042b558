//! The runtime table: every runtime this build was compiled with (one cargo feature each).

pub mod native;
#[cfg(any(feature = "wasmer-singlepass", feature = "wasmer-cranelift", feature = "wasmer-llvm"))]
pub mod wasmer;

use crate::runtime::Runtime;

pub fn runtimes() -> Vec<Box<dyn Runtime>> {
    let mut all: Vec<Box<dyn Runtime>> = vec![Box::new(native::Native)];
    #[cfg(feature = "wasmer-singlepass")]
    all.push(Box::new(wasmer::Wasmer::singlepass()));
    #[cfg(feature = "wasmer-cranelift")]
    all.push(Box::new(wasmer::Wasmer::cranelift()));
    #[cfg(feature = "wasmer-llvm")]
    all.push(Box::new(wasmer::Wasmer::llvm()));
    all
}

//! wasm-runtime-bench: the samples, the runtime adapters, and the steps the benches
//! time (compile, instantiate, execute, JIT, AOT compile, AOT execute, WASI).

pub mod artifact;
pub mod proposal;
pub mod report;
pub mod runtime;
pub mod runtimes;
pub mod sample;
pub mod step;
pub mod value;
pub mod wasi;

//! wasm-runtime-bench: the samples, the runtime adapters, the steps the benches time
//! (compile, instantiate, execute, JIT, AOT compile, AOT verify, AOT execute, WASI), the
//! benches' shared loop (`harness`) and the summary report.

pub mod artifact;
pub mod harness;
pub mod memory;
pub mod proposal;
pub mod report;
pub mod runtime;
pub mod runtimes;
pub mod sample;
pub mod step;
pub mod value;
pub mod wasi;

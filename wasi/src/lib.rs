//! The WASI step of wasm-runtime-bench, built apart from the other steps: this package
//! turns on the suite's `wasi` feature (wasmer-wasix, wasmtime-wasi, wasmi_wasi), which
//! Cargo would otherwise unify into every step's build. Its bench is `benches/wasi.rs`.
